// What an instructor relies on at the projector: shortcuts, font size, themes, full screen, export,
// and accessible names on every region.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchBrowser,
  openPage,
  type Playground,
  startPlayground,
  terminalText,
  typeLine,
} from '../support/browser.js';

let browser: Browser;
let pg: Playground;
let page: Page;
let errors: string[];

beforeAll(async () => {
  pg = await startPlayground();
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser, pg.url, { acceptDownloads: true }));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

describe('at the projector', () => {
  it('lists the keyboard shortcuts on ?', async () => {
    await page.locator('body').press('?');
    const dialog = page.getByRole('dialog', { name: /Keyboard shortcuts/ });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('diagram full screen');
    // Opened at its top (its title in view), taller than the screen or not; Close has the focus.
    expect(await dialog.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    expect(await dialog.evaluate((el) => el.scrollTop)).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    // The lesson servers, with the addresses outside tools can reach.
    expect(await dialog.textContent()).toMatch(/capitalize\s*tcp 127\.0\.0\.1:\d+/);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('grows the text of terminals and diagram from the keyboard, and switches theme', async () => {
    const size = () =>
      page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-size'));
    const before = Number.parseInt(await size(), 10);
    await page.keyboard.press('Alt+Equal');
    await page.keyboard.press('Alt+Equal');
    await expect.poll(async () => Number.parseInt(await size(), 10)).toBe(before + 2);
    const xtermFont = await page
      .locator('.xterm-rows')
      .first()
      .evaluate((el) => getComputedStyle(el).fontSize);
    expect(Number.parseInt(xtermFont, 10)).toBe(before + 2);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const was = await theme();
    await page.keyboard.press('Alt+t');
    await expect.poll(theme).not.toBe(was);
    await page.screenshot({ path: `${ARTIFACTS}/projector-light-large.png` });
  });

  it('keeps the text size and theme across a reload, and fits the greeting and the inspector to narrow panes', async () => {
    const own = await openPage(browser, `${pg.url}#/lesson/01-first-client`);
    try {
      const root = () =>
        own.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-size'));
      const theme = () => own.page.evaluate(() => document.documentElement.dataset.theme);
      const before = Number.parseInt(await root(), 10);
      const wasTheme = await theme();
      for (let i = 0; i < 3; i++) await own.page.keyboard.press('Alt+Equal');
      await own.page.keyboard.press('Alt+t');
      await expect.poll(root).toBe(`${before + 3}px`);
      await own.page.reload();
      await expect.poll(() => own.page.getByRole('status').first().textContent()).toContain('connected');
      expect(await root()).toBe(`${before + 3}px`);
      expect(await theme()).not.toBe(wasTheme);
      // Beside a lesson at this size a terminal is under 45 columns: its greeting breaks after the
      // first sentence, never inside a word ("Try: h" / "elp()").
      await expect.poll(() => terminalText(own.page, 'server')).toContain('>>>');
      const rows = (await terminalText(own.page, 'server')).split('\n');
      expect(rows.slice(0, 3)).toEqual(['server: real sockets, in Python.', 'Try: help()', '>>>']);

      // The inspector beside it keeps every queue column on screen, the backlog too (lesson 4's),
      // the addresses moved under each row.
      const run = own.page.locator('.lesson-bar').getByRole('button', { name: /Run step/ });
      await run.click();
      await expect.poll(() => run.textContent()).toBe('▶ Run step 2');
      await run.click();
      const inspector = own.page.getByRole('region', { name: 'Socket inspector' });
      await expect.poll(() => inspector.textContent()).toContain('ESTABLISHED');
      const box = (await inspector.boundingBox())!;
      for (const column of ['fd', 'state', 'recv-Q', 'send-Q', 'backlog']) {
        const th = (await inspector.getByRole('columnheader', { name: column, exact: true }).boundingBox())!;
        expect(th.x + th.width, column).toBeLessThanOrEqual(box.x + box.width);
      }
      expect(await inspector.locator('tr.addresses:visible').textContent()).toMatch(
        /TCP\s+local 127\.0\.0\.1:\d+\s+remote 127\.0\.0\.1:\d+/,
      );
      // A raw session opened beside them narrows the inspector further: the program's name joins the
      // line under the row, and the queue columns still fit.
      await own.page.keyboard.press('Alt+r');
      await expect.poll(() => own.page.locator('.raw-panel').count()).toBe(1);
      await expect.poll(() => inspector.locator('th', { hasText: 'program' }).isVisible()).toBe(false);
      const narrower = (await inspector.boundingBox())!;
      for (const column of ['fd', 'state', 'recv-Q', 'send-Q', 'backlog']) {
        const th = (await inspector.getByRole('columnheader', { name: column, exact: true }).boundingBox())!;
        expect(th.x + th.width, column).toBeLessThanOrEqual(narrower.x + narrower.width);
      }
      expect(await inspector.locator('tr.addresses:visible').textContent()).toMatch(/^client TCP\s+local /);

      // A greeting drawn before the text grew is drawn again for the new width, until the first key.
      await own.page.keyboard.press('Alt+n');
      await expect.poll(() => terminalText(own.page, 'client2')).toContain('>>>');
      for (let i = 0; i < 3; i++) await own.page.keyboard.press('Alt+Minus');
      await expect
        .poll(async () => (await terminalText(own.page, 'client2')).split('\n').slice(0, 2))
        .toEqual(['client2: real sockets, in Python. Try: help()', '>>>']);
      expect(own.errors).toEqual([]);
    } finally {
      await own.page.close();
    }
  });

  it('draws the underscore at every text size, so create_connection never reads as two words', {
    timeout: 90_000,
  }, async () => {
    const own = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await own.goto(pg.url);
      await expect.poll(() => own.getByRole('status').first().textContent()).toContain('connected');
      await typeLine(own, 'server', "print('__________')");
      const root = () =>
        own.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-size'));
      while ((await root()) !== '10px') await own.keyboard.press('Alt+Minus');
      const missing: number[] = [];
      for (let size = 10; size <= 40; size++) {
        await expect.poll(root).toBe(`${size}px`);
        // The printed row, once the terminal has been redrawn at this size.
        const row = await own
          .waitForFunction((size) => {
            const rows = document.querySelector<HTMLElement>('.program .xterm-rows');
            if (!rows || getComputedStyle(rows).fontSize !== `${size}px`) return null;
            const printed = Array.from(rows.children).find((r) => r.textContent?.trim() === '__________');
            const box = printed?.getBoundingClientRect();
            return box ? { x: box.left, y: box.top, height: box.height } : null;
          }, size)
          .then((h) => h.jsonValue());
        await own.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const shot = await own.screenshot({ clip: { x: row!.x, y: row!.y, width: 60, height: row!.height } });
        // Pixels unlike the row's background: the underscores, if the row shows them.
        const drawn = await own.evaluate(async (png) => {
          const img = new Image();
          img.src = `data:image/png;base64,${png}`;
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.width;
          canvas.height = img.height;
          const g = canvas.getContext('2d')!;
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, img.width, img.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) {
            if (Math.abs(d[i]! - d[0]!) + Math.abs(d[i + 1]! - d[1]!) + Math.abs(d[i + 2]! - d[2]!) > 150)
              n++;
          }
          return n;
        }, shot.toString('base64'));
        if (drawn === 0) missing.push(size);
        if (size < 40) await own.keyboard.press('Alt+Equal');
      }
      expect(missing).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('shows the diagram full screen and exports it as SVG', async () => {
    await typeLine(page, 'server', 's = socket.socket()');
    await expect.poll(() => page.locator('.row-result').count()).toBeGreaterThan(0);
    await page.keyboard.press('Alt+f');
    await expect.poll(() => page.getByRole('region', { name: 'Program terminals' }).isVisible()).toBe(false);
    const download = page.waitForEvent('download');
    // Exports are one toolbar button's list, there in full screen too.
    await page.locator('.toolbar summary', { hasText: 'Export' }).click();
    await page.getByRole('button', { name: 'Diagram as SVG' }).click();
    const file = await (await download).path();
    const svg = (await import('node:fs')).readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('socket(AF_INET, SOCK_STREAM)');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('region', { name: 'Program terminals' }).isVisible()).toBe(true);
  });

  it('shows the rightmost lifeline’s results whole, each error marked once', async () => {
    // The client's socket is the newest lifeline, so the rightmost: its long error runs past it.
    await typeLine(page, 'client', 'c = socket.socket()');
    await typeLine(page, 'client', 'c.connect(("127.0.0.1", 1))');
    const error = page.locator('.diagram-body .row-result.tone-error text').last();
    await expect.poll(() => error.count()).toBe(1);
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/^✗ EGW_\w+: /);
    expect(text).not.toMatch(/^✗ ✗/);
    // Every row beside a lifeline ends inside the drawing (the scroller can reach it), not cut at its edge.
    const overflow = await page.evaluate(() => {
      const svg = document.querySelector<SVGSVGElement>('.diagram-body')!;
      const width = svg.width.baseVal.value;
      return Array.from(svg.querySelectorAll<SVGGElement>('g.row:not(.row-arrow)'))
        .map((g) => ({ text: g.textContent, right: g.getBBox().x + g.getBBox().width }))
        .filter((r) => r.right > width)
        .map((r) => `${r.text} ends at ${Math.round(r.right)} of ${width}`);
    });
    expect(overflow).toEqual([]);
  });

  it('breaks an error, its explanation and help() between words in a narrow terminal', async () => {
    // Large text makes a terminal of few columns: the explanation needs several rows.
    for (let i = 0; i < 4; i++) await page.keyboard.press('Alt+Equal');
    try {
      await typeLine(page, 'server', 'r = socket.socket()');
      await typeLine(page, 'server', 'r.connect(("127.0.0.1", 1))');
      await expect
        .poll(() => terminalText(page, 'server'))
        .toMatch(/r\.connect\(\("127\.0\.0\.1", 1\)\)\n[\s\S]*↳[\s\S]*\n>>>/);
      const rows = (await terminalText(page, 'server')).split('\n');
      const last = (re: RegExp) => rows.map((r) => re.test(r)).lastIndexOf(true);
      const error = last(/^\w+Error: /);
      const arrow = last(/^ {2}↳ /);
      expect(error).toBeGreaterThanOrEqual(0);
      expect(arrow).toBeGreaterThan(error);
      const prompt = rows.findIndex((r, i) => i > arrow && r.startsWith('>>>'));
      const explanation = rows.slice(arrow, prompt);
      expect(explanation.length).toBeGreaterThan(1);
      // Its rows go on under its text, each starting with a whole word (a row the terminal wrapped
      // itself would start mid-word at the left edge); the error's own rows too.
      for (const row of explanation.slice(1)) expect(row).toMatch(/^ {4}\S/);
      for (const row of rows.slice(error + 1, arrow)) expect(row).toMatch(/^ {2}\S/);
      // help()'s text, the first thing the banner offers, too.
      await typeLine(page, 'server', 'help()');
      await expect.poll(() => terminalText(page, 'server')).toMatch(/Ctrl-C stops a call[\s\S]*\n>>>/);
      const help = (await terminalText(page, 'server')).split('\n');
      const first = help.findIndex((r) => r.startsWith('This prompt runs Python socket code'));
      expect(help[first + 1]).toMatch(/^ {2}\S/);
    } finally {
      for (let i = 0; i < 4; i++) await page.keyboard.press('Alt+Minus');
    }
  });

  it('exports what a terminal ran as a Python 3 script that python3 runs', async () => {
    await typeLine(page, 'server', 'print(socket.gethostbyname("localhost"))');
    await expect.poll(() => terminalText(page, 'server')).toContain('127.0.0.1');
    await page.locator('.toolbar summary', { hasText: 'Export' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Python scripts' }).click();
    // A choice closes the list.
    await expect.poll(() => page.getByRole('button', { name: 'Python scripts' }).isVisible()).toBe(false);
    const d = await download;
    expect(d.suggestedFilename()).toBe('sandbox-server.py');
    const file = await d.path();
    const { readFileSync } = await import('node:fs');
    const script = readFileSync(file, 'utf8');
    expect(script).toContain('import socket');
    expect(script).toContain('s = socket.socket()');
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('python3', [file], { encoding: 'utf8', timeout: 10_000 })).toContain('127.0.0.1');
  });

  it('names every region for assistive technology, and logs no console errors', async () => {
    for (const name of ['Program terminals', 'What the kernel did', 'Socket inspector']) {
      expect(await page.getByRole('region', { name }).count()).toBe(1);
    }
    expect(await page.getByRole('textbox', { name: /server terminal/ }).count()).toBe(1);
    expect(await page.getByRole('application', { name: /Call-flow diagram/ }).count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
