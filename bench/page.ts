// (d) The page: JavaScript shipped on first load (raw and gzip), the time from a call's reply reaching
// the page to the diagram showing it, with 10,000 events already drawn, and then a raw session flooded
// by a client from outside the browser (`cat bigfile | nc`): how fast the page shows the bytes and how
// long its frames take meanwhile. Real Chromium.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { Samples } from './stats.js';

export interface PageResult {
  jsBytes: number;
  jsGzipBytes: number;
  files: string[];
  /** null when Chromium is not installed. */
  paint: { events: number; samples: number; p50Ms: number; p99Ms: number; fillSeconds: number } | null;
  /** null when Chromium is not installed. */
  flood: FloodResult | null;
  note: string | null;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The JS the first load fetches: the module scripts and preloads named by index.html. */
export function firstLoadJs(webDist: string): { raw: number; gzip: number; files: string[] } {
  const html = readFileSync(join(webDist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = readFileSync(join(webDist, f));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip, files };
}

export async function measurePage(repo: string, events = 10_000, samples = 30): Promise<PageResult> {
  const js = firstLoadJs(resolve(repo, 'web', 'dist'));
  const base = { jsBytes: js.raw, jsGzipBytes: js.gzip, files: js.files };
  if (!existsSync(CHROMIUM))
    return { ...base, paint: null, flood: null, note: `${CHROMIUM} is not installed: paint time skipped` };
  const { chromium } = await import('playwright-core');

  // Its own gateway, so the fill's calls are not rate-limited like a student's (200 a second).
  const child = spawn(
    process.execPath,
    [
      resolve(repo, 'dist', 'gateway', 'main.js'),
      '--port',
      '0',
      '--lesson-ports',
      'auto',
      '--quiet',
      '--calls-per-second',
      '100000',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const start = performance.now();
    while (!/open (http:\/\/localhost:\d+\/)/.test(out)) {
      if (performance.now() - start > 15_000) throw new Error(`the playground did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /open (http:\/\/localhost:\d+\/)/.exec(out)![1]!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    // Timestamps of every frame holding a call's reply, taken as the page receives it.
    await page.addInitScript(() => {
      const w = window as unknown as { __replies: number[] };
      w.__replies = [];
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(u: string | URL, p?: string | string[]) {
          super(u, p);
          this.addEventListener('message', (e) => {
            if (typeof e.data === 'string' && e.data.includes('"call-returned"'))
              w.__replies.push(performance.now());
          });
        }
      } as typeof WebSocket;
    });
    await page.goto(url);
    await page.waitForFunction(() =>
      document.querySelector('[role=status]')?.textContent?.includes('connected'),
    );
    const rowsShown = () =>
      page.evaluate(() =>
        Number(
          /(\d+) events/.exec(
            document.querySelector('.diagram-body')?.getAttribute('aria-label') ?? '',
          )?.[1] ?? 0,
        ),
      );
    const type = (line: string) =>
      page.evaluate(
        (l) =>
          (
            window as unknown as { playground: { type(p: string, l: string): Promise<void> } }
          ).playground.type('server', l),
        line,
      );

    const fillStart = performance.now();
    await type('s = socket.socket()');
    // Each getsockname is two rows (the call and its result).
    await type(`for i in range(${Math.ceil(events / 2)}):\n    s.getsockname()\n`);
    await page.waitForFunction(
      (n) => {
        const m = /(\d+) events/.exec(
          document.querySelector('.diagram-body')?.getAttribute('aria-label') ?? '',
        );
        return Number(m?.[1] ?? 0) >= n;
      },
      events,
      { timeout: 600_000, polling: 200 },
    );
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const drawn = await rowsShown();

    const times = new Samples(samples);
    for (let i = 0; i < samples; i++) {
      const ms = await page.evaluate(async () => {
        const w = window as unknown as {
          __replies: number[];
          playground: { type(p: string, l: string): Promise<void> };
        };
        const label = () => document.querySelector('.diagram-body')?.getAttribute('aria-label') ?? '';
        const before = Number(/(\d+) events/.exec(label())?.[1] ?? 0);
        const seen = w.__replies.length;
        void w.playground.type('server', 's.getsockname()');
        // The reply's arrival, then the first painted frame whose diagram holds the new rows.
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          const now = Number(/(\d+) events/.exec(label())?.[1] ?? 0);
          if (now >= before + 2 && w.__replies.length > seen) {
            await new Promise((r) => requestAnimationFrame(r));
            return performance.now() - w.__replies[w.__replies.length - 1]!;
          }
        }
      });
      times.add(ms);
    }
    // A flood that cannot be set up (the page changed, a port taken) costs its figure, not the run's.
    let floodNote: string | null = null;
    const flood = await measureFlood(page).catch((err: Error) => {
      floodNote = `the flood was not measured: ${err.message.split('\n')[0]}`;
      return null;
    });
    return {
      ...base,
      paint: {
        events: drawn,
        samples,
        p50Ms: times.percentile(50),
        p99Ms: times.percentile(99),
        fillSeconds,
      },
      flood,
      note: floodNote,
    };
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

export interface FloodResult {
  seconds: number;
  /** Bytes the page said it had received when the flood stopped. */
  shownBytes: number;
  frames: number;
  frameP50Ms: number;
  frameP99Ms: number;
}

const FLOOD_MS = 5000;

/**
 * A raw session listens; a client from outside the browser sends 64 KiB writes as fast as the page
 * lets it (the gateway stops reading while the page is behind). Measured: the bytes the page showed
 * in FLOOD_MS, and the time between its frames meanwhile.
 */
async function measureFlood(page: Page): Promise<FloodResult> {
  await page.getByRole('button', { name: 'Raw session' }).click();
  const panel = page.getByRole('region', { name: 'raw: raw session' });
  await panel.getByLabel('Listen').check();
  const port = Number(await panel.getByLabel('Port', { exact: true }).inputValue());
  await panel.getByRole('button', { name: 'Listen' }).click();
  await page.waitForFunction(() =>
    document.querySelector('.raw-status')?.textContent?.includes('listening on'),
  );
  const client = connect(port, '127.0.0.1');
  client.on('error', () => {});
  let measured: { shown: number; frames: number[] };
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __framing: boolean };
      w.__frames = [];
      w.__framing = true;
      const tick = (t: number) => {
        w.__frames.push(t);
        if (w.__framing) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const chunk = Buffer.alloc(64 * 1024, 'flood! ');
    const end = performance.now() + FLOOD_MS;
    await new Promise<void>((resolve, reject) => {
      // A connection the page's side closed never drains: that ends the flood, as an error.
      client.once('close', () => reject(new Error('the raw session closed the connection during the flood')));
      const pump = () => {
        while (performance.now() < end) if (!client.write(chunk)) return void client.once('drain', pump);
        resolve();
      };
      pump();
    });
    measured = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __framing: boolean };
      w.__framing = false;
      const status = document.querySelector('.raw-status')?.textContent ?? '';
      return { shown: Number(/← (\d+) received/.exec(status)?.[1] ?? 0), frames: w.__frames };
    });
  } finally {
    client.destroy();
  }
  const { shown, frames } = measured;
  const gaps = new Samples(frames.length);
  for (let i = 1; i < frames.length; i++) gaps.add(frames[i]! - frames[i - 1]!);
  return {
    seconds: FLOOD_MS / 1000,
    shownBytes: shown,
    frames: frames.length,
    frameP50Ms: gaps.percentile(50),
    frameP99Ms: gaps.percentile(99),
  };
}
