// The guided lessons as data: what a lesson file parses into, and the check vocabulary a step is
// judged with. Pure types and constants, shared by the parser, the gateway's /api/lessons, the
// Python export and the replay test; no I/O, no Node, no DOM (the page may import it too).

import type { CallOp, LessonServerName, TcpState } from '../protocol/messages.js';

/** Programs a lesson may run lines in: one terminal (and one interpreter) each. */
export const PROGRAMS = ['server', 'client', 'client2', 'client3'] as const;
export type Program = (typeof PROGRAMS)[number];
/** In a `state` check instead of a program: the sockets of all of them. */
export const ANY_PROGRAM = 'any';

/** The lesson servers by name, as `welcome.lessonServers` lists them and placeholders write them. */
export const LESSON_SERVERS = [
  'echo',
  'capitalize',
  'counter',
  'addressbook',
  'names',
  'roulette',
  'http',
  'udp-echo',
] as const satisfies readonly LessonServerName[];
// Every lesson server has a name here: a new one added to the gateway fails to compile until it does.
type MissingServer = Exclude<LessonServerName, (typeof LESSON_SERVERS)[number]>;
const everyServerNamed: [MissingServer] extends [never] ? true : MissingServer = true;
void everyServerNamed;

/** How many of the session's ports a lesson may name: {PORT} (the first), {PORT2} ... {PORT10}. */
export const MAX_PORT_PLACEHOLDER = 10;

/** The calls a lesson server reports on its lifeline (`server-call` trace events). */
export const SERVER_SYSCALLS = ['accept', 'recv', 'send', 'close', 'recvfrom', 'sendto'] as const;
export type ServerSyscall = (typeof SERVER_SYSCALLS)[number];

export const TCP_STATES: readonly TcpState[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSED',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'UNCONN',
];

/**
 * A number in a check: a literal, or a placeholder ({PORT}, {echo}) the page fills in from the
 * session's welcome. Kept unresolved here so one parsed lesson serves every session.
 */
export type Num = number | { placeholder: string };

/**
 * Bytes as written between the quotes of a check, escapes NOT resolved: characters are their UTF-8
 * bytes, `\xNN` is one byte, `\n \r \t \0 \\ \"` the usual ones, and placeholders ({PORT}) are
 * filled in first. `bytesOf()` in checks.ts turns it into bytes for one session.
 */
export type ByteText = string;

/**
 * One check, judged on facts from the gateway's trace and the interpreter's output. The window of a
 * check is the step it belongs to: what happened since the step's line started (for an exercise,
 * since the exercise started). `state` looks at the kernel table as it stands during that window.
 */
export type Check =
  /** A call of `op` made by `program` in the window returned (optionally with this byte count). */
  | {
      kind: 'returned';
      program: Program;
      op: CallOp;
      bytes?: Num;
      /** recvfrom only: the size of the whole datagram, when it was truncated to fit. */
      datagram?: Num;
    }
  /** A call made by `program` in the window failed with this errno name (or gateway rule, EGW_...). */
  /** codes: one errno name, or several (`EAI_NONAME or EAI_AGAIN`) where the machine decides which. */
  | { kind: 'call-failed'; program: Program; codes: string[] }
  /** A call of `op` made by `program` in the window had to wait (the kernel was not ready). */
  | { kind: 'blocked'; program: Program; op: CallOp }
  /** What `program` printed in the window, lines joined with \n. */
  | { kind: 'output'; program: Program; match: TextMatch }
  /** Bytes that crossed: `out` = what program's send/sendall/sendto handed the kernel, `in` = what recv/recvfrom returned. */
  | { kind: 'bytes'; program: Program; direction: 'in' | 'out'; match: BytesMatch }
  /**
   * The kernel table: some socket of `program` is in `state` with these details (see StateFilter).
   * `any`: the sockets of every program together, so that `count` can say several programs hold
   * such a socket at the same moment (three clients connected at once, not one after another).
   */
  | { kind: 'state'; program: Program | typeof ANY_PROGRAM; state: TcpState; filter: StateFilter }
  /** A lesson server made this call on a connection with this session in the window. */
  | { kind: 'server-call'; server: string; syscall: ServerSyscall; data?: BytesMatch };

export type CheckKind = Check['kind'];

export type TextMatch =
  | { how: 'equals'; text: string }
  | { how: 'contains'; text: string }
  | { how: 'matches'; pattern: string };

export type BytesMatch =
  | { how: 'equals'; bytes: ByteText }
  | { how: 'contains'; bytes: ByteText }
  | { how: 'length'; length: Num };

export interface StateFilter {
  localPort?: Num;
  remotePort?: Num;
  backlog?: Num;
  acceptQ?: Num;
  recvQ?: Num;
  sendQ?: Num;
  /** true: a socket the program holds (it has an fd); false: one only the kernel holds (backlog, TIME_WAIT). */
  fd?: boolean;
  /** Exactly this many sockets match at once (default: at least one). */
  count?: Num;
}

/** A check as written, parsed, with the hint the student sees when it fails. */
export interface StepCheck {
  /** The check line as written in the file, after `check:`. */
  source: string;
  check: Check;
  hint: string;
  /** Line in the lesson file. */
  line: number;
}

export interface Step {
  /** 1-based position among the lesson's steps. */
  n: number;
  /** Markdown shown before this step (the text between the previous block and this one). */
  prose: string;
  /** A program name, or a lesson server name for a step that only watches what that server did. */
  program: Program | string;
  /** The Python line (or block) to type; null for a step that only watches a lesson server. */
  run: string | null;
  /** The line is expected to block (accept before anyone connects): later steps of other programs run meanwhile. */
  waits: boolean;
  /** What the student should see, in Markdown. */
  expect: string;
  checks: StepCheck[];
  line: number;
  /** Shown only by a gateway in this mode (a step whose outcome --lan changes); by every one when absent. */
  when?: BindMode;
}

/** What students may bind: loopback addresses only (the default), or the network's too (--lan). */
export type BindMode = 'loopback' | 'lan';
export const BIND_MODES: readonly BindMode[] = ['loopback', 'lan'];

/** The lesson as a gateway in this mode serves it: the other mode's steps left out, the rest renumbered. */
export function lessonFor(lesson: Lesson, mode: BindMode): Lesson {
  if (lesson.steps.every((s) => s.when === undefined)) return lesson;
  const steps = lesson.steps
    .filter((s) => s.when === undefined || s.when === mode)
    .map((s, i) => ({ ...s, n: i + 1 }));
  return { ...lesson, steps };
}

/** One line of an exercise's solution: kept in the file for the replay, never shown to students. */
export interface SolutionLine {
  program: Program;
  run: string;
  waits: boolean;
  line: number;
}

export interface Exercise {
  /** Markdown before the exercise block. */
  prose: string;
  /** The task, in Markdown. */
  task: string;
  checks: StepCheck[];
  solution: SolutionLine[];
  line: number;
}

export interface Lesson {
  /** The file name without `.md`, e.g. `03-bind-is-not-listen`; lessons are ordered by it. */
  id: string;
  /** Path as shown in errors, e.g. `lessons/03-bind-is-not-listen.md`. */
  file: string;
  title: string;
  goal: string;
  /** Curriculum concept numbers (1..15, see CURRICULUM.md). */
  concepts: number[];
  /** Markdown before the first step. */
  prose: string;
  steps: Step[];
  exercise: Exercise;
  /** Markdown after the last block. */
  closing: string;
  /** Every placeholder the lesson uses ({PORT}, {echo}...), so a page can check it can fill them. */
  placeholders: string[];
}

/**
 * An exercise as the page receives it: without its solution, but with the terminals it needs, so
 * the page can open them (client2 or client3 that no step used) as the exercise begins.
 */
export type PublicExercise = Omit<Exercise, 'solution'> & { programs: Program[] };

/** A lesson as the page receives it from GET /api/lessons: everything but the exercise's solution. */
export type PublicLesson = Omit<Lesson, 'exercise'> & { exercise: PublicExercise };

/** Every program an exercise's checks or solution name, in PROGRAMS order (server first). */
export function exercisePrograms(exercise: Exercise): Program[] {
  const named = new Set<string>(exercise.solution.map((s) => s.program));
  for (const { check } of exercise.checks) if ('program' in check) named.add(check.program);
  return PROGRAMS.filter((p) => named.has(p));
}

/** A lesson with or without its solution: what the Python export needs. */
export type AnyLesson = Omit<Lesson, 'exercise'> & {
  exercise: Omit<Exercise, 'solution'> & { solution?: SolutionLine[] };
};

export function publicLesson(l: Lesson): PublicLesson {
  const { solution: _hidden, ...exercise } = l.exercise;
  return { ...l, exercise: { ...exercise, programs: exercisePrograms(l.exercise) } };
}

/** The body of GET /api/lessons. */
export function lessonsDocument(lessons: readonly Lesson[]): { version: 1; lessons: PublicLesson[] } {
  return { version: 1, lessons: lessons.map(publicLesson) };
}

/** One problem in one lesson file, at one line. */
export interface LessonProblem {
  file: string;
  line: number;
  message: string;
}

export const formatProblem = (p: LessonProblem): string => `${p.file}:${p.line}: ${p.message}`;

/** The curriculum's concepts, by number (CURRICULUM.md). */
export const CONCEPTS: Readonly<Record<number, string>> = {
  1: 'client outline: socket, connect, send, recv, close',
  2: 'server outline: socket, bind, listen, accept, recv, send, close',
  3: 'listen backlog: the kernel completes handshakes before accept',
  4: 'accept returns a new socket on the same local port; the 4-tuple',
  5: 'addresses and ports: loopback, all interfaces, port ranges, privileged ports',
  6: 'names: gethostname, gethostbyname, gethostbyaddr, getservbyname',
  7: 'SO_REUSEADDR and TIME_WAIT',
  8: 'bytes, not strings: encode/decode, UTF-8',
  9: 'recv(n) and message boundaries; send vs sendall',
  10: 'closing: close, shutdown, half-close, recv of 0, EPIPE, RST',
  11: 'errors and timeouts',
  12: 'serving many clients',
  13: 'protocol design: status codes, multi-line replies',
  14: 'HTTP by hand',
  15: 'UDP: datagrams, sendto/recvfrom, boundaries',
};
