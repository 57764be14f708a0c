// The page: program terminals on the left, the live call-flow diagram and the socket inspector on the
// right, a toolbar for the projector (font size, theme, full screen) and keyboard shortcuts for all.

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { exportScripts, type TypedLine } from '../../../gateway/lessons/export.js';
import { fillFromWelcome } from '../../../gateway/lessons/placeholders.js';
import type { Call, LessonServerInfo } from '../../../gateway/protocol/messages.js';
import { GatewayConnection, gatewayUrl } from '../connection/gateway-connection.js';
import { describeRow, rowIndex, rowRef } from '../diagram/layout.js';
import { LiveLayout } from '../diagram/live-layout.js';
import { type DiagramHandle, SequenceDiagram } from '../diagram/SequenceDiagram.js';
import type { TerminalsRan } from '../lessons/flow.js';
import { downloadText, LessonPanel, type PublicLesson } from '../lessons/LessonPanel.js';
import type { Driver } from '../lessons/lesson-run.js';
import { RawSessions, type RawSessionsHandle } from '../raw/RawSessions.js';
import type { Welcome } from '../store/actions.js';
import { loadDisplay, saveDisplay } from '../store/display.js';
import { initialState, pageEvents, reducer } from '../store/state.js';
import { ProgramTerminal, type SourcedBackend, type TerminalApi } from '../terminal/ProgramTerminal.js';
import { BlankScreen } from './BlankScreen.js';
import { EventDetails } from './EventDetails.js';
import { ExportMenu } from './ExportMenu.js';
import { Inspector } from './Inspector.js';

/** Before the welcome: one array, so the diagram is not laid out again for a new empty one. */
const NO_SERVERS: LessonServerInfo[] = [];
/** The event log lists the diagram's newest events only: the whole trace as DOM text would be slow. */
const LOG_ROWS = 200;

const SHORTCUTS: [string, string][] = [
  ['Alt + =  /  Alt + -', 'font size up / down (terminals and diagram)'],
  ['Alt + T', 'light / dark theme'],
  ['Alt + F', 'diagram full screen (Esc leaves)'],
  ['Alt + N', 'add a client program'],
  ['Alt + L', 'the lessons'],
  ['PageDown / PageUp', "in a lesson: run the next step / go back one (a presenter's remote; → / ← too)"],
  ['Alt + PageDown / PageUp', 'the same, while a terminal has the keys (there PageDown is its own)'],
  ['B  or  .', "blank the screen, as a presenter's remote asks; any key or click brings it back"],
  [
    'PageDown on a failed step',
    'runs it once more; after a second failure, skips it (⤼ Skip on the step at once)',
  ],
  ['Alt + R', 'open a raw session (bytes by hand, like nc or telnet)'],
  ['Alt + 1 … 9', 'focus program terminal 1 … 9'],
  ['Alt + D', 'focus the diagram (↑ ↓ walk its events, Home / End the first / newest, Esc deselects)'],
  ['Alt + S', 'export the diagram as SVG'],
  ['Alt + P', 'export the diagram as PNG'],
  ['Ctrl + C', 'in a terminal: stop waiting (cancel the blocked call)'],
  ['Ctrl + L', 'in a terminal: clear the screen'],
  ['Tab, ↑ ↓', 'in a terminal: complete names, history'],
  ['?', 'this help, and the lesson servers'],
];

declare global {
  interface Window {
    /** For tests and lessons: type a line into a program's terminal. */
    playground?: {
      type(program: string, line: string): Promise<void>;
      text(program: string): string;
      programs(): string[];
    };
  }
}

export function App() {
  const [state, dispatch] = useReducer(reducer, initialState, (s) => ({
    ...s,
    ...loadDisplay(localStorage),
  }));
  const conn = useMemo(() => new GatewayConnection(gatewayUrl(window.location), dispatch), []);
  const terminals = useRef(new Map<string, TerminalApi>());
  const diagram = useRef<DiagramHandle>(null);
  const raw = useRef<RawSessionsHandle>(null);
  const [help, setHelp] = useState(false);
  const [fullDiagram, setFullDiagram] = useState(false);
  // Guided lessons: the list from the gateway, the one open (from the address: #/lesson/<id>),
  // what each program printed (checks read it), and an epoch that gives restarts fresh terminals.
  const [lessons, setLessons] = useState<PublicLesson[]>([]);
  const [route, setRoute] = useState(() => lessonRoute(window.location.hash));
  const [epoch, setEpoch] = useState(0);
  const outputs = useRef<Record<string, string[]>>({});
  const inputs = useRef<Record<string, TypedLine[]>>({});
  // What these terminals have run of a lesson: nothing yet on a new page, whatever the progress.
  const lessonRan = useRef<TerminalsRan>({ lesson: null, steps: 0 });
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    fetch('/api/lessons')
      .then((r) => (r.ok ? (r.json() as Promise<{ lessons: PublicLesson[] }>) : { lessons: [] }))
      .then((doc) => setLessons(doc.lessons))
      .catch(() => setLessons([]));
    const onHash = () => setRoute(lessonRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const driver = useMemo<Driver>(() => {
    const open = async (program: string) => {
      // Lessons may use client2 and client3: open their terminals first, one at a time (the state
      // only shows a new program once React has rendered it).
      while (!stateRef.current.programs.includes(program) && /^client\d*$/.test(program)) {
        const before = stateRef.current.programs.length;
        if (before >= 8) break;
        dispatch({ type: 'add-program' });
        await until(() => (stateRef.current.programs.length > before ? true : undefined), 'a new terminal');
      }
      return until(() => terminals.current.get(program), `the ${program} terminal`);
    };
    return {
      async type(program, line, wait) {
        const t = await open(program);
        await t.type(line, { wait, delayMs: 12 });
      },
      async open(program) {
        await open(program);
      },
      done: async (program) => {
        await terminals.current.get(program)?.idle();
      },
      trace: () => stateRef.current.trace.toArray(),
      holdsSockets: () => Object.keys(stateRef.current.sockets).length > 0,
      output: () => outputs.current,
      fill: () => fillFromWelcome(stateRef.current.session ?? { ports: [], lessonServers: [] }),
    };
  }, []);

  /** A lesson's Restart: a new session (fresh sockets, fresh ports) and fresh terminals. */
  const restart = useCallback(async () => {
    const old = stateRef.current.session?.session;
    outputs.current = {};
    inputs.current = {};
    lessonRan.current = { lesson: null, steps: 0 };
    // Forget the old terminals now, so waiting below sees only the fresh ones register.
    terminals.current.clear();
    // Fresh terminals are the page's first two: a lesson opens client2 and client3 when it uses them.
    dispatch({ type: 'reset-programs' });
    conn.fresh();
    setEpoch((e) => e + 1);
    await until(
      () =>
        stateRef.current.session?.session !== old && stateRef.current.connection === 'open'
          ? true
          : undefined,
      'a fresh session',
    );
    await until(
      () => (stateRef.current.programs.every((p) => terminals.current.has(p)) ? true : undefined),
      'fresh terminals',
    );
  }, [conn]);

  useEffect(() => {
    conn.start();
    return () => conn.stop();
  }, [conn]);

  useEffect(() => {
    document.documentElement.dataset.theme = state.theme;
    document.documentElement.style.setProperty('--font-size', `${state.fontSize}px`);
    saveDisplay(localStorage, { fontSize: state.fontSize, theme: state.theme });
  }, [state.theme, state.fontSize]);

  const backends = useMemo(() => new Map<string, SourcedBackend>(), []);
  const backendFor = useCallback(
    (program: string): SourcedBackend => {
      let b = backends.get(program);
      if (!b) {
        b = {
          call: (call: Call, signal: AbortSignal, source: string) => conn.call(program, call, signal, source),
        };
        backends.set(program, b);
      }
      return b;
    },
    [backends, conn],
  );

  // Fed only the events it has not seen: a new event costs the same at 50,000 events as at 50.
  const [live] = useState(() => new LiveLayout());
  const model = useMemo(
    () => live.update(state.trace, state.programs, state.session?.lessonServers ?? NO_SERVERS),
    [live, state.trace, state.programs, state.session],
  );
  const laneMap = useMemo(() => new Map(model.lanes.map((l) => [l.id, l])), [model.lanes]);
  const selectedIndex = useMemo(
    () => (state.selected ? rowIndex(model.rows, state.selected) : null),
    [model.rows, state.selected],
  );
  const selectedRow = selectedIndex !== null ? model.rows[selectedIndex] : undefined;

  const exportSvg = useCallback(() => {
    const svg = diagram.current?.toSvg();
    if (svg) download(new Blob([svg], { type: 'image/svg+xml' }), 'call-flow.svg');
  }, []);
  const exportPython = useCallback(() => {
    const fill = fillFromWelcome(stateRef.current.session ?? { ports: [], lessonServers: [] });
    const programs = Object.entries(inputs.current).map(([program, lines]) => ({ program, lines }));
    for (const s of exportScripts({ title: 'sandbox session', name: 'sandbox', programs }, fill)) {
      downloadText(s.text, s.fileName, 'text/x-python');
    }
  }, []);
  const exportPng = useCallback(() => {
    const svg = diagram.current?.toSvg();
    if (svg) void svgToPng(svg).then((png) => download(png, 'call-flow.png'));
  }, []);

  useEffect(() => {
    window.playground = {
      type: async (program, line) => {
        const t = terminals.current.get(program);
        if (!t) throw new Error(`no terminal named ${program}`);
        await t.type(line);
      },
      text: (program) => terminals.current.get(program)?.text() ?? '',
      programs: () => [...terminals.current.keys()],
    };
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const inTerminal = (e.target as HTMLElement | null)?.closest?.('.terminal-host');
      if (e.key === '?' && !inTerminal && !(e.target instanceof HTMLInputElement)) {
        setHelp((h) => !h);
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') {
        setHelp(false);
        setFullDiagram(false);
      }
      if (!e.altKey) return;
      const k = e.key.toLowerCase();
      const act: Record<string, () => void> = {
        '=': () => dispatch({ type: 'font', delta: 1 }),
        '+': () => dispatch({ type: 'font', delta: 1 }),
        '-': () => dispatch({ type: 'font', delta: -1 }),
        t: () => dispatch({ type: 'theme', theme: state.theme === 'dark' ? 'light' : 'dark' }),
        f: () => setFullDiagram((f) => !f),
        n: () => dispatch({ type: 'add-program' }),
        l: () => {
          window.location.hash = '#/lessons';
        },
        d: () => document.querySelector<SVGElement>('.diagram-body')?.focus(),
        s: exportSvg,
        p: exportPng,
      };
      const digit = /^Digit([1-9])$/.exec(e.code);
      if (digit) {
        const program = state.programs[Number(digit[1]) - 1];
        if (program) terminals.current.get(program)?.focus();
        e.preventDefault();
        e.stopPropagation();
        return;
      }
      const fn = act[k] ?? act[e.code === 'Equal' ? '=' : e.code === 'Minus' ? '-' : ''];
      if (fn) {
        e.preventDefault();
        e.stopPropagation();
        fn();
      }
    };
    // Capture phase: the shortcuts must work while a terminal has focus, and xterm stops the keys it
    // handles from bubbling.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [state.theme, state.programs, exportSvg, exportPng]);

  const log = model.rows.slice(-LOG_ROWS).map((r) => describeRow(r, laneMap));

  return (
    <div className={`app${fullDiagram ? ' full-diagram' : ''}${route !== null ? ' with-lesson' : ''}`}>
      <header className="toolbar">
        <h1>Socket playground</h1>
        <ConnectionBadge status={state.connection} note={state.connectionNote} />
        {/* Takes the room the buttons leave, and gives it up first (shown whole on hover): the engine's
            name goes before any of the ports, as a student needs them to connect. */}
        <span className="session-facts" title={sessionFacts(state.session)}>
          {state.session && (
            <>
              <span className="ports">
                your ports <strong>{portRange(state.session.ports)}</strong>
              </span>
              <span className="engine">
                {'\u00a0·\u00a0'}
                <strong>{engineName(state.session)}</strong>
              </span>
            </>
          )}
        </span>
        <button type="button" onClick={() => (window.location.hash = '#/lessons')} title="Alt+L">
          Lessons
        </button>
        <button type="button" onClick={() => dispatch({ type: 'add-program' })} title="Alt+N">
          + client
        </button>
        <button type="button" onClick={() => raw.current?.open()} title="Alt+R" aria-keyshortcuts="Alt+R">
          Raw session
        </button>
        <button
          type="button"
          onClick={() => dispatch({ type: 'font', delta: -1 })}
          aria-label="Smaller text"
          title="Alt+-"
        >
          A−
        </button>
        <button
          type="button"
          onClick={() => dispatch({ type: 'font', delta: 1 })}
          aria-label="Larger text"
          title="Alt+="
        >
          A+
        </button>
        <button
          type="button"
          onClick={() => dispatch({ type: 'theme', theme: state.theme === 'dark' ? 'light' : 'dark' })}
          title="Alt+T"
          aria-label={state.theme === 'dark' ? 'Light theme' : 'Dark theme'}
        >
          {state.theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        <button
          type="button"
          onClick={() => setFullDiagram((f) => !f)}
          title="Alt+F"
          aria-label={fullDiagram ? 'Exit full screen' : 'Diagram only (full screen)'}
        >
          {fullDiagram ? 'Exit full screen' : 'Diagram only'}
        </button>
        <ExportMenu
          items={[
            {
              label: 'Python scripts',
              title: 'Download what each terminal ran as Python 3 scripts',
              disabled: state.programs.length === 0,
              run: exportPython,
            },
            { label: 'Diagram as SVG', title: 'Alt+S', run: exportSvg },
            { label: 'Diagram as PNG', title: 'Alt+P', run: exportPng },
          ]}
        />
        <button type="button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="?">
          ?
        </button>
      </header>

      {state.session?.engine.kind === 'fallback' && (
        <div className="banner warning" role="note">
          <strong>Fallback engine:</strong> this gateway cannot make raw system calls here, so some steps are
          modelled or merged:
          <ul>
            {state.session.engine.merges.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {state.resumed && (
        <div className="banner" role="status">
          Welcome back: the gateway kept this tab's sockets ({Object.keys(state.sockets).length} listed in the
          inspector). Your terminals start afresh, so their variables no longer name them
          {route ? ': the lesson offers to replay the steps you did, on fresh sockets' : ''}.{' '}
          <button type="button" onClick={() => dispatch({ type: 'dismiss-lost' })}>
            OK
          </button>
        </div>
      )}
      {state.lost && (
        <div className="banner warning" role="alert">
          The gateway no longer had this page's sockets (it restarted, or the page was away too long), so you
          have a fresh session. Your terminals' variables point to sockets that are gone.{' '}
          <button type="button" onClick={() => dispatch({ type: 'dismiss-lost' })}>
            OK
          </button>
        </div>
      )}

      <main className="workspace">
        {route !== null && (
          <LessonPanel
            lessons={lessons}
            lessonId={route}
            driver={driver}
            restart={restart}
            ran={lessonRan}
            onOpen={(id) => {
              window.location.hash = id ? `#/lesson/${id}` : '#/lessons';
            }}
            onClose={() => {
              window.location.hash = '#/';
            }}
          />
        )}
        <section className="programs" aria-label="Program terminals">
          {state.programs.map((p, i) => (
            <div className="program" key={`${p}@${epoch}`}>
              <div className="program-head">
                <h2>
                  {p} <span className="hint">Alt+{i + 1}</span>
                </h2>
                {state.programs.length > 1 && (
                  <button
                    type="button"
                    aria-label={`Close ${p}`}
                    onClick={() => dispatch({ type: 'remove-program', program: p })}
                  >
                    ×
                  </button>
                )}
              </div>
              <ProgramTerminal
                program={p}
                backend={backendFor(p)}
                fontSize={state.fontSize}
                theme={state.theme}
                onReady={(api) => {
                  if (api) terminals.current.set(p, api);
                  else terminals.current.delete(p);
                }}
                onOutput={(line) => {
                  const lines = outputs.current[p] ?? [];
                  lines.push(line);
                  outputs.current[p] = lines;
                }}
                onInput={(source, raised) => {
                  const typed = inputs.current[p] ?? [];
                  typed.push({ source, mayFail: raised });
                  inputs.current[p] = typed;
                }}
              />
            </div>
          ))}
          <RawSessions
            ref={raw}
            conn={conn}
            session={state.session}
            sockets={state.sockets}
            fontSize={state.fontSize}
            theme={state.theme}
          />
        </section>
        <section className="observe" aria-label="What the kernel did">
          <SequenceDiagram
            ref={diagram}
            model={model}
            dropped={{ events: state.trace.start, keeps: pageEvents(state) }}
            fontSize={state.fontSize}
            selected={selectedIndex}
            onSelect={(i) => dispatch({ type: 'select', row: i === null ? null : rowRef(model.rows, i) })}
          />
          {selectedRow && (
            <EventDetails
              row={selectedRow}
              lanes={laneMap}
              source={selectedRow.callId ? conn.sourceOf(selectedRow.callId) : null}
              onClose={() => dispatch({ type: 'select', row: null })}
            />
          )}
          <Inspector
            sockets={state.sockets}
            hadSockets={model.lanes.some((l) => l.kind === 'socket')}
            lanHosts={(state.session?.bindHosts ?? []).filter(
              (h) => !/^(127\.|::1$|0\.0\.0\.0$|::$)/.test(h),
            )}
          />
          <details className="event-log">
            <summary>
              Event log (text)
              {model.rows.length > LOG_ROWS &&
                `: the newest ${LOG_ROWS} of the diagram's ${model.rows.length.toLocaleString('en-US')} events`}
            </summary>
            <ol role="log" aria-live="polite" aria-label="Event log">
              {log.map((line, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the log is append-only; position is identity
                <li key={model.rows.length - log.length + i}>{line}</li>
              ))}
            </ol>
          </details>
        </section>
      </main>

      {help && (
        <div
          className="help"
          role="dialog"
          aria-modal="true"
          aria-label="Keyboard shortcuts and lesson servers"
        >
          <h2>Keyboard shortcuts</h2>
          <table>
            <tbody>
              {SHORTCUTS.map(([k, what]) => (
                <tr key={k}>
                  <th scope="row">
                    <kbd>{k}</kbd>
                  </th>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {state.session && state.session.lessonServers.length > 0 && (
            <>
              <h2>Lesson servers</h2>
              <p>
                Real servers on this machine: programs here, and nc, telnet, curl or Python there, can talk to
                them.
              </p>
              <table>
                <tbody>
                  {state.session.lessonServers.map((l) => (
                    <tr key={`${l.name}/${l.proto}`}>
                      <th scope="row">{l.name}</th>
                      <td>
                        <code>
                          {l.proto} {l.host}:{l.port}
                        </code>
                      </td>
                      <td>{l.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <button type="button" onClick={() => setHelp(false)} ref={(b) => b?.focus({ preventScroll: true })}>
            Close
          </button>
        </div>
      )}
      <BlankScreen />
    </div>
  );
}

function ConnectionBadge({ status, note }: { status: string; note: string | null }) {
  const text: Record<string, string> = {
    connecting: 'connecting…',
    open: 'connected',
    reconnecting: 'connection lost, reconnecting…',
    closed: 'disconnected',
    failed: 'cannot connect',
  };
  return (
    <span className={`badge badge-${status}`} role="status" aria-live="polite">
      {text[status] ?? status}
      {note && status !== 'open' ? ` (${note})` : ''}
    </span>
  );
}

/** #/lesson/<id> opens a lesson, #/lessons the list; anything else, none. */
function lessonRoute(hash: string): string | null {
  const m = /^#\/lesson\/([\w-]+)$/.exec(hash);
  if (m) return m[1]!;
  return hash === '#/lessons' ? '' : null;
}

/** Polls (every 25 ms, up to 10 s) until get() gives a value. */
async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const portRange = (ports: number[]) =>
  ports.length === 0 ? 'none' : `${ports[0]}–${ports[ports.length - 1]}`;

const engineName = (session: Welcome) =>
  session.engine.kind === 'libc' ? 'real system calls' : 'fallback engine (modelled)';

/** The toolbar's facts whole, for when its end is cut. */
const sessionFacts = (session: Welcome | null) =>
  session ? `Your ports ${portRange(session.ports)} · ${engineName(session)}` : undefined;

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function svgToPng(svg: string): Promise<Blob> {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  await new Promise((ok, fail) => {
    img.onload = ok;
    img.onerror = fail;
    img.src = url;
  });
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.drawImage(img, 0, 0);
  URL.revokeObjectURL(url);
  return new Promise((ok) => canvas.toBlob((b) => ok(b!), 'image/png'));
}
