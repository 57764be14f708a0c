// The call-flow diagram at classroom sizes (1366×768, the commonest projector): what just happened
// must be on screen, and a connection's lifeline must name both its ports.

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  holdScrollEvents,
  launchBrowser,
  openPage,
  type Playground,
  startPlayground,
  typeAsLesson,
  typeLine,
} from '../support/browser.js';

let pg: Playground;
let browser: Browser;
let page: Page;
let errors: string[];
let port: number;

beforeAll(async () => {
  pg = await startPlayground();
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser, pg.url, { viewport: { width: 1366, height: 768 } }));
  const facts = (await page.locator('.session-facts').textContent()) ?? '';
  const m = /(\d+)–(\d+)/.exec(facts);
  if (!m) throw new Error(`no ports shown: ${facts}`);
  port = Number(m[1]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

/** How much of an element lies inside another's box, sideways: 1 is all of it. */
async function shownSideways(el: Locator, within: Locator): Promise<number> {
  const a = (await el.boundingBox())!;
  const b = (await within.boundingBox())!;
  const seen = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  return Math.max(0, seen) / a.width;
}

describe('the diagram on a 1366×768 screen', () => {
  it('brings the newest lifeline into view and shows a connection’s two ports whole', async () => {
    await typeLine(page, 'server', 's = socket.socket()');
    await typeLine(page, 'server', `s.bind(("127.0.0.1", ${port}))`);
    await typeLine(page, 'server', 's.listen(5)');
    // More sockets than the diagram is wide: the newest lifelines are far to the right.
    for (const name of ['a', 'b', 'c', 'd']) await typeLine(page, 'client', `${name} = socket.socket()`);
    await typeLine(page, 'client', `d.connect(("127.0.0.1", ${port}))`);
    await typeLine(page, 'server', 'conn, addr = s.accept()');
    await typeLine(page, 'server', 'addr');
    await typeLine(page, 'client', 'd.sendall(b"hi")');
    const rows = page.locator('.diagram-body [data-row]');
    await expect.poll(async () => (await rows.allTextContents()).join('\n')).toContain('2 bytes to read');
    await typeLine(page, 'client', 'd.getsockname()');
    const scroller = page.locator('.diagram-scroller');
    await expect.poll(() => scroller.evaluate((el) => el.scrollWidth > el.clientWidth + 300)).toBe(true);
    const newest = rows.last();
    await expect.poll(() => newest.textContent()).toMatch(/→ \('127\.0\.0\.1', \d+\)/);
    // The result just returned on the rightmost lifeline is on screen, not scrolled off to the right.
    await expect.poll(() => shownSideways(newest, scroller)).toBeGreaterThan(0.9);

    // The accepted socket's header names both ends, the client's port whole.
    const clientPort = /\('127\.0\.0\.1', (\d+)\)/.exec(
      (await page.locator('.diagram-body [data-row]').allTextContents()).join('\n'),
    )?.[1];
    expect(clientPort).toBeTruthy();
    const headers = await page.locator('.lane-head').allTextContents();
    expect(headers.some((h) => h.includes(`↔ 127.0.0.1:${clientPort}`) && h.includes(`:${port}`))).toBe(true);
    expect(headers.every((h) => !h.includes('…'))).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/diagram-1366.png` });

    // Scrolled so that a socket's header box is cut at the left edge, its name moves into the part
    // still in view: it reads whole, not "lient: fd 7".
    const cut = await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('.diagram-scroller')!;
      const most = el.scrollWidth - el.clientWidth;
      const heads = Array.from(document.querySelectorAll('.lane-head.lane-socket'));
      const left = (h: Element) => h.querySelector('rect')!.x.baseVal.value;
      const i = heads.map((h) => left(h) + 30 <= most).lastIndexOf(true);
      el.scrollLeft = left(heads[i]!) + 30;
      return { i, by: el.scrollLeft - heads[i]!.querySelector('rect')!.x.baseVal.value };
    });
    expect(cut.by).toBe(30);
    const nameShown = () =>
      page.evaluate((i) => {
        const view = document.querySelector('.diagram-scroller')!.getBoundingClientRect();
        const head = document.querySelectorAll('.lane-head.lane-socket')[i]!;
        const name = head.querySelector('text')!;
        const r = name.getBoundingClientRect();
        return { name: name.textContent, whole: r.left >= view.left && r.right <= view.right };
      }, cut.i);
    await expect.poll(nameShown).toMatchObject({ name: expect.stringMatching(/^\w+: fd \d+$/), whole: true });
  });

  it('keeps the inspector’s state and queue columns on screen, with the text made bigger', async () => {
    const inspector = page.getByRole('region', { name: 'Socket inspector' });
    await expect.poll(() => inspector.textContent()).toContain('ESTABLISHED');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Alt+Equal');
    await page.screenshot({ path: `${ARTIFACTS}/inspector-1366-large.png` });
    // The newest event stays in view as everything grows.
    const newest = page.locator('.diagram-body [data-row]').last();
    await expect.poll(() => shownSideways(newest, page.locator('.diagram-scroller'))).toBeGreaterThan(0.9);
    for (const column of ['state', 'recv-Q', 'send-Q', 'backlog']) {
      const th = inspector.getByRole('columnheader', { name: column, exact: true });
      expect(await shownSideways(th, inspector), column).toBe(1);
    }
    expect(errors).toEqual([]);
  });

  it('shows the event a student picks, its bytes in hex and the line typed, and walks events with the arrows', async () => {
    await typeLine(page, 'client', 'd.send(b"hi\\x00")');
    await typeLine(page, 'server', 'conn.recv(10)');
    // The 2 bytes the first test left waiting come first: TCP keeps no boundaries between sends.
    const read = page.locator('.diagram-body [data-row]').filter({ hasText: "→ b'hihi\\x00' (5 bytes)" });
    await expect.poll(() => read.count()).toBe(1);
    await read.click();
    const details = page.getByRole('region', { name: 'Event details' });
    await expect.poll(() => details.textContent()).toContain('68 69 68 69 00');
    expect(await details.textContent()).toContain('conn.recv(10)');
    expect(await details.locator('.bytes-text').textContent()).toBe('hihi\\x00');
    await expect
      .poll(() => page.locator('.diagram-body .row.selected').textContent())
      .toContain("b'hihi\\x00'");

    // Up: the event before it (the recv() call itself), typed on the same line.
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.locator('.diagram-body .row.selected').textContent()).toContain('recv(10)');
    expect(await details.textContent()).not.toContain('68 69 68 69 00');
    await page.keyboard.press('Escape');
    await expect.poll(() => details.count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('stays where a student scrolled back to read while events arrive, until ↓ newest takes it down', async () => {
    const scroller = page.locator('.diagram-scroller');
    const body = page.locator('.diagram-body');
    const events = async () =>
      Number(/ (\d+) events/.exec((await body.getAttribute('aria-label')) ?? '')?.[1]);
    const fromBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    const jump = page.getByRole('button', { name: '↓ newest' });
    expect(await scroller.evaluate((el) => el.scrollHeight > 2 * el.clientHeight)).toBe(true);
    expect(await jump.count()).toBe(0);

    // Scrolled to the top, with the page not yet told (its scroll event comes a frame later): a new
    // call is drawn, and the view stays where the student put it.
    const release = await holdScrollEvents(page);
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    const before = await events();
    await typeLine(page, 'client', 'd.getpeername()');
    await expect.poll(events).toBeGreaterThan(before + 1);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);
    await release();
    await scroller.evaluate((el) => {
      el.scrollTop = 10;
    });
    await expect.poll(() => jump.count()).toBe(1);
    const later = await events();
    await typeLine(page, 'client', 'd.getpeername()');
    await expect.poll(events).toBeGreaterThan(later + 1);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(10);

    // ↓ newest: down to the last event, and it follows new ones again.
    await jump.click();
    await expect.poll(() => jump.count()).toBe(0);
    expect(await fromBottom()).toBeLessThan(2);
    const rows = await events();
    await typeLine(page, 'client', 'd.getsockname()');
    await expect.poll(events).toBeGreaterThan(rows + 1);
    await expect.poll(fromBottom).toBeLessThan(2);
    const newest = page.locator('.diagram-body [data-row]').last();
    await expect.poll(() => newest.textContent()).toMatch(/→ \('127\.0\.0\.1', \d+\)/);

    // From the keyboard: Home goes to the first event, End back to the newest, which it follows.
    await page.keyboard.press('Alt+D');
    await page.keyboard.press('Home');
    await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(0);
    await expect.poll(() => page.locator('.diagram-body .row.selected').getAttribute('data-row')).toBe('0');
    await expect.poll(() => jump.count()).toBe(1);
    await page.keyboard.press('End');
    await expect.poll(() => jump.count()).toBe(0);
    expect(await fromBottom()).toBeLessThan(2);
    expect(Number(await page.locator('.diagram-body .row.selected').getAttribute('data-row'))).toBe(
      (await events()) - 1,
    );
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
  });
});

describe('a session longer than the page keeps', () => {
  let small: Playground;
  let p: Page;
  let errs: string[];

  beforeAll(async () => {
    small = await startPlayground(['--page-events', '1000']);
    ({ page: p, errors: errs } = await openPage(browser, small.url, {
      viewport: { width: 1366, height: 768 },
    }));
  }, 60_000);

  afterAll(async () => {
    await p?.close();
    await small?.stop();
  });

  it('says at the top how many earlier events it no longer shows, and keeps the socket they made', async () => {
    const note = p.locator('.diagram-dropped');
    await typeAsLesson(p, 'server', 's = socket.socket()');
    await expect.poll(() => p.locator('.diagram-header .lane-socket').count()).toBe(1);
    expect(await note.count()).toBe(0);
    // Two events a call: 1,400 in all, more than the 1,000 this gateway tells its pages to keep.
    await typeAsLesson(p, 'server', 'for i in range(700):\n    s.getsockname()\n');
    await expect
      .poll(() => note.textContent(), { timeout: 30_000 })
      .toMatch(/^↑ [\d,]+ earlier events are not shown: this page keeps the newest 1,000\.$/);
    await expect
      .poll(() => p.evaluate(() => document.querySelector('.diagram-body')?.getAttribute('aria-label')))
      .toMatch(/ \d{3} events/);
    // The text log lists fewer still, and says so.
    expect(await p.locator('.event-log summary').textContent()).toMatch(
      /^Event log \(text\): the newest 200 of the diagram's [\d,]+ events$/,
    );
    // Its socket() was among the dropped events; the calls on it are still drawn on its lifeline.
    expect(await p.locator('.diagram-header .lane-socket').count()).toBe(1);
    expect(
      await p.locator('.diagram-body [data-row]').filter({ hasText: 'getsockname()' }).count(),
    ).toBeGreaterThan(0);
    // Back at the top of the diagram, the note is what the student sees first, under the lifelines' heads.
    await p.locator('.diagram-scroller').evaluate((el) => {
      el.scrollTop = 0;
      el.scrollLeft = 0;
    });
    const head = (await p.locator('.diagram-header').boundingBox())!;
    const box = (await note.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(head.y + head.height - 1);
    expect(box.y).toBeLessThan(head.y + head.height + 40);
    expect(errs).toEqual([]);
  });
});
