// Starts the playground: the socket engine, the lesson servers and the gateway, then prints the URL.
// `npm start -- --help` lists the options.

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, type GatewayConfig, parseConfig } from './config.js';
import { startLessonServers } from './lesson-servers/index.js';
import { loadLessons } from './lessons/load.js';
import { formatProblem, lessonFor } from './lessons/types.js';
import { openUrls } from './open-urls.js';
import type { LessonServerInfo } from './protocol/messages.js';
import { startGateway } from './server.js';
import { SystemNames } from './syscalls/names.js';
import { selectEngine } from './syscalls/select-engine.js';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = config.quiet ? () => {} : (line: string) => console.log(line);
  const { sys, why } = selectEngine(config.engine);
  log(`engine   ${sys.info.kind} (${why})`);
  for (const m of sys.info.merges) log(`         merged: ${m}`);

  // The guided lessons (lessons/*.md, next to dist/): all validated before anything starts, and a
  // broken one stops the start with file:line, so a class never meets it half-way through.
  const guided = await loadLessons(resolve(import.meta.dirname, '..', '..', 'lessons'));
  if (guided.problems.length > 0) {
    for (const p of guided.problems) console.error(formatProblem(p));
    console.error(`lessons  ${guided.problems.length} problem(s): fix the lesson files and start again`);
    process.exit(1);
  }
  log(`lessons  ${guided.lessons.length} loaded`);

  warnIfEphemeral(config.studentPorts, log);

  let lessons: LessonServerInfo[] = [];
  let gatewayRef: Awaited<ReturnType<typeof startGateway>> | null = null;
  const servers = await startLessonServers({
    host: '127.0.0.1',
    ports: config.lessonPorts === 'auto' ? 'auto' : undefined,
    log: (line) => console.log(`lesson   ${line}`),
    onTrace: (ev) => gatewayRef?.lessonTrace(ev),
    clientOf: (remote) => gatewayRef?.sessionOf(remote) ?? null,
  });
  lessons = servers.servers;
  const bindHosts = config.lan ? lanAddresses() : [];
  if (config.lan)
    log(
      `lan      students may bind ${['0.0.0.0', ...bindHosts].join(', ')} (ports ${config.studentPorts.join('-')})`,
    );
  const gateway = await startGateway(config, {
    sys,
    names: new SystemNames(),
    lessonServers: () => lessons,
    // A step whose outcome --lan changes (binding 0.0.0.0) is served in the variant for this mode.
    lessons: guided.lessons.map((l) => lessonFor(l, config.lan ? 'lan' : 'loopback')),
    bindHosts: config.lan ? ['0.0.0.0', '::', ...bindHosts] : [],
  });
  gatewayRef = gateway;
  for (const l of lessons) log(`${l.name.padEnd(12)} ${l.proto} ${l.host}:${l.port}  ${l.description}`);
  for (const line of classLimits(config)) log(line);
  const open = openUrls(config.host, gateway.port, config.token, lanAddresses());
  console.log(`\nSocket playground: open ${open.here}`);
  for (const url of open.students ?? []) console.log(`            students open ${url}`);
  if (open.students?.length === 0)
    console.log('            (no network address found for students: check this machine has one)');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: closing every socket`);
    await gateway.close();
    await servers.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Student ports inside the kernel's ephemeral range can be taken at any moment by an outgoing
 * connection's local port, which would show students an EADDRINUSE they did not cause.
 */
function warnIfEphemeral([first, last]: [number, number], log: (line: string) => void): void {
  let text = '';
  try {
    text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return;
  }
  const [lo, hi] = text.trim().split(/\s+/).map(Number) as [number, number];
  if (first <= hi && last >= lo) {
    log(
      `warning  student ports ${first}-${last} overlap the kernel's ephemeral ports ${lo}-${hi}: outgoing connections may take some of them`,
    );
  }
}

/**
 * The limits a class meets, said before it meets them: each browser tab is a session, and a school
 * network behind NAT brings every student from one address.
 */
function classLimits(c: GatewayConfig): string[] {
  const [first, last] = c.studentPorts;
  const blocks = c.portsPerSession > 0 ? Math.floor((last - first + 1) / c.portsPerSession) : 0;
  return [
    `limits   ${c.maxSessions} tabs in all (--max-sessions), ${c.maxSessionsPerAddress} from one address (--max-sessions-per-address: a class behind one NAT address needs about 3 per student)`,
    `ports    ${first}-${last}, ${c.portsPerSession} per tab (--ports-per-session): enough for ${blocks} tabs${
      blocks < c.maxSessions ? `; tabs beyond ${blocks} get no port to bind (widen --ports)` : ''
    }`,
  ];
}

/** This machine's non-loopback addresses, where classmates can reach a student's listener. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => a!.address);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
