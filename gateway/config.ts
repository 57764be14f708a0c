// Gateway configuration from command-line flags and environment variables, with safe defaults.
// Every flag has an environment twin (--max-sockets <-> GATEWAY_MAX_SOCKETS). Documented in README.

import { isLoopback } from './session/rules.js';

export interface GatewayConfig {
  host: string;
  port: number;
  token: string | null;
  origins: string[];
  studentPorts: [number, number];
  portsPerSession: number;
  allow: { proto: 'tcp' | 'udp'; host: string; port: number }[];
  maxSockets: number;
  maxSessions: number;
  maxSessionsPerAddress: number;
  callsPerSecond: number;
  connectsPerSecond: number;
  /** Trace events each page keeps for its diagram (older ones are dropped, and the page says so). */
  pageEvents: number;
  graceSeconds: number;
  engine: 'auto' | 'libc' | 'fallback';
  lessonPorts: 'default' | 'auto';
  webRoot: string | null;
  quiet: boolean;
  /** Students may bind this machine's LAN addresses (and 0.0.0.0), so classmates can connect. */
  lan: boolean;
}

export const DEFAULTS: GatewayConfig = {
  host: '127.0.0.1',
  port: 7070,
  token: null,
  origins: [],
  studentPorts: [20000, 21999],
  portsPerSession: 10,
  allow: [],
  maxSockets: 16,
  maxSessions: 120,
  maxSessionsPerAddress: 16,
  callsPerSecond: 200,
  connectsPerSecond: 5,
  pageEvents: 50_000,
  graceSeconds: 15,
  engine: 'auto',
  lessonPorts: 'default',
  webRoot: null,
  quiet: false,
  lan: false,
};

export const HELP = `Usage: npm start -- [options]

  --host ADDR               address the gateway listens on (default 127.0.0.1; anything else needs --token)
  --port N                  gateway port (default 7070; 0 picks a free one)
  --token T                 access token, required beyond loopback (env GATEWAY_TOKEN)
  --origin URL              another allowed page origin, e.g. http://localhost:5173 (repeatable)
  --ports A-B               ports students may bind (default 20000-21999)
  --ports-per-session N     ports given to each session from that range (default 10)
  --allow [udp:]HOST:PORT   another target programs may connect to (repeatable)
  --max-sockets N           sockets per session (default 16)
  --max-sessions N          sessions in all (default 120)
  --max-sessions-per-address N  sessions per client address (default 16)
  --calls-per-second N      calls per session per second (default 200)
  --connects-per-second N   connects per session per second (default 5)
  --page-events N           events each page keeps in its diagram (default 50000; fewer for slow machines)
  --grace SECONDS           how long a closed tab's sockets wait for a reload (default 15)
  --engine auto|libc|fallback   which socket engine to use (default auto: libc where it loads)
  --lesson-ports default|auto   fixed lesson server ports, or free ones (default: default)
  --lan                     let students bind this machine's LAN addresses and 0.0.0.0 (needs --token)
  --quiet                   print only the URL
`;

export class ConfigError extends Error {}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${v})`);
  return n;
}

function target(v: string): GatewayConfig['allow'][number] {
  const m = /^(?:(tcp|udp):)?(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)$/.exec(v);
  if (!m) throw new ConfigError(`--allow wants [udp:]HOST:PORT with a numeric host (got ${v})`);
  return {
    proto: (m[1] as 'tcp' | 'udp' | undefined) ?? 'tcp',
    host: m[2]!.replace(/^\[|\]$/g, ''),
    port: int('--allow port', m[3]!, 1, 65535),
  };
}

/** Flags win over environment variables, which win over defaults. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): GatewayConfig {
  const c: GatewayConfig = { ...DEFAULTS, origins: [], allow: [] };
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('GATEWAY_') && v !== undefined)
      pairs.push([`--${k.slice(8).toLowerCase().replaceAll('_', '-')}`, v]);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quiet' || a === '--help' || a === '--lan') {
      pairs.push([a, 'true']);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) pairs.push([a.slice(0, eq), a.slice(eq + 1)]);
    else {
      const v = argv[i + 1];
      if (v === undefined) throw new ConfigError(`${a} needs a value`);
      pairs.push([a, v]);
      i++;
    }
  }
  for (const [k, v] of pairs) {
    switch (k) {
      case '--host':
        c.host = v;
        break;
      case '--port':
        c.port = int(k, v, 0, 65535);
        break;
      case '--token':
        c.token = v;
        break;
      case '--origin':
      case '--origins':
        c.origins.push(...v.split(',').filter(Boolean));
        break;
      case '--ports': {
        const m = /^(\d+)-(\d+)$/.exec(v);
        if (!m) throw new ConfigError(`--ports wants A-B (got ${v})`);
        c.studentPorts = [int(k, m[1]!, 1, 65535), int(k, m[2]!, 1, 65535)];
        if (c.studentPorts[0] > c.studentPorts[1])
          throw new ConfigError('--ports: the first port must not exceed the last');
        break;
      }
      case '--ports-per-session':
        c.portsPerSession = int(k, v, 0, 1000);
        break;
      case '--allow':
        c.allow.push(...v.split(',').filter(Boolean).map(target));
        break;
      case '--max-sockets':
        c.maxSockets = int(k, v, 1, 10_000);
        break;
      case '--max-sessions':
        c.maxSessions = int(k, v, 1, 100_000);
        break;
      case '--max-sessions-per-address':
        c.maxSessionsPerAddress = int(k, v, 1, 100_000);
        break;
      case '--calls-per-second':
        c.callsPerSecond = int(k, v, 1, 1_000_000);
        break;
      case '--connects-per-second':
        c.connectsPerSecond = int(k, v, 1, 1_000_000);
        break;
      case '--page-events':
        c.pageEvents = int(k, v, 1000, 1_000_000);
        break;
      case '--grace':
        c.graceSeconds = int(k, v, 0, 3600);
        break;
      case '--engine':
        if (v !== 'auto' && v !== 'libc' && v !== 'fallback')
          throw new ConfigError('--engine is auto, libc or fallback');
        c.engine = v;
        break;
      case '--lesson-ports':
        if (v !== 'default' && v !== 'auto') throw new ConfigError('--lesson-ports is default or auto');
        c.lessonPorts = v;
        break;
      case '--web-root':
        c.webRoot = v;
        break;
      case '--quiet':
        c.quiet = v !== 'false' && v !== '0';
        break;
      case '--lan':
        c.lan = v !== 'false' && v !== '0';
        break;
      case '--help':
        throw new ConfigError(HELP);
      default:
        throw new ConfigError(`unknown option ${k}\n\n${HELP}`);
    }
  }
  if (!isLoopback(c.host) && c.host !== 'localhost' && !c.token) {
    throw new ConfigError(
      `refusing to listen on ${c.host} without an access token: anyone who can reach it could open sockets on this machine. Add --token (or GATEWAY_TOKEN).`,
    );
  }
  if (c.lan && !c.token) {
    throw new ConfigError(
      "--lan opens students' listeners to the local network: it needs an access token too (--token), and usually --host 0.0.0.0 so classmates can load the page.",
    );
  }
  if (c.token !== null && c.token.length < 16)
    throw new ConfigError('--token must be at least 16 characters');
  return c;
}
