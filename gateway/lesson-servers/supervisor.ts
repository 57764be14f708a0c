// Keeps one lesson server's listening socket alive: after a crash it reopens it on the same port,
// backing off when crashes come in a burst, and says so through `log`. Knows nothing of sockets: the
// host gives it `start` (listen, resolving with the port) and `stop` (close the listener now).

export interface SupervisorOptions {
  name: string;
  host: string;
  /** The port asked for; 0 lets the kernel choose once, and restarts reuse what it chose. */
  port: number;
  log: (line: string) => void;
  start: (port: number) => Promise<number>;
  stop: () => void;
}

const BURST_WINDOW_MS = 10_000;
const MAX_DELAY_MS = 5_000;

export class Supervisor {
  port: number;
  private closing = false;
  private restarting = false;
  private timer: NodeJS.Timeout | null = null;
  private attempt: Promise<void> | null = null;
  private crashes: number[] = [];

  constructor(private readonly opts: SupervisorOptions) {
    this.port = opts.port;
  }

  async first(): Promise<void> {
    this.port = await this.opts.start(this.port);
  }

  crash(reason: string): void {
    if (this.closing) return;
    const { name, log } = this.opts;
    if (this.restarting) {
      log(`${name} crashed again: ${reason}; a restart is already under way`);
      return;
    }
    this.restarting = true;
    this.opts.stop();
    const now = Date.now();
    this.crashes = this.crashes.filter((t) => now - t < BURST_WINDOW_MS);
    this.crashes.push(now);
    // The first crash restarts at once; a crash loop must not spin the CPU or flood the log.
    const n = this.crashes.length;
    this.schedule(reason, n <= 1 ? 0 : Math.min(MAX_DELAY_MS, 100 * 2 ** (n - 2)));
  }

  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.opts.stop();
    if (this.attempt) await this.attempt;
    this.opts.stop();
  }

  private schedule(reason: string, delay: number): void {
    const { name, host, log } = this.opts;
    const where = hostPort(host, this.port);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt = this.opts.start(this.port).then(
        (port) => {
          this.attempt = null;
          this.restarting = false;
          this.port = port;
          if (this.closing) this.opts.stop();
          else log(`${name} crashed: ${reason}; restarted on ${where}`);
        },
        (err: NodeJS.ErrnoException) => {
          this.attempt = null;
          if (this.closing) return;
          const next = Math.min(MAX_DELAY_MS, Math.max(250, delay * 2));
          log(
            `${name} crashed: ${reason}; could not listen again on ${where} (${err.code ?? err.message}); next try in ${next} ms`,
          );
          this.schedule(reason, next);
        },
      );
    }, delay);
  }
}

/** An error as one log line: the errno name first when there is one (EADDRINUSE, ECONNRESET). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** host:port as a URL writes it, with brackets around an IPv6 address. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
