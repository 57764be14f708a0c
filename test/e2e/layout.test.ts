// The page at classroom sizes: a projector's 1366×768 or 1280×720 with a lesson open and a raw
// session beside it. Everything is measured in the real browser against the viewport: what a class
// cannot see past the bottom of the screen, or a line of code broken mid-name, is what they notice.

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchBrowser,
  type Playground,
  startPlayground,
  watchErrors,
} from '../support/browser.js';

let browser: Browser;
let pg: Playground;

beforeAll(async () => {
  pg = await startPlayground();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

const lessonPort = (name: string) => {
  const m = new RegExp(`${name}\\s+tcp\\s+127\\.0\\.0\\.1:(\\d+)`).exec(pg.output());
  if (!m) throw new Error(`no ${name} port in:\n${pg.output()}`);
  return Number(m[1]);
};

/** A page of this size with a lesson open (its steps shown, the gateway connected). */
async function lessonPage(
  width: number,
  height: number,
  id: string,
): Promise<{ page: Page; panel: Locator }> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${pg.url}#/lesson/${id}`);
  const panel = page.getByRole('complementary', { name: /^Lesson: / });
  await expect.poll(() => panel.locator('li.step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
  return { page, panel };
}

/** Where an element is on the screen, rounded to whole pixels. */
async function box(l: Locator): Promise<{ top: number; bottom: number; left: number; right: number }> {
  const b = await l.boundingBox();
  if (!b) throw new Error(`${l} is not on the page`);
  return {
    top: Math.round(b.y),
    bottom: Math.round(b.y + b.height),
    left: Math.round(b.x),
    right: Math.round(b.x + b.width),
  };
}

/** True when the element's centre is really what the screen shows there (on screen, not covered). */
const seen = (l: Locator) =>
  l.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const top = document.elementFromPoint(x, y);
    return top !== null && (el === top || el.contains(top));
  });

describe('on a classroom projector', () => {
  it.each([
    [1366, 768],
    [1280, 720],
  ])(
    'keeps a lesson and a raw session on one %i×%i screen: toolbar, raw input and diagram in view',
    {
      timeout: 60_000,
    },
    async (width, height) => {
      const { page, panel } = await lessonPage(width, height, '13-many-clients');
      const errors = watchErrors(page);
      try {
        // Three steps open client2 and client3: four program terminals, as in class.
        const steps = panel.locator('li.step');
        for (let i = 0; i < 3; i++) {
          await page.keyboard.press('Alt+PageDown');
          await expect
            .poll(() => steps.nth(i).locator('.step-status').textContent(), { timeout: 15_000 })
            .toBe('✓ passed');
        }
        await page.keyboard.press('Alt+r');
        const raw = page.getByRole('region', { name: 'raw: raw session' });
        await raw.waitFor();
        await raw.getByLabel('Host', { exact: true }).fill('127.0.0.1');
        await raw.getByLabel('Port', { exact: true }).fill(String(lessonPort('echo')));
        await raw.getByRole('button', { name: 'Connect' }).click();
        const line = raw.getByRole('textbox', { name: 'Line to send' });
        await line.fill('hello, class');
        await line.press('Enter');
        await expect
          .poll(() => raw.getByRole('list', { name: /hex view/ }).textContent())
          .toContain('received');
        await page.screenshot({ path: `${ARTIFACTS}/layout-lesson-raw-${width}x${height}.png` });

        // Nothing runs past the screen: the page itself never scrolls.
        const doc = await page.evaluate(() => ({
          height: document.documentElement.scrollHeight,
          width: document.documentElement.scrollWidth,
        }));
        expect(doc).toEqual({ height, width });
        // The toolbar stays at the top, on one line, with the session's ports whole in it.
        const bar = await box(page.locator('.toolbar'));
        const button = await box(page.locator('.toolbar').getByRole('button', { name: 'Lessons' }));
        expect(bar.top).toBe(0);
        expect(bar.bottom - bar.top).toBeLessThan(2 * (button.bottom - button.top));
        expect(await page.locator('.session-facts').textContent()).toMatch(/your ports \d+–\d+/);
        expect(await portsCut(page)).toBe(false);
        // The line to send, its Send button too, in view.
        for (const l of [line, raw.getByRole('button', { name: 'Send', exact: true })]) {
          expect((await box(l)).bottom).toBeLessThanOrEqual(height);
          expect(await seen(l)).toBe(true);
        }
        // Lesson, terminals and diagram side by side, each as tall as the space under the toolbar.
        const lesson = await box(panel);
        const programs = await box(page.getByRole('region', { name: 'Program terminals' }));
        const diagram = await box(page.locator('.diagram'));
        expect(programs.left).toBeGreaterThanOrEqual(lesson.right - 1);
        expect(diagram.left).toBeGreaterThanOrEqual(programs.right - 1);
        expect(diagram.right).toBeLessThanOrEqual(width);
        for (const b of [lesson, programs]) expect(b.bottom).toBe(height);
        // The diagram keeps room to be read: most of the screen's height, a third of its width.
        expect(diagram.bottom - diagram.top).toBeGreaterThan(height * 0.5);
        expect(diagram.right - diagram.left).toBeGreaterThan(width / 3);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );

  it.each([
    [1366, 768, 0],
    [1920, 1080, 8],
  ])(
    'never breaks a name in a lesson’s code at %i×%i (text %i steps larger): it wraps between names or scrolls',
    {
      timeout: 60_000,
    },
    async (width, height, larger) => {
      const { page } = await lessonPage(width, height, '01-first-client');
      const errors = watchErrors(page);
      try {
        for (let i = 0; i < larger; i++) await page.keyboard.press('Alt+Equal');
        await expect
          .poll(() =>
            page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-size')),
          )
          .toBe(`${15 + larger}px`);
        const ids = await page.evaluate(async () => {
          const doc = (await (await fetch('/api/lessons')).json()) as { lessons: { id: string }[] };
          return doc.lessons.map((l) => l.id);
        });
        expect(ids.length).toBeGreaterThan(10);
        const faults: string[] = [];
        for (const id of ids) {
          await page.evaluate((id) => {
            window.location.hash = `#/lesson/${id}`;
          }, id);
          const panel = page.getByRole('complementary', { name: /^Lesson: / });
          // Its scripts' download buttons carry its id: the panel shows this lesson, not the last.
          await panel
            .getByRole('button', { name: `⤓ ${id}-server.py` })
            .or(panel.getByRole('button', { name: `⤓ ${id}-client.py` }))
            .first()
            .waitFor();
          await expect.poll(() => panel.locator('li.step').count()).toBeGreaterThan(0);
          faults.push(...(await panel.evaluate(codeFaults)).map((f) => `${id}: ${f}`));
        }
        expect(faults).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});

/**
 * Runs in the page: each place where code in the lesson panel wraps between two characters of one
 * name (`socket.AF_I` / `NET`), and each piece of code that runs past the panel's edge with no way
 * to scroll to it.
 */
/**
 * Whether the toolbar cuts the session's ports (an ellipsis for their last digits, or past the room
 * it has for them): a student reads them off the toolbar to bind.
 */
function portsCut(page: Page): Promise<boolean> {
  return page.locator('.session-facts .ports').evaluate((el) => {
    const room = el.parentElement!.getBoundingClientRect();
    return el.scrollWidth > el.clientWidth || el.getBoundingClientRect().right > room.right + 0.5;
  });
}

function codeFaults(lesson: Element): string[] {
  const faults: string[] = [];
  for (const code of Array.from(lesson.querySelectorAll('code'))) {
    if (code.closest('pre')) continue;
    // Each character's line, from its own box; a new line between two word characters breaks a name.
    const chars: { c: string; top: number }[] = [];
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
      for (let i = 0; i < n.data.length; i++) {
        const range = document.createRange();
        range.setStart(n, i);
        range.setEnd(n, i + 1);
        const rect = range.getClientRects()[0];
        if (rect) chars.push({ c: n.data[i]!, top: rect.top });
      }
    }
    for (let i = 1; i < chars.length; i++) {
      const [a, b] = [chars[i - 1]!, chars[i]!];
      if (b.top > a.top + 2 && /\w/.test(a.c) && /\w/.test(b.c)) {
        const text = chars.map((x) => x.c).join('');
        faults.push(
          `breaks ${JSON.stringify(`${text.slice(Math.max(0, i - 12), i)}|${text.slice(i, i + 8)}`)}`,
        );
      }
    }
    const style = getComputedStyle(code);
    if (
      code.scrollWidth > code.clientWidth + 1 &&
      style.display !== 'inline' &&
      !/auto|scroll/.test(style.overflowX)
    )
      faults.push(
        `${JSON.stringify(code.textContent?.slice(0, 30))} runs past its box, which does not scroll`,
      );
  }
  if (lesson.scrollWidth > lesson.clientWidth + 1)
    faults.push(`the panel is ${lesson.scrollWidth - lesson.clientWidth}px wider than its column`);
  return faults;
}

describe('the toolbar on a projector, at any text size', () => {
  // A+ is pressed for the terminals and the diagram: the toolbar grows with them only while its one
  // line holds (an older 1024×768 projector has no room for the title even at the default size).
  it.each([
    [1024, 768, 0],
    [1024, 768, 4],
    [1180, 800, 0],
    [1280, 720, 4],
    [1920, 1080, 8],
  ])(
    'keeps it on one line at %i×%i after A+ %i times, every button and the session’s ports whole',
    async (width, height, larger) => {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors = watchErrors(page);
      try {
        await page.goto(pg.url);
        await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
        await expect.poll(() => page.locator('.session-facts').textContent()).toMatch(/your ports \d+–\d+/);
        const terminalFont = () =>
          page
            .locator('.xterm-rows')
            .first()
            .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
        const before = await terminalFont();
        for (let i = 0; i < larger; i++) await page.getByRole('button', { name: 'Larger text' }).click();
        // The terminals did grow.
        if (larger > 0) await expect.poll(terminalFont).toBeGreaterThan(before);
        await page.screenshot({ path: `${ARTIFACTS}/layout-toolbar-${width}x${height}-a${larger}.png` });
        const bar = await box(page.locator('.toolbar'));
        const lessons = await box(page.locator('.toolbar').getByRole('button', { name: 'Lessons' }));
        expect(bar.bottom - bar.top).toBeLessThan(2 * (lessons.bottom - lessons.top));
        for (const name of ['Raw session', 'Diagram only (full screen)', 'Keyboard shortcuts'])
          expect(await seen(page.locator('.toolbar').getByRole('button', { name }))).toBe(true);
        expect(await portsCut(page)).toBe(false);
        // Never smaller than it was at the default size.
        expect(
          await page.locator('.toolbar').evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize)),
        ).toBeGreaterThanOrEqual(15);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});
