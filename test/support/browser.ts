// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, and the built playground
// started as its own process, the way a student meets them.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { studentPortRange } from './ports.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test-results';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Playground {
  url: string;
  port: number;
  output: () => string;
  /** SIGTERM, then the exit code (null if it had already exited). */
  stop(): Promise<number | null>;
}

/** Starts dist/gateway/main.js on free ports; resolves once it printed its URL. */
export async function startPlayground(args: string[] = []): Promise<Playground> {
  const main = 'dist/gateway/main.js';
  if (!existsSync(main)) throw new Error(`${main} is missing: npm test builds it first`);
  // Student ports of this worker's own, so playgrounds of test files running side by side never share one.
  const ports = args.includes('--ports') ? [] : ['--ports', studentPortRange().join('-')];
  const child: ChildProcess = spawn(
    process.execPath,
    [main, '--port', '0', '--lesson-ports', 'auto', ...ports, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const start = performance.now();
  const re = /open (http:\/\/localhost:(\d+)\/)/;
  while (!re.test(out)) {
    if (performance.now() - start > 15_000 || child.exitCode !== null)
      throw new Error(`the playground did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, url, port] = re.exec(out)!;
  return {
    url: url!,
    port: Number(port),
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      child.kill('SIGTERM');
      return new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    },
  };
}

/** Collects console errors and uncaught exceptions: a page that shows none is a requirement. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** A new page at `url` (the playground, 1280×720 unless told), resolved once it is connected. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, ...options });
  const errors = watchErrors(page);
  await page.goto(url);
  await page.waitForFunction(() =>
    document.querySelector('[role=status]')?.textContent?.includes('connected'),
  );
  return { page, errors };
}

/** Sockets the kernel lists on a port, as `ss -tan` prints them (state and addresses). */
export function ssPort(port: number): string[] {
  const out = execFileSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).join(' '));
}

/** Types into a program's terminal with the real keyboard, then waits until the prompt is back. */
export async function typeLine(page: Page, program: string, line: string): Promise<void> {
  await page.getByRole('textbox', { name: `${program} terminal: type Python socket calls` }).focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Types lines into a program's terminal as a lesson step does (one paste, each line at its prompt). */
export async function typeAsLesson(page: Page, program: string, text: string): Promise<void> {
  await page.evaluate(
    ([p, t]) =>
      (window as unknown as { playground: { type(p: string, t: string): Promise<void> } }).playground.type(
        p,
        t,
      ),
    [program, text] as const,
  );
}

export async function terminalText(page: Page, program: string): Promise<string> {
  return page.evaluate(
    (p) => (window as unknown as { playground?: { text(p: string): string } }).playground?.text(p) ?? '',
    program,
  );
}

/** Polls the page until check passes (no fixed sleeps). */
export async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 10_000,
): Promise<T> {
  const start = performance.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (performance.now() - start > ms)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Holds back the page's scroll events until the returned function releases them. A browser delivers a
 * scroll event a frame after the scroll itself; holding it makes that frame as long as a test needs to
 * have new content drawn inside it, which is when a view that trusts scroll events gets it wrong.
 */
export async function holdScrollEvents(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(() => {
    const hold = (e: Event) => e.stopImmediatePropagation();
    window.addEventListener('scroll', hold, true);
    (window as unknown as { releaseScroll: () => void }).releaseScroll = () =>
      window.removeEventListener('scroll', hold, true);
  });
  return () => page.evaluate(() => (window as unknown as { releaseScroll: () => void }).releaseScroll());
}
