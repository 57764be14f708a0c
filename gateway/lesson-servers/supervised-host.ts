// What the TCP and UDP hosts share: a lesson made afresh at every start (as a restarted process
// would have), the Supervisor that restarts it after a crash, and how it describes itself.

import type { LessonServerInfo } from '../protocol/messages.js';
import type { LessonServerName } from './lesson.js';
import { Supervisor } from './supervisor.js';

export interface HostBasics {
  host: string;
  port: number;
  log: (line: string) => void;
}

export abstract class SupervisedHost<L extends { name: LessonServerName; description: string }> {
  readonly name: LessonServerName;
  protected lesson: L;
  protected readonly supervisor: Supervisor;
  /** Sockets closed by restarts or shutdown, until their 'close' event. */
  protected readonly stopped = new Set<Promise<void>>();

  constructor(
    private readonly make: () => L,
    protected readonly basics: HostBasics,
    private readonly proto: 'tcp' | 'udp',
  ) {
    this.lesson = make();
    this.name = this.lesson.name;
    this.supervisor = new Supervisor({
      name: this.name,
      host: basics.host,
      port: basics.port,
      log: basics.log,
      stop: () => this.stop(),
      start: (port) => {
        this.lesson = this.make();
        return this.open(port);
      },
    });
  }

  /** Starts serving on `port` (0: any); resolves with the port actually bound. */
  protected abstract open(port: number): Promise<number>;
  /** Stops serving; what it closes goes into `stopped` until it is really closed. */
  protected abstract stop(): void;

  info(): LessonServerInfo {
    return {
      name: this.name,
      proto: this.proto,
      host: this.basics.host,
      port: this.supervisor.port,
      description: this.lesson.description,
    };
  }

  start(): Promise<void> {
    return this.supervisor.first();
  }
}
