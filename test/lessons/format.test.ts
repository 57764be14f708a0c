// The lesson format: every file in lessons/ validates, the course covers the whole curriculum in
// order, every line is Python the terminal understands, and a broken lesson is reported with its
// file, its line and what is wrong, exactly.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from '../../gateway/lesson-servers/index.js';
import { judge, parseCheck, type TraceEvent } from '../../gateway/lessons/checks.js';
import { loadLessons } from '../../gateway/lessons/load.js';
import { parseLesson } from '../../gateway/lessons/parse.js';
import { fillText } from '../../gateway/lessons/placeholders.js';
import { CONCEPTS, formatProblem, lessonFor, lessonsDocument } from '../../gateway/lessons/types.js';
import { parse } from '../../web/src/interpreter/parser.js';
import { mutants } from './mutate.js';

const { lessons, problems } = await loadLessons('lessons');

/** The order of the issue: the first lesson of each topic must come in this order. */
const COURSE = [
  'first-client',
  'first-server',
  'bind-is-not-listen',
  'backlog',
  'same-port',
  'addresses-and-ports',
  'names-and-services',
  'restart-your-server',
  'bytes-not-strings',
  'recv-and-boundaries',
  'closing',
  'errors-and-timeouts',
  'many-clients',
  'design-a-protocol',
  'http-by-hand',
  'udp',
];

const sampleFill = {
  ports: [20000, 20001, 20002, 20003, 20004, 20005, 20006, 20007, 20008, 20009],
  servers: { ...DEFAULT_PORTS },
};

describe('the lessons in lessons/', () => {
  it('all validate', () => {
    expect(problems.map(formatProblem)).toEqual([]);
    expect(lessons.length).toBeGreaterThanOrEqual(15);
  });

  it('follow the course, in order', () => {
    const order = COURSE.map((topic) => lessons.findIndex((l) => l.id.includes(topic)));
    expect(
      order.every((i) => i >= 0),
      `missing: ${COURSE.filter((_, i) => order[i]! < 0).join(', ')}`,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('cover every concept of the curriculum', () => {
    const covered = new Set(lessons.flatMap((l) => l.concepts));
    const missing = Object.keys(CONCEPTS)
      .map(Number)
      .filter((n) => !covered.has(n));
    expect(missing).toEqual([]);
  });

  it('give a classroom gateway (--lan) its own steps where binding every interface succeeds', () => {
    const six = lessons.find((l) => l.id.startsWith('06'))!;
    for (const mode of ['loopback', 'lan'] as const) {
      const served = lessonFor(six, mode);
      expect(served.steps.map((s) => s.n)).toEqual(served.steps.map((_, i) => i + 1));
      expect(served.steps.every((s) => s.when === undefined || s.when === mode)).toBe(true);
      expect(served.steps.some((s) => s.when === mode)).toBe(true);
    }
    // Steps for both modes stay in the file, and a lesson without any is served as it is.
    expect(six.steps.some((s) => s.when === 'loopback') && six.steps.some((s) => s.when === 'lan')).toBe(
      true,
    );
    expect(lessonFor(lessons[0]!, 'lan')).toBe(lessons[0]);
  });

  it('each end with an exercise that has checks and a solution', () => {
    for (const l of lessons) {
      expect(l.exercise.checks.length, l.id).toBeGreaterThan(0);
      expect(l.exercise.solution.length, l.id).toBeGreaterThan(0);
      expect(l.exercise.task.length, l.id).toBeGreaterThan(20);
    }
  });

  it('type only Python that the terminal understands', () => {
    const bad: string[] = [];
    for (const l of lessons) {
      const lines = [
        ...l.steps.filter((s) => s.run !== null).map((s) => ({ line: s.line, run: s.run! })),
        ...l.exercise.solution.map((s) => ({ line: s.line, run: s.run })),
      ];
      for (const { line, run } of lines) {
        try {
          parse(fillText(run, sampleFill));
        } catch (err) {
          bad.push(`${l.file}:${line}: ${(err as Error).message}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('are served without their solutions', () => {
    const doc = JSON.parse(JSON.stringify(lessonsDocument(lessons))) as {
      version: number;
      lessons: unknown[];
    };
    expect(doc.version).toBe(1);
    expect(doc.lessons).toHaveLength(lessons.length);
    expect(JSON.stringify(doc)).not.toContain('"solution"');
  });

  it('are served with the terminals each exercise needs, those no step opened too', () => {
    const programs = (id: string) =>
      lessonsDocument(lessons).lessons.find((l) => l.id.startsWith(id))?.exercise.programs;
    // Lesson 2's steps use server and client; its exercise, client2. Lesson 5's, client3.
    expect(programs('02-')).toEqual(['server', 'client2']);
    expect(programs('05-')).toEqual(['server', 'client', 'client2', 'client3']);
    for (const l of lessonsDocument(lessons).lessons) {
      const used = new Set(l.steps.map((s) => s.program));
      const needed = l.exercise.programs.filter((p) => !used.has(p) && /^client\d$/.test(p));
      // The task says which terminal to use: every terminal opened for it is named in the task.
      for (const p of needed) expect(l.exercise.task, `${l.id} needs ${p}`).toContain(p);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Broken lessons

const GOOD = `---
title: A tiny lesson
goal: Connect to the echo server.
concepts: 1
---

Some prose.

\`\`\`step
program: client
run: c = socket.create_connection(('127.0.0.1', {echo}))
expect: Connected.
check: returned client connect
hint: Connect to the echo server.
\`\`\`

More prose.

\`\`\`step
program: server
run: s = socket.socket(); s.bind(('127.0.0.1', {PORT}))
expect: Bound.
check: state server CLOSED local-port {PORT}
hint: Bind it.
\`\`\`

\`\`\`exercise
task: Close the client.
check: returned client close
hint: c.close()
\`\`\`

\`\`\`solution
program: client
run: c.close()
\`\`\`
`;

const FILE = 'lessons/03-bind-is-not-listen.md';
const errorsOf = (text: string, file = FILE) => parseLesson(file, text).problems.map(formatProblem);
/** The GOOD lesson with one line replaced (1-based). */
const withLine = (n: number, line: string) => {
  const lines = GOOD.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
};

describe('a broken lesson', () => {
  it('is not broken to begin with', () => {
    expect(errorsOf(GOOD)).toEqual([]);
    const l = parseLesson(FILE, GOOD).lesson!;
    expect(l.prose).toBe('Some prose.');
    expect(l.steps[1]!.prose).toBe('More prose.');
    expect(l.placeholders).toEqual(['PORT', 'echo']);
  });

  it.each([
    [
      'an unknown program',
      withLine(20, 'program: sever'),
      `${FILE}:20: step 2: unknown program "sever" (expected server, client, client2, client3 or a lesson server name)`,
    ],
    [
      'an unknown check',
      withLine(23, 'check: stat server CLOSED'),
      `${FILE}:23: step 2: unknown check "stat" (expected returned, call-failed, blocked, output, bytes, state or server-call)`,
    ],
    [
      'an unknown TCP state',
      withLine(23, 'check: state server LISTENING'),
      `${FILE}:23: step 2: state: unknown TCP state "LISTENING" (expected ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSED, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV or UNCONN)`,
    ],
    [
      'an errno that does not exist',
      withLine(13, 'check: call-failed client ECONREFUSED'),
      `${FILE}:13: step 1: call-failed: unknown errno name "ECONREFUSED" (known: ${'EPERM ENOENT EINTR EBADF EAGAIN EACCES EINVAL EMFILE EPIPE ENOTSOCK EDESTADDRREQ EMSGSIZE ENOPROTOOPT EOPNOTSUPP EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETUNREACH ECONNABORTED ECONNRESET EISCONN ENOTCONN ETIMEDOUT ECONNREFUSED EHOSTUNREACH EALREADY EINPROGRESS EAI_NONAME EAI_AGAIN EAI_FAIL EAI_NODATA HOST_NOT_FOUND TRY_AGAIN EGW_TIMEOUT EGW_CANCELLED EGW_BIND_DENIED EGW_DENIED EGW_BAD_ADDRESS EGW_LIMIT EGW_RATE_LIMITED EGW_NO_SUCH_HANDLE EGW_BUSY'})`,
    ],
    [
      'a check without a hint',
      withLine(14, ''),
      `${FILE}:13: step 1: this check has no hint: add "hint:" right after it, for the student who fails it`,
    ],
    [
      'a step without a check',
      GOOD.replace('check: returned client connect\nhint: Connect to the echo server.\n', ''),
      `${FILE}:10: step 1: no check: every step is judged on a fact (check: ...)`,
    ],
    [
      'a misspelt placeholder',
      withLine(11, "run: c = socket.create_connection(('127.0.0.1', {PORTS}))"),
      `${FILE}:11: unknown placeholder {PORTS} (the session's ports are {PORT}, {PORT2} ... {PORT10}; lesson servers are {echo}, {capitalize}, {counter}, {addressbook}, {names}, {roulette}, {http}, {udp-echo})`,
    ],
    [
      'a port placeholder beyond the session',
      withLine(23, 'check: state server CLOSED local-port {PORT11}'),
      `${FILE}:23: step 2: state: unknown placeholder {PORT11} (the session's ports are {PORT}, {PORT2} ... {PORT10}; lesson servers are {echo}, {capitalize}, {counter}, {addressbook}, {names}, {roulette}, {http}, {udp-echo})`,
    ],
    [
      'an unknown field',
      withLine(12, 'expected: Connected.'),
      `${FILE}:12: step 1: unknown field "expected" (expected program, run, waits, when, expect, check or hint)`,
    ],
    [
      'a step without expect',
      GOOD.replace('expect: Connected.\n', ''),
      `${FILE}:9: step 1: expect: is missing: say what the student should see`,
    ],
    [
      'a lesson server that types',
      withLine(20, 'program: echo'),
      `${FILE}:21: step 2: echo is a lesson server: nobody types into it, so its step has no run: (it watches what the server did)`,
    ],
    [
      'an output check on another program',
      withLine(23, 'check: output client contains "x"'),
      `${FILE}:23: step 2: an output check reads what this step's line printed, so its program must be server (not client)`,
    ],
    [
      'an unclosed string in a check',
      withLine(23, 'check: output server contains "x'),
      `${FILE}:23: step 2: a quoted string is not closed (missing ")`,
    ],
    [
      'an output check that can never fail',
      withLine(23, 'check: output server contains ""'),
      `${FILE}:23: step 2: output: contains "" is always true; say what to look for`,
    ],
    [
      'a count of zero',
      withLine(23, 'check: state server CLOSED count 0'),
      `${FILE}:23: step 2: state: count 0 could pass before anything happened; check for what is there instead`,
    ],
    [
      'a bad waits',
      GOOD.replace('expect: Bound.', 'waits: maybe\nexpect: Bound.'),
      `${FILE}:22: step 2: waits: is true or false (got "maybe")`,
    ],
    [
      'a bad when',
      GOOD.replace('expect: Bound.', 'when: classroom\nexpect: Bound.'),
      `${FILE}:22: step 2: when: is loopback (students bind loopback only, the default) or lan (npm start -- --lan); got "classroom"`,
    ],
    [
      'a concept outside the curriculum',
      withLine(4, 'concepts: 1, 16'),
      `${FILE}:4: front matter: concepts are curriculum numbers from 1 to 15 separated by commas ("16" is not one)`,
    ],
    ['a missing title', withLine(2, 'titel: A tiny lesson'), `${FILE}:1: front matter: title: is missing`],
    [
      'no exercise',
      GOOD.slice(0, GOOD.indexOf('```exercise')),
      `${FILE}:27: the lesson has no \`\`\`exercise block (every lesson ends with one)`,
    ],
    [
      'an exercise without a solution',
      GOOD.slice(0, GOOD.indexOf('```solution')),
      `${FILE}:33: the exercise has no \`\`\`solution block: the replay test runs the solution to prove the exercise can be done`,
    ],
    [
      'a solution in a lesson server',
      withLine(34, 'program: echo'),
      `${FILE}:34: solution 1: a solution line runs in a program (server, client, client2 or client3), not in the lesson server "echo"`,
    ],
    [
      'a blank line inside a multi-line run',
      GOOD.replace('run: c.close()\n', 'run:\n  c.close()\n\n  c.close()\n'),
      `${FILE}:37: solution 1: a blank line inside run would end the block at Python's prompt; remove it`,
    ],
    [
      'an unclosed block',
      GOOD.replace(/```\n$/, ''),
      `${FILE}:33: a fenced block opened here (\`\`\`solution) is never closed`,
    ],
  ])('names the file, the line and the problem: %s', (_what, text, expected) => {
    expect(errorsOf(text)).toContain(expected);
  });

  it('needs a file name that gives its place in the course', () => {
    expect(errorsOf(GOOD, 'lessons/bind.md')).toEqual([
      'lessons/bind.md:1: the file name must be NN-words-with-dashes.md (two digits give the order, e.g. 03-bind-is-not-listen.md), not "bind.md"',
    ]);
  });

  it('reads every problem of a file at once, in line order', () => {
    const text = withLine(20, 'program: sever').replace(
      'check: returned client connect',
      'check: returned client conect',
    );
    expect(errorsOf(text)).toEqual([
      `${FILE}:13: step 1: returned: unknown call "conect" (expected socket, setsockopt, getsockopt, bind, listen, accept, connect, connect_ex, send, sendall, sendto, recv, recvfrom, shutdown, close, getsockname, getpeername, settimeout, setblocking, select, gethostname, gethostbyname, getaddrinfo, gethostbyaddr, getservbyname or getservbyport)`,
      `${FILE}:20: step 2: unknown program "sever" (expected server, client, client2, client3 or a lesson server name)`,
    ]);
  });
});

describe('parseCheck', () => {
  it('reads every kind of check', () => {
    expect(parseCheck('returned client recvfrom bytes 5 datagram 11')).toEqual({
      kind: 'returned',
      program: 'client',
      op: 'recvfrom',
      bytes: 5,
      datagram: 11,
    });
    expect(parseCheck('state server LISTEN local-port {PORT} backlog 1 acceptQ 0 with-fd')).toEqual({
      kind: 'state',
      program: 'server',
      state: 'LISTEN',
      filter: { localPort: { placeholder: 'PORT' }, backlog: 1, acceptQ: 0, fd: true },
    });
    expect(parseCheck('bytes client in equals "I am \\xf0\\x9f\\x8c\\xae\\n"')).toEqual({
      kind: 'bytes',
      program: 'client',
      direction: 'in',
      match: { how: 'equals', bytes: 'I am \\xf0\\x9f\\x8c\\xae\\n' },
    });
    expect(parseCheck("output server matches /^\\('127\\.0\\.0\\.1', \\d+\\)$/")).toEqual({
      kind: 'output',
      program: 'server',
      match: { how: 'matches', pattern: "^\\('127\\.0\\.0\\.1', \\d+\\)$" },
    });
    expect(parseCheck('server-call udp-echo sendto equals "one"')).toEqual({
      kind: 'server-call',
      server: 'udp-echo',
      syscall: 'sendto',
      data: { how: 'equals', bytes: 'one' },
    });
    expect(parseCheck('call-failed client2 EGW_BIND_DENIED')).toEqual({
      kind: 'call-failed',
      program: 'client2',
      codes: ['EGW_BIND_DENIED'],
    });
    expect(parseCheck('call-failed client EAI_NONAME or EAI_AGAIN')).toEqual({
      kind: 'call-failed',
      program: 'client',
      codes: ['EAI_NONAME', 'EAI_AGAIN'],
    });
    expect(() => parseCheck('call-failed client EAI_NONAME or')).toThrow(/expected errno name at the end/);
    expect(() => parseCheck('call-failed client EAI_NONAME EAI_AGAIN')).toThrow(/unexpected/);
    expect(parseCheck('blocked server accept')).toEqual({ kind: 'blocked', program: 'server', op: 'accept' });
  });

  it('counts the sockets of every program together with state any: at once, not one after another', () => {
    expect(parseCheck('state any ESTABLISHED remote-port {names} count 3')).toEqual({
      kind: 'state',
      program: 'any',
      state: 'ESTABLISHED',
      filter: { remotePort: { placeholder: 'names' }, count: 3 },
    });
    // Only a state check reads the kernel table of every program.
    expect(() => parseCheck('returned any recv')).toThrow(/unknown program "any"/);
    const names = sampleFill.servers.names;
    let seq = 0;
    const change = (program: string, port: number, gone = false): TraceEvent => ({
      type: 'state-changed',
      kernel: {
        socket: `${program}-${port}`,
        fd: gone ? null : 5,
        program,
        proto: 'tcp',
        state: gone ? 'CLOSED' : 'ESTABLISHED',
        local: ['127.0.0.1', port],
        remote: ['127.0.0.1', names],
        recvQ: 0,
        sendQ: 0,
        ...(gone ? { gone } : {}),
      },
      seq: ++seq,
      t: 0,
    });
    const judgeOn = (trace: TraceEvent[]) =>
      judge(parseCheck('state any ESTABLISHED remote-port {names} count 3'), {
        trace,
        from: 0,
        output: {},
        fill: sampleFill,
      }).pass;
    const clients = ['client', 'client2', 'client3'].map((p, i) => [p, 40000 + i] as const);
    expect(
      judgeOn([
        ...clients.map(([p, port]) => change(p, port)),
        ...clients.map(([p, port]) => change(p, port, true)),
      ]),
    ).toBe(true);
    expect(judgeOn(clients.flatMap(([p, port]) => [change(p, port), change(p, port, true)]))).toBe(false);
  });
});

describe('npm start with a broken lesson', () => {
  it('prints file:line and what is wrong, and exits with status 1 before opening anything', async () => {
    // The built gateway reads ../../lessons from dist/gateway: give a copy of it a broken lessons/.
    const root = join('test-results', 'broken-lessons');
    rmSync(root, { recursive: true, force: true });
    if (!existsSync('dist/gateway/main.js'))
      throw new Error('dist/gateway/main.js is missing: npm run build first');
    cpSync('dist/gateway', join(root, 'dist', 'gateway'), { recursive: true });
    mkdirSync(join(root, 'lessons'), { recursive: true });
    writeFileSync(join(root, 'lessons', '01-broken.md'), withLine(20, 'program: sever'));
    const child = spawn(
      process.execPath,
      [join(root, 'dist', 'gateway', 'main.js'), '--port', '0', '--lesson-ports', 'auto'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(1);
    expect(stderr).toContain(
      'lessons/01-broken.md:20: step 2: unknown program "sever" (expected server, client, client2, client3 or a lesson server name)',
    );
    expect(stdout).not.toContain('open http');
    rmSync(root, { recursive: true, force: true });
  });
});

describe('the replay test’s defect detectors', () => {
  const fill = sampleFill;
  const empty = { trace: [], from: 0, output: {}, fill };

  it('catch a check that passes on an empty session', () => {
    for (const src of ['output client matches /.*/', 'output client equals ""', 'bytes client in length 0']) {
      expect(judge(parseCheck(src), empty).pass, src).toBe(true);
    }
    for (const src of ['call-failed client ECONNREFUSED', 'state server LISTEN', 'returned client recv']) {
      expect(judge(parseCheck(src), empty).pass, src).toBe(false);
    }
  });

  it('alter every kind of check so that the altered one fails where the original passed', () => {
    const sent = Buffer.from('hello\n').toString('base64');
    const trace: TraceEvent[] = [
      {
        type: 'call-returned',
        id: 'a',
        program: 'client',
        call: { op: 'sendall', socket: 's', data: sent },
        result: { op: 'sendall', bytes: 6 },
        seq: 1,
        t: 0,
      },
      {
        type: 'state-changed',
        kernel: {
          socket: 's',
          fd: 5,
          program: 'server',
          proto: 'tcp',
          state: 'LISTEN',
          local: ['127.0.0.1', 20000],
          remote: null,
          recvQ: 0,
          sendQ: 0,
          acceptQ: 1,
          backlog: 5,
        },
        seq: 2,
        t: 0,
      },
    ];
    const facts = { trace, from: 0, output: { client: ['hello'] }, fill };
    for (const src of [
      'returned client sendall bytes 6',
      'bytes client out equals "hello\\n"',
      'state server LISTEN local-port {PORT} backlog 5 acceptQ 1',
      'output client equals "hello"',
    ]) {
      const check = parseCheck(src);
      expect(judge(check, facts).pass, src).toBe(true);
      for (const m of mutants(check, fill))
        expect(judge(m.check, facts).pass, `${src} -> ${m.what}`).toBe(false);
    }
  });
});
