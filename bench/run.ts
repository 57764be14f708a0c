// Entry of `npm run bench` (node --expose-gc dist/bench/run.js): starts the echo server, the gateway,
// the minimal bridge and websockify (when installed) as child processes, drives them from this process,
// prints the tables and writes bench/results/latest.json. Of the gateway it imports only the protocol module.
//
// Knobs (environment): BENCH_SECONDS (measured seconds per closed-loop run, default 3), BENCH_ROUNDS
// (interleaved rounds per level, default 3), BENCH_LEVELS (default 1,100,1000), BENCH_CLASSROOM
// (sessions at 1 message a second, default 5000; 0 skips), BENCH_PATHS (e.g. bridge,gateway; default
// all), BENCH_CPU_PROF (a directory: the gateway child runs with --cpu-prof and writes its profile
// there when the bench stops it), BENCH_FLOOR_EXTRA_US (CPU the protocol floor burns per echo on top of
// its work: what more work per message does to the tail, see bench/protocol-floor.ts).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import {
  type Child,
  cpuSeconds,
  freePort,
  killAllChildrenNow,
  rssKiB,
  sleep,
  startChild,
} from './children.js';
import { type EchoClient, openMany, openTcp, openWsEcho } from './clients.js';
import { type DiagramResult, measureDiagram } from './diagram.js';
import { GatewayEcho, GatewayPage, GatewayStreamEcho, openSocket } from './gateway-client.js';
import { closedLoop, type LoadResult, paced } from './load.js';
import { measurePage, type PageResult } from './page.js';
import { count, kib, mib, ms, pct, type Target, table, times, verdict } from './report.js';
import { median, ratio, Samples } from './stats.js';

/**
 * gateway: the echo as a raw session in the web app does it (write, then the stream's data events, in
 * binary records); gateway-json: the same in JSON messages, as a page that does not ask for records;
 * gateway-calls: as a student steps it (a send() call, then recv() calls). Targets are judged on `gateway`.
 */
type PathName =
  | 'direct'
  | 'bridge'
  | 'protocol-floor'
  | 'gateway'
  | 'gateway-json'
  | 'gateway-calls'
  | 'websockify';
const PATH_ORDER: readonly PathName[] = [
  'direct',
  'bridge',
  'protocol-floor',
  'gateway',
  'gateway-json',
  'gateway-calls',
  'websockify',
];

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '..', '..');
const RESULTS = resolve(REPO, 'bench', 'results', 'latest.json');

const SECONDS = envNumber('BENCH_SECONDS', 3, 0.5, 60);
const ROUNDS = envNumber('BENCH_ROUNDS', 3, 1, 10);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,1000')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0 && n <= 5000);
const CLASSROOM = envNumber('BENCH_CLASSROOM', 5000, 0, 5000);
/** Which paths to run (e.g. "bridge,gateway" while profiling); all of them by default. */
const ONLY_PATHS = (process.env.BENCH_PATHS ?? '').split(',').filter((p) => p !== '');
const PAGE = envNumber('BENCH_PAGE', 1, 0, 1) === 1;
const CPU_PROF = process.env.BENCH_CPU_PROF ?? '';
/** CPU the protocol floor burns per echo on top of its work, in µs (passed to it as its second argument). */
const FLOOR_EXTRA_US = envNumber('BENCH_FLOOR_EXTRA_US', 0, 0, 1000);
const WARMUP_MS = 500;
const CLASSROOM_SECONDS = 10;
/** Every session's first message a second is sent and not counted (see PacedOptions.warmupMs). */
const CLASSROOM_WARMUP_MS = 1000;
const STEP_CALLS = 2000;
const STEP_WARMUP = 200;
const MEMORY_SESSIONS = 1000;
const OPEN_TIMEOUT_MS = 10_000;
const SETTLE_MS = 2000;

/** The gateway's flags for the bench, each with the reason it differs from the default. */
const GATEWAY_LIMITS: [string, string, string][] = [
  ['--max-sessions', '6000', 'default 120: the bench holds up to 5000 sessions at once'],
  ['--max-sessions-per-address', '6000', 'default 16: every bench session comes from 127.0.0.1'],
  ['--calls-per-second', '100000', 'default 200 per session: a closed loop must not be throttled'],
  ['--connects-per-second', '100000', 'default 5 per session'],
  [
    '--ports-per-session',
    '0',
    'default 10: no session binds, and 5000 × 10 ports are more than the default range (20000-21999) holds',
  ],
  ['--grace', '0', 'default 15 s: a closed session frees its sockets at once, so runs do not overlap'],
];

interface RunRecord {
  path: PathName;
  mode: 'closed-loop' | 'classroom';
  sessions: number;
  round: number;
  up: number;
  setupSeconds: number;
  /** Sessions that did not open, plus sessions that failed or closed during the run. */
  failedSessions: number;
  failureReasons: [string, number][];
  messages: number;
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  skipped: number;
  /** Gateway only: WebSocket frames received per echoed message (two replies per call plus traces). */
  framesPerMessage: number | null;
  /** CPU of the process in the middle (bridge, gateway), in % of one core over the run. */
  middleCpuPct: number | null;
  generatorCpuPct: number;
  middleRssKiB: number | null;
}

interface Summary {
  path: PathName;
  mode: RunRecord['mode'];
  sessions: number;
  rounds: number;
  up: number;
  failedSessions: number;
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  framesPerMessage: number | null;
  middleCpuPct: number | null;
  generatorCpuPct: number;
}

interface World {
  echo: Child;
  gateway: Child;
  bridge: Child;
  floor: Child;
  websockify: Child | null;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date();
  const gatewayMain = resolve(REPO, 'dist', 'gateway', 'main.js');
  if (!existsSync(gatewayMain)) throw new Error(`${gatewayMain} is missing: run npm run build first`);
  const nofile = ulimitN();

  say(`Socket playground benchmark, ${started.toISOString()}`);
  say(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${mib(totalmem() / 1024)} RAM, Node ${process.version}, ${process.platform}.`,
  );
  say(
    'These machines are noisy: compare the ratios, measured side by side in this run; absolute times are context.',
  );
  say(
    `Processes: the TCP echo server, the gateway, the minimal ws+net bridge, the protocol floor and websockify (when installed) each run in their own child process; the load generator runs in this bench process (pid ${process.pid}), sharing the ${cpus().length} cores with them.`,
  );
  const need = 2 * Math.max(CLASSROOM, ...LEVELS, MEMORY_SESSIONS) + 200;
  const enough = !Number.isFinite(nofile) || nofile >= need;
  say(
    `ulimit -n ${nofile}: ${enough ? 'enough' : 'TOO LOW (raise it with ulimit -n)'}: the gateway holds about ${need} descriptors at the largest level.`,
  );
  say(
    'The bench raised these gateway limits for itself (all its traffic comes from one address, 127.0.0.1):',
  );
  for (const [flag, value, why] of GATEWAY_LIMITS) say(`  ${flag} ${value}  (${why})`);

  const world = await startWorld(gatewayMain, which('websockify'));
  say(
    `Children: echo server pid ${world.echo.pid} port ${world.echo.port}; gateway pid ${world.gateway.pid} port ${world.gateway.port}; bridge pid ${world.bridge.pid} port ${world.bridge.port}; protocol floor pid ${world.floor.pid} port ${world.floor.port}${world.websockify ? `; websockify pid ${world.websockify.pid} port ${world.websockify.port}` : ''}.`,
  );
  if (FLOOR_EXTRA_US > 0)
    say(
      `The protocol floor burns ${FLOOR_EXTRA_US} µs of CPU per echo on top of its work (BENCH_FLOOR_EXTRA_US).`,
    );
  if (CPU_PROF) say(`The gateway runs with --cpu-prof; its profile goes to ${CPU_PROF} when the bench ends.`);
  const paths = PATH_ORDER.filter(
    (p) =>
      (p !== 'websockify' || world.websockify !== null) &&
      (ONLY_PATHS.length === 0 || ONLY_PATHS.includes(p)),
  );

  // (c) first, on fresh processes: what earlier runs leave in the heap would blur the per-session figures.
  say();
  say('(c) memory');
  const memory = await measureMemory(world);

  // (b), with (a) right after the single-session level so that both are measured close together.
  say();
  say(
    `(b) 16-byte echo round trips, closed loop: ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up, ${ROUNDS} rounds, paths interleaved (order rotates each round)`,
  );
  const runs: RunRecord[] = [];
  let step: StepResult | null = null;
  for (const sessions of LEVELS) {
    for (let round = 0; round < ROUNDS; round++) {
      const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
      for (const path of order)
        runs.push(progress(await measure(world, path, sessions, 'closed-loop', round)));
    }
    if (sessions === 1) step = await measureStep(world);
  }
  step ??= await measureStep(world);
  if (CLASSROOM > 0) {
    // Rounds here too: one 10-second run's p99 at a classroom pace swung from 1.4x to 6x the bridge's
    // between runs of the same code. websockify runs once: it holds ~510 sessions, and each try costs
    // 20 s of refused connections.
    const classroomPaths = paths.filter((p) => p !== 'direct');
    say(
      `    classroom pace: ${CLASSROOM} sessions, one message a second each, ${CLASSROOM_SECONDS} s measured after ${CLASSROOM_WARMUP_MS / 1000} s (every session's first message) unmeasured`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      const order = classroomPaths.map((_, i) => classroomPaths[(i + round) % classroomPaths.length]!);
      for (const path of order) {
        if (path === 'websockify' && round > 0) continue;
        runs.push(progress(await measure(world, path, CLASSROOM, 'classroom', round)));
      }
    }
  }

  const summaries = summarize(runs);
  const targets = [
    ...showStep(step, summaries),
    ...showEcho(summaries, runs),
    ...showMemory(memory),
    ...failedSessionTargets(runs, memory),
  ];
  const pageResult = PAGE ? await measurePage(REPO) : null;
  if (pageResult) targets.push(...showPage(pageResult));
  const diagram = PAGE ? measureDiagram() : null;
  if (diagram) targets.push(...showDiagram(diagram));
  say();
  say('Summary of targets');
  say(
    table(
      ['target', 'measured', 'wanted', 'verdict'],
      targets.map((t) => [t.name, t.value, t.target, t.verdict]),
    ),
  );
  say(`  ${targets.filter((t) => t.verdict === 'PASS').length} of ${targets.length} targets pass.`);
  const elapsed = (Date.now() - started.getTime()) / 1000;
  say(`Bench took ${elapsed.toFixed(0)} s. Results: ${RESULTS}`);

  const results = {
    startedAt: started.toISOString(),
    seconds: elapsed,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? null,
      totalMemKiB: totalmem() / 1024,
      node: process.version,
      nofile,
    },
    settings: {
      measureSeconds: SECONDS,
      warmupSeconds: WARMUP_MS / 1000,
      rounds: ROUNDS,
      levels: LEVELS,
      classroom: CLASSROOM,
      classroomSeconds: CLASSROOM_SECONDS,
      classroomWarmupSeconds: CLASSROOM_WARMUP_MS / 1000,
      floorExtraUs: FLOOR_EXTRA_US,
    },
    processes: {
      loadGenerator: 'the bench process',
      echo: world.echo.pid,
      gateway: world.gateway.pid,
      bridge: world.bridge.pid,
      websockify: world.websockify?.pid ?? null,
    },
    gatewayFlags: GATEWAY_LIMITS.map(([flag, value, why]) => ({ flag, value, why })),
    websockify: world.websockify ? 'installed' : 'not installed, skipped',
    step,
    echo: { summaries, runs },
    memory,
    page: pageResult,
    diagram,
    targets,
  };
  mkdirSync(resolve(RESULTS, '..'), { recursive: true });
  // Four decimals are plenty for figures this noisy; NaN (nothing measured) becomes null.
  const rounded = (_key: string, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e4) / 1e4 : v;
  writeFileSync(RESULTS, `${JSON.stringify(results, rounded, 2)}\n`);
  await stopWorld(world);
}

function say(s = ''): void {
  console.log(s);
}

function showPage(r: PageResult): Target[] {
  say();
  say(
    '(d) the page (real Chromium, its own gateway with --calls-per-second raised so the fill is not throttled)',
  );
  say(
    `  · first load: ${r.files.join(', ')}: ${(r.jsBytes / 1024).toFixed(1)} KiB of JavaScript, ${(r.jsGzipBytes / 1024).toFixed(1)} KiB gzip`,
  );
  const targets: Target[] = [
    {
      name: '(d) JavaScript on first load, gzip',
      value: `${(r.jsGzipBytes / 1024).toFixed(0)} KiB`,
      target: '< 400 KB',
      verdict: verdict(r.jsGzipBytes < 400_000),
    },
  ];
  if (!r.paint) {
    say(`  · ${r.note}`);
    return targets;
  }
  say(
    `  · reply -> diagram painted, with ${r.paint.events} events drawn (filled in ${r.paint.fillSeconds.toFixed(1)} s): p50 ${ms(r.paint.p50Ms)} ms, p99 ${ms(r.paint.p99Ms)} ms over ${r.paint.samples} calls`,
  );
  targets.push({
    name: `(d) reply to diagram painted at ${r.paint.events} events, p50`,
    value: `${ms(r.paint.p50Ms)} ms`,
    target: '< 50 ms',
    verdict: verdict(r.paint.p50Ms < 50),
  });
  const f = r.flood;
  if (!f && r.note) say(`  · ${r.note}`);
  if (f) {
    const mbps = f.shownBytes / f.seconds / 1e6;
    say(
      `  · then a raw session flooded by a client outside the browser (64 KiB writes, as fast as the page takes them) for ${f.seconds} s: ${mbps.toFixed(1)} MB/s shown; ${f.frames} frames, ${ms(f.frameP50Ms)} ms apart at p50, ${ms(f.frameP99Ms)} ms at p99`,
    );
    targets.push({
      name: '(d) frames while a raw session is flooded, p50 apart',
      value: `${ms(f.frameP50Ms)} ms`,
      target: '< 50 ms',
      verdict: verdict(f.frameP50Ms < 50),
    });
  }
  return targets;
}

function showDiagram(results: readonly DiagramResult[]): Target[] {
  say();
  say(
    "(d) the diagram: one more event of a raw session's stream, laid out with that many before it (in this process)",
  );
  say(
    table(
      ['events before', 'live layout p50 ms', 'whole trace again p50 ms', 'live vs whole'],
      results.map((r) => [
        String(r.events),
        ms(r.liveP50Ms),
        ms(r.wholeP50Ms),
        `${(r.liveP50Ms / r.wholeP50Ms).toFixed(3)}×`,
      ]),
    ),
  );
  say(
    '  live: what the page does (only events it has not seen). whole: the page before session 17 (all of them).',
  );
  const last = results.at(-1);
  return last
    ? [
        {
          name: `(d) one new event laid out at ${last.events} events, p50`,
          value: `${ms(last.liveP50Ms)} ms`,
          target: '< 5 ms',
          verdict: verdict(last.liveP50Ms < 5),
        },
      ]
    : [];
}

// ---------------------------------------------------------------------------------------------
// Tables

function bridgeAt(
  summaries: readonly Summary[],
  mode: RunRecord['mode'],
  sessions: number,
): Summary | undefined {
  return summaries.find((s) => s.path === 'bridge' && s.mode === mode && s.sessions === sessions);
}

function showStep(step: StepResult, summaries: readonly Summary[]): Target[] {
  const bridge1 = bridgeAt(summaries, 'closed-loop', 1);
  const r = ratio(step.p50Ms, bridge1?.p50Ms ?? Number.NaN);
  const v = verdict(Number.isFinite(r) ? r <= 3 : null);
  say();
  say(
    `(a) one step, WebSocket request -> real system call -> reply (${STEP_CALLS} calls after ${STEP_WARMUP} unmeasured)`,
  );
  say(
    table(
      ['what', 'calls', 'errors', 'p50 ms', 'p99 ms', 'p50 vs bridge echo p50', 'target', 'verdict'],
      [
        [
          'gateway getsockname() on a connected socket',
          String(step.calls),
          String(step.errors),
          ms(step.p50Ms),
          ms(step.p99Ms),
          times(r),
          '≤ 3×',
          v,
        ],
        [
          'bridge 16-byte echo, 1 session (median of rounds)',
          '',
          '',
          ms(bridge1?.p50Ms ?? Number.NaN),
          ms(bridge1?.p99Ms ?? Number.NaN),
          '1.00×',
          '',
          '',
        ],
      ],
    ),
  );
  return [
    {
      name: "(a) a step's p50 vs the minimal bridge's echo p50",
      value: times(r),
      target: '≤ 3×',
      verdict: v,
    },
  ];
}

function showEcho(summaries: readonly Summary[], runs: readonly RunRecord[]): Target[] {
  const targets: Target[] = [];
  const rows: string[][] = [];
  for (const s of summaries) {
    const b = bridgeAt(summaries, s.mode, s.sessions);
    const tput = ratio(s.msgPerSec, b?.msgPerSec ?? Number.NaN);
    const p99 = ratio(s.p99Ms, b?.p99Ms ?? Number.NaN);
    const judged = s.path === 'gateway';
    const tputVerdict = verdict(Number.isFinite(tput) ? tput >= 0.8 : null);
    const p99Verdict = verdict(Number.isFinite(p99) ? p99 <= 1.5 : null);
    rows.push([
      s.mode === 'classroom' ? `${s.sessions} @1/s` : String(s.sessions),
      s.path,
      `${s.up}/${s.sessions}`,
      String(s.failedSessions),
      count(s.msgPerSec),
      ms(s.p50Ms),
      ms(s.p99Ms),
      String(s.errors),
      s.framesPerMessage === null ? '' : s.framesPerMessage.toFixed(1),
      s.middleCpuPct === null ? '' : pct(s.middleCpuPct),
      pct(s.generatorCpuPct),
      s.path === 'bridge' ? '1.00×' : times(tput),
      s.path === 'bridge' ? '1.00×' : times(p99),
      judged ? `${tputVerdict} / ${p99Verdict}` : '',
    ]);
    if (!judged) continue;
    const where =
      s.mode === 'classroom'
        ? `${s.sessions} sessions at 1 msg/s`
        : `${s.sessions} session${s.sessions === 1 ? '' : 's'}`;
    targets.push({
      name: `(b) gateway throughput vs bridge, ${where}`,
      value: times(tput),
      target: '≥ 0.8×',
      verdict: tputVerdict,
    });
    targets.push({
      name: `(b) gateway p99 vs bridge, ${where}`,
      value: times(p99),
      target: '≤ 1.5×',
      verdict: p99Verdict,
    });
  }
  say();
  say(
    '(b) 16-byte echo through each path: medians of rounds (errors summed), ratios against the minimal bridge at the same load',
  );
  say(
    table(
      [
        'sessions',
        'path',
        'up',
        'failed',
        'msg/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'frames/msg',
        'mid CPU',
        'gen CPU',
        'msg/s vs bridge',
        'p99 vs bridge',
        'targets ≥0.8× / ≤1.5×',
      ],
      rows,
      2,
    ),
  );
  say(
    '  up: sessions open when the load began (worst round). failed: sessions that did not open, or failed or closed',
  );
  say(
    '  during the run (worst round). frames/msg: WebSocket frames the page received per echo (replies + trace events).',
  );
  say(
    '  mid CPU: the bridge, floor or gateway process, % of one core. gen CPU: this load generator, % of one core.',
  );
  say(
    "  protocol-floor: the bridge speaking the gateway's protocol for a raw session's echo as the web app does (a binary",
  );
  say(
    '  write in, three binary records out, one frame per turn) and nothing else: no engine, sessions or limits.',
  );
  say(
    '  gateway: as a raw session echoes (connect with stream: true, one write, the echo pushed as data events),',
  );
  say('  in binary records as the web app asks for them. gateway-json: the same in JSON messages.');
  say('  gateway-calls: as a student steps it (a send() call, then recv() calls until 16 bytes are back).');
  for (const r of runs) {
    if (r.failureReasons.length === 0) continue;
    const what = `${r.path} ${r.sessions}${r.mode === 'classroom' ? ' @1/s' : ''} round ${r.round + 1}`;
    say(`  ${what} failures: ${r.failureReasons.map(([why, n]) => `${n}× ${why}`).join('; ')}`);
  }
  return targets;
}

function showMemory(memory: MemoryResult): Target[] {
  const g = memory.gateway;
  const b = memory.bridge;
  const v = verdict(Number.isFinite(g.perIdleKiB) ? g.perIdleKiB <= 64 : null);
  say();
  say(
    `(c) memory: RSS of each child process (VmRSS: includes allocator slack), read after a ${SETTLE_MS / 1000} s settle`,
  );
  say(
    table(
      [
        'process',
        'empty',
        `${MEMORY_SESSIONS} idle`,
        '+ a connected socket each',
        'per idle session',
        'per open socket',
        'per session with a socket',
        'vs bridge',
      ],
      [
        [
          'gateway',
          mib(g.baselineKiB),
          mib(g.idleKiB),
          mib(g.socketsKiB),
          kib(g.perIdleKiB),
          kib(g.perSocketKiB),
          kib(g.perIdleKiB + g.perSocketKiB),
          times(ratio(g.perIdleKiB + g.perSocketKiB, b.perConnectionKiB)),
        ],
        [
          'bridge (a WebSocket and its TCP connection)',
          mib(b.baselineKiB),
          '',
          mib(b.connectedKiB),
          '',
          '',
          kib(b.perConnectionKiB),
          '1.00×',
        ],
      ],
    ),
  );
  say(
    `  Target ≤ 64 KiB per idle gateway session: ${v}. Idle: hello only. A connected socket: socket() + connect() to the echo server.`,
  );
  say(
    `  Failures: gateway ${g.failedSessions} of ${MEMORY_SESSIONS} sessions; bridge ${b.failed} of ${MEMORY_SESSIONS} connections.`,
  );
  return [
    { name: '(c) gateway RSS per idle session', value: kib(g.perIdleKiB), target: '≤ 64 KiB', verdict: v },
  ];
}

/** 0 failed sessions at 1000 (closed loop, every round; idle) and at 5000 (one message a second). */
function failedSessionTargets(runs: readonly RunRecord[], memory: MemoryResult): Target[] {
  const zero = (name: string, failed: number): Target => ({
    name,
    value: String(failed),
    target: '0',
    verdict: verdict(failed === 0),
  });
  const targets: Target[] = [];
  const summed = (mode: RunRecord['mode'], sessions: number, what: string) => {
    for (const path of ['gateway', 'gateway-json', 'gateway-calls'] as const) {
      const rs = runs.filter((r) => r.path === path && r.mode === mode && r.sessions === sessions);
      if (rs.length === 0) continue;
      const failed = rs.reduce((a, r) => a + r.failedSessions, 0);
      targets.push(zero(`(b) ${path} failed sessions, ${what} (${rs.length} rounds)`, failed));
    }
  };
  summed('closed-loop', 1000, '1000 sessions closed loop');
  targets.push(
    zero(
      `(c) gateway failed sessions, ${MEMORY_SESSIONS} idle sessions then a socket each`,
      memory.gateway.failedSessions,
    ),
  );
  if (CLASSROOM > 0) summed('classroom', CLASSROOM, `${CLASSROOM} sessions at 1 msg/s`);
  return targets;
}

// ---------------------------------------------------------------------------------------------
// Processes

let worldToStop: World | null = null;

async function startWorld(gatewayMain: string, websockifyBin: string | null): Promise<World> {
  const node = process.execPath;
  const echo = await startChild({
    name: 'echo server',
    command: node,
    args: [resolve(HERE, 'echo-server.js')],
    ready: { stdout: /PORT (\d+)/ },
    collectable: true,
  });
  const partial: Partial<World> = { echo };
  worldToStop = partial as World;
  const profFlags = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const gateway = await startChild({
    name: 'gateway',
    command: node,
    args: [
      ...profFlags,
      gatewayMain,
      '--port',
      '0',
      '--quiet',
      '--lesson-ports',
      'auto',
      '--allow',
      `127.0.0.1:${echo.port}`,
      ...GATEWAY_LIMITS.flatMap(([flag, value]) => [flag, value] as const),
    ],
    ready: { stdout: /Socket playground: open http:\/\/[^:/]+:(\d+)\// },
    timeoutMs: 30_000,
    collectable: true,
  });
  partial.gateway = gateway;
  const bridge = await startChild({
    name: 'bridge',
    command: node,
    args: [resolve(HERE, 'bridge.js'), String(echo.port)],
    ready: { stdout: /PORT (\d+)/ },
    collectable: true,
  });
  partial.bridge = bridge;
  partial.floor = await startChild({
    name: 'protocol floor',
    command: node,
    args: [resolve(HERE, 'protocol-floor.js'), String(echo.port), String(FLOOR_EXTRA_US)],
    ready: { stdout: /PORT (\d+)/ },
    collectable: true,
  });
  let websockify: Child | null = null;
  if (websockifyBin) {
    const port = await freePort();
    try {
      websockify = await startChild({
        name: 'websockify',
        command: websockifyBin,
        args: ['--heartbeat=0', `127.0.0.1:${port}`, `127.0.0.1:${echo.port}`],
        ready: { tcpPort: port },
        group: true,
      });
    } catch (err) {
      say(`websockify: could not be started, skipped (${err instanceof Error ? err.message : err})`);
    }
  } else {
    say('websockify: not installed, skipped (Debian: apt-get install websockify)');
  }
  partial.websockify = websockify;
  return partial as World;
}

async function stopWorld(world: Partial<World>): Promise<void> {
  for (const c of [world.websockify, world.floor, world.bridge, world.gateway, world.echo])
    if (c) await c.stop();
  worldToStop = null;
}

function ulimitN(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  } catch {
    return Number.NaN;
  }
}

function which(bin: string): string | null {
  try {
    const found = execFileSync('sh', ['-c', `command -v ${bin}`])
      .toString()
      .trim();
    return found || null;
  } catch {
    return null;
  }
}

/** The gateway's own count of live sessions, from /healthz (null if it did not answer). */
function gatewaySessions(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { sessions: number }).sessions);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Waits (at most 15 s) until the gateway has ended every session the bench closed. */
async function gatewayIdle(world: World): Promise<void> {
  const until = performance.now() + 15_000;
  while (performance.now() < until) {
    if ((await gatewaySessions(world.gateway.port)) === 0) return;
    await sleep(100);
  }
}

/** The RSS once it has settled: the last of a few readings spread over `ms`. */
async function settledRss(pid: number, ms = SETTLE_MS): Promise<number> {
  let last = Number.NaN;
  for (let i = 0; i < 4; i++) {
    await sleep(ms / 4);
    last = rssKiB(pid);
  }
  return last;
}

// ---------------------------------------------------------------------------------------------
// (b) one run of one path at one load

function opener(world: World, path: PathName): (i: number) => Promise<EchoClient> {
  switch (path) {
    case 'direct':
      return () => openTcp(world.echo.port, OPEN_TIMEOUT_MS);
    case 'bridge':
      return () => openWsEcho(`ws://127.0.0.1:${world.bridge.port}/`, OPEN_TIMEOUT_MS);
    case 'protocol-floor':
      return () => GatewayStreamEcho.open(world.floor.port, world.echo.port, OPEN_TIMEOUT_MS);
    case 'gateway':
      return () => GatewayStreamEcho.open(world.gateway.port, world.echo.port, OPEN_TIMEOUT_MS);
    case 'gateway-json':
      return () => GatewayStreamEcho.open(world.gateway.port, world.echo.port, OPEN_TIMEOUT_MS, false);
    case 'gateway-calls':
      return () => GatewayEcho.open(world.gateway.port, world.echo.port, OPEN_TIMEOUT_MS);
    case 'websockify': {
      const port = world.websockify?.port ?? 0;
      // websockify 0.10 accepts no subprotocol or "binary"; offering "binary" works with older ones too.
      return () => openWsEcho(`ws://127.0.0.1:${port}/`, 5000, { protocols: ['binary'] });
    }
    default: {
      const unhandled: never = path;
      throw new Error(`unknown path ${unhandled}`);
    }
  }
}

const isGateway = (path: PathName) =>
  path === 'gateway' || path === 'gateway-json' || path === 'gateway-calls';

function middle(world: World, path: PathName): Child | null {
  if (path === 'bridge') return world.bridge;
  if (path === 'protocol-floor') return world.floor;
  return isGateway(path) ? world.gateway : null;
}

async function measure(
  world: World,
  path: PathName,
  sessions: number,
  mode: RunRecord['mode'],
  round: number,
): Promise<RunRecord> {
  const opened = await openMany(sessions, opener(world, path), {
    parallel: Math.min(sessions, 100),
    deadlineMs: 90_000,
    // websockify stops accepting at a few hundred sessions: stop knocking once it clearly has.
    giveUpAfter: 300,
  });
  const clients = opened.ok;
  // Opened is not enough: websockify completes the handshake, then drops sessions it cannot select() on.
  const up = clients.filter((c) => c.alive).length;
  const mid = middle(world, path);
  // Every run from collected heaps: this process's, the echo server's and the measured server's (the
  // previous run's garbage is not this run's to collect).
  global.gc?.();
  await Promise.all([world.echo.collectGarbage(), mid?.collectGarbage()]);
  const frames0 = clients.reduce((a, c) => a + c.extraFrames, 0);
  const cpu0 = mid ? cpuSeconds(mid.pid) : Number.NaN;
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const load: LoadResult =
    mode === 'closed-loop'
      ? await closedLoop(clients, { warmupMs: WARMUP_MS, measureMs: SECONDS * 1000, drainMs: 5000 })
      : await paced(clients, {
          intervalMs: 1000,
          warmupMs: CLASSROOM_WARMUP_MS,
          durationMs: CLASSROOM_SECONDS * 1000,
          drainMs: 5000,
        });
  const wall = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const cpu1 = mid ? cpuSeconds(mid.pid) : Number.NaN;
  const rss = mid ? rssKiB(mid.pid) : null;
  const frames = clients.reduce((a, c) => a + c.extraFrames, 0) - frames0;
  for (const c of clients) c.close();
  if (isGateway(path)) await gatewayIdle(world);
  else await sleep(sessions >= 1000 ? 1000 : 200);
  const reasons = new Map<string, number>(opened.reasons);
  for (const [why, n] of load.reasons) reasons.set(why, (reasons.get(why) ?? 0) + n);
  return {
    path,
    mode,
    sessions,
    round,
    up,
    setupSeconds: opened.seconds,
    failedSessions: opened.failed + load.failedSessions,
    failureReasons: [...reasons].sort((a, b) => b[1] - a[1]),
    messages: load.messages,
    msgPerSec: load.messages / load.seconds,
    p50Ms: load.samples.percentile(50),
    p99Ms: load.samples.percentile(99),
    errors: load.errors,
    skipped: load.skipped,
    framesPerMessage: isGateway(path) && load.completed > 0 ? frames / load.completed : null,
    middleCpuPct: mid ? (100 * (cpu1 - cpu0)) / wall : null,
    generatorCpuPct: (100 * (gen.user + gen.system)) / 1e6 / wall,
    middleRssKiB: rss,
  };
}

/** Prints one run's line as it finishes, and hands the record on. */
function progress(r: RunRecord): RunRecord {
  const what = r.mode === 'classroom' ? `${r.sessions} @1/s` : `${r.sessions} sessions`;
  say(
    `  · ${what.padEnd(13)} ${r.path.padEnd(13)} round ${r.round + 1}: up ${r.up}, ${count(r.msgPerSec)} msg/s, p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms, errors ${r.errors}, failed sessions ${r.failedSessions} (setup ${r.setupSeconds.toFixed(1)} s)`,
  );
  return r;
}

function summarize(records: readonly RunRecord[]): Summary[] {
  const out: Summary[] = [];
  const keys = new Set(records.map((r) => `${r.mode}|${r.sessions}|${r.path}`));
  for (const key of keys) {
    const rs = records.filter((r) => `${r.mode}|${r.sessions}|${r.path}` === key);
    const first = rs[0]!;
    const frames = rs.map((r) => r.framesPerMessage).filter((f): f is number => f !== null);
    const mids = rs.map((r) => r.middleCpuPct).filter((f): f is number => f !== null);
    out.push({
      path: first.path,
      mode: first.mode,
      sessions: first.sessions,
      rounds: rs.length,
      up: Math.min(...rs.map((r) => r.up)),
      failedSessions: Math.max(...rs.map((r) => r.failedSessions)),
      msgPerSec: median(rs.map((r) => r.msgPerSec)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      framesPerMessage: frames.length ? median(frames) : null,
      middleCpuPct: mids.length ? median(mids) : null,
      generatorCpuPct: median(rs.map((r) => r.generatorCpuPct)),
    });
  }
  const order = (s: Summary) =>
    (s.mode === 'classroom' ? 1e6 : 0) + s.sessions * 10 + PATH_ORDER.indexOf(s.path);
  return out.sort((a, b) => order(a) - order(b));
}

// ---------------------------------------------------------------------------------------------
// (a) one step

interface StepResult {
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

async function measureStep(world: World): Promise<StepResult> {
  global.gc?.();
  const samples = new Samples();
  let errors = 0;
  let page: GatewayEcho;
  try {
    page = await GatewayEcho.open(world.gateway.port, world.echo.port, OPEN_TIMEOUT_MS);
  } catch (err) {
    say(`  (a) could not open a gateway session: ${err instanceof Error ? err.message : err}`);
    return { calls: 0, errors: 1, p50Ms: Number.NaN, p99Ms: Number.NaN };
  }
  const deadline = performance.now() + 60_000;
  for (let i = 0; i < STEP_WARMUP + STEP_CALLS && performance.now() < deadline && page.alive; i++) {
    const t = performance.now();
    try {
      await page.page.callOk({ op: 'getsockname', socket: page.socket }, 5000);
      if (i >= STEP_WARMUP) samples.add(performance.now() - t);
    } catch {
      errors++;
    }
  }
  page.close();
  await gatewayIdle(world);
  return { calls: samples.count, errors, p50Ms: samples.percentile(50), p99Ms: samples.percentile(99) };
}

// ---------------------------------------------------------------------------------------------
// (c) memory

interface MemoryResult {
  gateway: {
    baselineKiB: number;
    idleKiB: number;
    socketsKiB: number;
    perIdleKiB: number;
    perSocketKiB: number;
    failedSessions: number;
  };
  bridge: { baselineKiB: number; connectedKiB: number; perConnectionKiB: number; failed: number };
}

async function measureMemory(world: World): Promise<MemoryResult> {
  const opts = { parallel: 100, deadlineMs: 90_000, giveUpAfter: 300 };
  // Warm both up first (code compiled, pools allocated), so the baseline is not a cold process.
  for (const path of ['gateway', 'bridge'] as const) {
    const warm = await openMany(20, opener(world, path), opts);
    await closedLoop(warm.ok, { warmupMs: 0, measureMs: 300, drainMs: 2000 });
    for (const c of warm.ok) c.close();
  }
  await gatewayIdle(world);

  const gwPid = world.gateway.pid;
  const baselineKiB = await settledRss(gwPid);
  const pages = await openMany(
    MEMORY_SESSIONS,
    () => GatewayPage.open(world.gateway.port, OPEN_TIMEOUT_MS),
    opts,
  );
  const idleKiB = await settledRss(gwPid);
  let socketFailures = 0;
  let next = 0;
  const withSocket = async () => {
    while (next < pages.ok.length) {
      const page = pages.ok[next++]!;
      try {
        const socket = await openSocket(page, OPEN_TIMEOUT_MS);
        await page.callOk(
          { op: 'connect', socket, address: ['127.0.0.1', world.echo.port] },
          OPEN_TIMEOUT_MS,
        );
      } catch {
        socketFailures++;
      }
    }
  };
  await Promise.all(Array.from({ length: 100 }, withSocket));
  const socketsKiB = await settledRss(gwPid);
  const dropped = pages.ok.filter((p) => !p.alive).length;
  for (const p of pages.ok) p.close();
  await gatewayIdle(world);
  const up = pages.ok.length;
  const gateway = {
    baselineKiB,
    idleKiB,
    socketsKiB,
    perIdleKiB: (idleKiB - baselineKiB) / up,
    perSocketKiB: (socketsKiB - idleKiB) / up,
    failedSessions: pages.failed + Math.max(socketFailures, dropped),
  };
  say(
    `  · gateway: RSS ${mib(baselineKiB)} with 0 sessions, ${mib(idleKiB)} with ${up} idle, ${mib(socketsKiB)} once each connected a socket (${pages.failed} failed to open, ${socketFailures} sockets failed)`,
  );

  const brPid = world.bridge.pid;
  const bBase = await settledRss(brPid);
  const conns = await openMany(MEMORY_SESSIONS, opener(world, 'bridge'), opts);
  const bConn = await settledRss(brPid);
  for (const c of conns.ok) c.close();
  await sleep(1000);
  const bridge = {
    baselineKiB: bBase,
    connectedKiB: bConn,
    perConnectionKiB: (bConn - bBase) / conns.ok.length,
    failed: conns.failed,
  };
  say(`  · bridge: RSS ${mib(bBase)} with 0 connections, ${mib(bConn)} with ${conns.ok.length}`);
  return { gateway, bridge };
}

// ---------------------------------------------------------------------------------------------

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${name} must be a number from ${min} to ${max} (got ${raw})`);
  return n;
}

process.on('exit', killAllChildrenNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping every child process`);
    const world = worldToStop;
    void (world ? stopWorld(world) : Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch(async (err) => {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  if (worldToStop) await stopWorld(worldToStop).catch(() => {});
  process.exit(1);
});
