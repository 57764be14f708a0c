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
        // The toolbar stays at the top, and the line to send, its Send button too, in view.
        expect((await box(page.locator('.toolbar'))).top).toBe(0);
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
});
