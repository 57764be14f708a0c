// The page's diagram, kept up to date as the trace grows. Laying the whole trace out again for every
// event cost what the trace held: 40 ms an event at 10,000 events and 180 ms at the 50,000 the page
// keeps, enough to freeze a raw session flooded by `cat bigfile | nc`. This feeds the layout only the
// events it has not seen. When the trace drops its oldest events, the layout forgets their rows but
// not what they taught it: laid out again from what is left, a stream whose socket() was dropped lost
// its lifeline, and every read after that went undrawn.

import type { LessonServerInfo } from '../../../gateway/protocol/messages.js';
import type { Log } from '../store/log.js';
import type { TraceMessage } from '../store/state.js';
import { type DiagramModel, type SequenceLayout, sequenceLayout } from './layout.js';

export class LiveLayout {
  private layout: SequenceLayout | null = null;
  private programs: readonly string[] = [];
  /** The lesson servers, and as text: a reconnect's welcome names the same ones in a new array. */
  private serverList: readonly LessonServerInfo[] = [];
  private servers = '';
  /** The log position (see Log.start) of the first event this layout saw, and of the next one to feed. */
  private start = 0;
  private next = 0;
  /** The last event fed: the log still holds it at the same position if it only grew since. */
  private last: TraceMessage | undefined;
  private current: DiagramModel = { lanes: [], rows: [], spans: [] };
  /** Events fed since this LiveLayout was made (for tests: an appended event costs one). */
  added = 0;
  /** Times the layout started over from the log's first event. */
  rebuilds = 0;

  /**
   * The diagram of `trace`. The same model object while nothing changed; a grown trace feeds only its
   * new events, and one that dropped its oldest events forgets their rows (see dropBefore); a new
   * terminal gets its lifeline, and a closed one keeps it if it drew anything. A new session's log or
   * other lesson servers lay it all out again.
   */
  update(
    trace: Log<TraceMessage>,
    programs: readonly string[],
    lessonServers: readonly LessonServerInfo[],
  ): DiagramModel {
    // Written out only when the array is another one (a welcome), not for every event.
    const servers = lessonServers === this.serverList ? this.servers : JSON.stringify(lessonServers);
    // A terminal opened or closed is fed in, not a reason to start over.
    const terminals = programs !== this.programs;
    const grew =
      this.layout !== null &&
      servers === this.servers &&
      trace.start >= this.start &&
      trace.start <= this.next &&
      trace.start + trace.length >= this.next &&
      (this.next === this.start || trace.at(this.next - 1 - trace.start) === this.last);
    this.serverList = lessonServers;
    if (!grew) {
      this.layout = sequenceLayout(programs, lessonServers);
      this.programs = programs;
      this.servers = servers;
      this.start = trace.start;
      this.next = trace.start;
      this.last = undefined;
      this.rebuilds++;
    } else if (terminals) {
      this.layout!.setPrograms(programs);
      this.programs = programs;
    } else if (trace.start + trace.length === this.next && trace.start === this.start) return this.current;
    const layout = this.layout!;
    if (trace.start > this.start) {
      const first = trace.at(0);
      if (first) layout.dropBefore(first.seq);
      this.start = trace.start;
    }
    for (const m of trace.slice(this.next - trace.start, trace.length)) {
      layout.add(m);
      this.added++;
    }
    this.next = trace.start + trace.length;
    this.last = trace.at(trace.length - 1);
    this.current = layout.model();
    return this.current;
  }
}
