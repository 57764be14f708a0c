// A guided lesson in the real page: opened by link, stepped to the end from the keyboard, every check
// judged green on real kernel facts, and the progress still there after a reload.

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchBrowser,
  type Playground,
  startPlayground,
  terminalText,
  typeLine,
  watchErrors,
} from '../support/browser.js';

let browser: Browser;
let pg: Playground;
let page: Page;
let errors: string[];

beforeAll(async () => {
  pg = await startPlayground();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  errors = watchErrors(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

const LESSON = '03-bind-is-not-listen';

/** Opens a lesson by its link; resolves with its panel once its steps show and the page is connected. */
async function openLesson(id: string): Promise<Locator> {
  await page.goto(`${pg.url}#/lesson/${id}`);
  const panel = page.getByRole('complementary', { name: /^Lesson: / });
  await expect.poll(() => panel.locator('li.step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
  return panel;
}

/**
 * A page with nothing behind it (no progress in its storage, a session of its own), opened on a
 * lesson: a student's first visit.
 */
async function freshPage(
  id: string,
  viewport = { width: 1600, height: 900 },
): Promise<{ page: Page; panel: Locator; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport });
  const fresh = await context.newPage();
  const freshErrors = watchErrors(fresh);
  await fresh.goto(`${pg.url}#/lesson/${id}`);
  const panel = fresh.getByRole('complementary', { name: /^Lesson: / });
  await expect.poll(() => panel.locator('li.step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  await expect.poll(() => fresh.getByRole('status').first().textContent()).toContain('connected');
  return { page: fresh, panel, errors: freshErrors, close: () => context.close() };
}

/** Whether all of an element is inside the panel's visible part (not scrolled away, not cut). */
async function inView(panel: Locator, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const view = await panel.boundingBox();
  return !!box && !!view && box.y >= view.y - 0.5 && box.y + box.height <= view.y + view.height + 0.5;
}

/** The lesson's Run button, which says what the next press of PageDown does. */
const mainButton = (panel: Locator) =>
  panel.locator('.lesson-bar').getByRole('button', { name: /Run step|Replay|Skip step|All steps done/ });

/** Runs the first n steps from the keyboard, as a presenter's remote does, each until it passes or waits. */
async function runSteps(
  panel: Locator,
  n: number,
  status: RegExp = /^✓ passed$/,
  on: Page = page,
  from = 0,
): Promise<void> {
  const steps = panel.locator('li.step');
  for (let i = from; i < from + n; i++) {
    await on.keyboard.press('Alt+PageDown');
    await expect
      .poll(() => steps.nth(i).locator('.step-status').textContent(), { timeout: 15_000 })
      .toMatch(status)
      .catch(async (e) => {
        const program = (await steps.nth(i).locator('.step-program').textContent()) ?? 'server';
        throw new Error(
          `step ${i + 1}: ${await steps.nth(i).textContent()}\n${program} terminal:\n${await terminalText(on, program)}\n${e}`,
        );
      });
  }
}

describe('a guided lesson', () => {
  it('opens by link, steps to the end from the keyboard, every check turns green, and the exercise finds its terminal', async () => {
    const panel = await openLesson(LESSON);
    const n = await panel.locator('li.step').count();
    expect(n).toBeGreaterThan(3);
    await runSteps(panel, n);
    expect(await panel.locator('.check-results .fail').count()).toBe(0);
    // The steps used server and client; the exercise asks for client2, which opens as it begins.
    expect(await panel.getByRole('region', { name: 'Exercise' }).textContent()).toContain('client2');
    const heads = page.getByRole('region', { name: 'Program terminals' }).locator('.program-head h2');
    await expect
      .poll(async () => (await heads.allTextContents()).map((h) => h.split(' ')[0]))
      .toEqual(['server', 'client', 'client2']);
    await page.screenshot({ path: `${ARTIFACTS}/lesson-bind-is-not-listen.png` });
    expect(errors).toEqual([]);
  });

  it.each([
    ['04-the-backlog', /backlog/i],
    // Its select() server is a loop of 18 lines typed at the prompt, serving three terminals at once.
    ['13-many-clients', /many clients/i],
  ])(
    'runs a lesson whose lines block (%s) to the end, every check green',
    {
      timeout: 120_000,
    },
    async (id, title) => {
      await page.goto(`${pg.url}#/lesson/${id}`);
      const panel = page.getByRole('complementary', { name: /^Lesson: / });
      await expect.poll(() => panel.locator('h2').textContent(), { timeout: 10_000 }).toMatch(title);
      const steps = panel.locator('li.step');
      const n = await steps.count();
      for (let i = 0; i < n; i++) {
        await page.keyboard.press('Alt+PageDown');
        // A line that blocks lets the lesson go on; its checks turn green once later steps free it.
        await expect
          .poll(() => steps.nth(i).locator('.step-status').textContent(), { timeout: 15_000 })
          .toMatch(/✓ passed|◌ waiting/)
          .catch(async (e) => {
            await page.screenshot({ path: `${ARTIFACTS}/lesson-${id}-failed-step.png` });
            throw new Error(
              `step ${i + 1}: ${await steps.nth(i).textContent()}\nserver terminal:\n${await terminalText(page, 'server')}\n${e}`,
            );
          });
      }
      for (let i = 0; i < n; i++) {
        await expect
          .poll(() => steps.nth(i).locator('.step-status').textContent(), { timeout: 15_000 })
          .toBe('✓ passed')
          .catch(async (e) => {
            throw new Error(`step ${i + 1} at the end: ${await steps.nth(i).textContent()}\n${e}`);
          });
      }
      await page.screenshot({ path: `${ARTIFACTS}/lesson-${id}.png` });
      // The lesson opened exactly the terminals it uses: server, client, client2, client3.
      const heads = await page
        .getByRole('region', { name: 'Program terminals' })
        .locator('.program-head h2')
        .allTextContents();
      expect(heads.map((h) => h.split(' ')[0])).toEqual(['server', 'client', 'client2', 'client3']);
      expect(errors).toEqual([]);
      await page.goto(`${pg.url}#/lesson/${LESSON}`);
    },
  );

  it('types a step of several statements one at a time, each at its own prompt', async () => {
    const panel = await openLesson('11-closing');
    const first = panel.locator('li.step').first();
    expect((await first.locator('.step-line code').textContent())?.split('\n').length).toBe(4);
    await runSteps(panel, 1);
    const server = await terminalText(page, 'server');
    expect(server).not.toContain('Error');
    // Four statements, four prompts, in order: none typed while the one before still ran.
    const prompts = server.split('\n').filter((l) => l.startsWith('>>> s'));
    expect(prompts.map((l) => /^>>> s(\.\w+| =)/.exec(l)?.[1])).toEqual([
      ' =',
      '.setsockopt',
      '.bind',
      '.listen',
    ]);
    expect(errors).toEqual([]);
    await page.goto(`${pg.url}#/lesson/${LESSON}`);
  });

  it('judges the exercise on the work a student did after the steps, when they ask for a check', {
    timeout: 60_000,
  }, async () => {
    const panel = await openLesson('01-first-client');
    const steps = panel.locator('li.step');
    await runSteps(panel, await steps.count());
    const lines = (await steps.locator('.step-line code').allTextContents()).join('\n');
    const echo = /connect\(\('127\.0\.0\.1', (\d+)\)\)/.exec(lines)?.[1];
    expect(echo).toBeDefined();
    const attempt = async (payload: string) => {
      for (const line of [
        'd = socket.socket()',
        `d.connect(('127.0.0.1', ${echo}))`,
        `d.sendall(b'${payload}')`,
        'd.recv(1024)',
        'd.close()',
      ]) {
        // Each at its own prompt, once the line before has run (a new prompt follows it).
        const prompts = (await terminalText(page, 'client')).split('>>>').length;
        await typeLine(page, 'client', line);
        await expect
          .poll(async () => (await terminalText(page, 'client')).split('>>>').length)
          .toBeGreaterThan(prompts);
      }
    };
    // A first attempt forgets the newline: judged, it fails.
    await attempt('sockets');
    const exercise = panel.getByRole('region', { name: 'Exercise' });
    await exercise.getByRole('button', { name: 'Check my work' }).click();
    await expect
      .poll(() => exercise.locator('.check-results .fail').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    // The student starts the exercise again and does it right: the mistake no longer counts.
    await exercise.getByRole('button', { name: 'Start the exercise again' }).click();
    await attempt('sockets\\n');
    await exercise.getByRole('button', { name: 'Check my work' }).click();
    await expect.poll(() => exercise.locator('.check-results li').count(), { timeout: 10_000 }).toBe(3);
    expect(await exercise.locator('.check-results .fail').allTextContents()).toEqual([]);
    await expect.poll(() => exercise.locator('h3').textContent()).toBe('Exercise ✓');
    expect(errors).toEqual([]);
    await page.goto(`${pg.url}#/lesson/${LESSON}`);
  });

  it('judges a line the student typed by hand when they press Check, and offers the next step', async () => {
    const panel = await openLesson('07-names-and-services');
    const steps = panel.locator('li.step');
    for (const i of [0, 1]) {
      await typeLine(page, 'client', (await steps.nth(i).locator('.step-line code').textContent())!);
      await steps.nth(i).getByRole('button', { name: 'Check' }).click();
      await expect
        .poll(() => steps.nth(i).locator('.step-status').textContent(), { timeout: 10_000 })
        .toBe('✓ passed');
    }
    await expect.poll(() => steps.nth(2).getByRole('button', { name: 'Check' }).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('goes back from a blocked line: the steps before replay, the blocked one is not judged failed', {
    timeout: 60_000,
  }, async () => {
    const panel = await openLesson('02-first-server');
    const status = panel.locator('li.step .step-status');
    const accept = (await panel.locator('li.step .step-line code').allTextContents()).findIndex((l) =>
      l.includes('accept()'),
    );
    expect(accept).toBeGreaterThan(0);
    await runSteps(panel, accept + 1, /^(✓ passed|◌ waiting in the kernel)$/);
    expect(await status.nth(accept).textContent()).toBe('◌ waiting in the kernel');
    await page.keyboard.press('Alt+PageUp');
    const n = await status.count();
    const replayed = Array.from({ length: n }, (_, i) => (i < accept ? '✓ passed' : ''));
    await expect.poll(() => status.allTextContents(), { timeout: 20_000 }).toEqual(replayed);
    // The accept that Back cancelled is not the student's failure: its step stays unjudged while the
    // judging it had started (up to 6 s) runs out.
    const until = Date.now() + 7500;
    while (Date.now() < until) {
      expect(await status.nth(accept).textContent()).toBe('');
      await page.waitForTimeout(250);
    }
    expect(errors).toEqual([]);
    await page.goto(`${pg.url}#/lesson/${LESSON}`);
  });

  it('gives the full-screen diagram all the width beside the steps', async () => {
    const panel = await openLesson(LESSON);
    await page.keyboard.press('Alt+f');
    await expect.poll(() => page.getByRole('region', { name: 'Program terminals' }).isVisible()).toBe(false);
    const viewport = page.viewportSize()!;
    const lesson = (await panel.boundingBox())!;
    const diagram = (await page.locator('.diagram').boundingBox())!;
    expect(lesson.width).toBeGreaterThan(200);
    expect(diagram.x).toBeGreaterThanOrEqual(lesson.x + lesson.width - 1);
    expect(diagram.x + diagram.width).toBeGreaterThan(viewport.width - 20);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('region', { name: 'Program terminals' }).isVisible()).toBe(true);
  });

  it("steps from a presenter's remote (PageDown, PageUp, →) unless a terminal has the keys", {
    timeout: 60_000,
  }, async () => {
    const fresh = await freshPage('02-first-server');
    try {
      const { page: p, panel } = fresh;
      const status = panel.locator('li.step .step-status');
      const run = panel.locator('.lesson-bar').getByRole('button', { name: /Run step/ });
      await p.keyboard.press('PageDown');
      await expect.poll(() => status.nth(0).textContent(), { timeout: 15_000 }).toBe('✓ passed');
      // In a terminal PageDown is the terminal's: no step runs, nothing is typed.
      await p.getByRole('textbox', { name: 'server terminal: type Python socket calls' }).focus();
      const typed = await terminalText(p, 'server');
      await p.keyboard.press('PageDown');
      await p.waitForTimeout(1500);
      expect(await run.textContent()).toBe('▶ Run step 2');
      expect(await terminalText(p, 'server')).toBe(typed);
      // Alt+PageDown steps from there all the same.
      await p.keyboard.press('Alt+PageDown');
      await expect.poll(() => status.nth(1).textContent(), { timeout: 15_000 }).toBe('✓ passed');
      // Back on the page, → steps, and PageUp goes back one.
      await panel.locator('h2').click();
      await p.keyboard.press('ArrowRight');
      await expect.poll(() => status.nth(2).textContent(), { timeout: 15_000 }).toBe('✓ passed');
      await p.keyboard.press('PageUp');
      await expect.poll(() => run.textContent(), { timeout: 20_000 }).toBe('▶ Run step 3');
      await expect
        .poll(() => status.allTextContents(), { timeout: 20_000 })
        .toEqual(Array.from({ length: await status.count() }, (_, i) => (i < 2 ? '✓ passed' : '')));
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("blanks the screen from a presenter's remote (B or .), and the key that wakes it does nothing else", {
    timeout: 60_000,
  }, async () => {
    const fresh = await freshPage('02-first-server');
    try {
      const { page: p, panel } = fresh;
      const blank = p.locator('.blank-screen');
      const run = panel.locator('.lesson-bar').getByRole('button', { name: /Run step/ });
      await panel.locator('h2').click();
      await p.keyboard.press('b');
      await expect.poll(() => blank.isVisible()).toBe(true);
      // Black over the whole page, the lesson's text hidden under it.
      const box = await blank.boundingBox();
      expect(box).toMatchObject({ x: 0, y: 0, width: 1600, height: 900 });
      expect(await blank.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
      expect(
        await p.evaluate(() => document.elementFromPoint(300, 300)?.closest('.blank-screen') !== null),
      ).toBe(true);
      // The remote's next button wakes the page, and runs no step.
      await p.keyboard.press('PageDown');
      await expect.poll(() => blank.count()).toBe(0);
      await p.waitForTimeout(1000);
      expect(await run.textContent()).toBe('▶ Run step 1');
      // "." blanks it too; a click brings it back.
      await p.keyboard.press('.');
      await expect.poll(() => blank.isVisible()).toBe(true);
      await blank.click();
      await expect.poll(() => blank.count()).toBe(0);
      // Typed into a terminal, B and . are text: the screen stays.
      await p.getByRole('textbox', { name: 'server terminal: type Python socket calls' }).focus();
      await p.keyboard.type('b.');
      await expect.poll(() => terminalText(p, 'server')).toContain('>>> b.');
      expect(await blank.count()).toBe(0);
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('gets past a failed step: ⤼ Skip on it, or the next press once a second try failed too', {
    timeout: 90_000,
  }, async () => {
    const fresh = await freshPage('02-first-server');
    try {
      const { page: p, panel } = fresh;
      const steps = panel.locator('li.step');
      const status = panel.locator('li.step .step-status');
      await runSteps(panel, 2, /^✓ passed$/, p);
      // The presenter closed s by hand: step 3, s.listen(5), can only fail now.
      const breakIt = async () => {
        const prompts = (await terminalText(p, 'server')).split('>>>').length;
        await typeLine(p, 'server', 's.close()');
        await expect
          .poll(async () => (await terminalText(p, 'server')).split('>>>').length)
          .toBeGreaterThan(prompts);
      };
      await breakIt();
      await p.keyboard.press('Alt+PageDown');
      await expect.poll(() => status.nth(2).textContent(), { timeout: 15_000 }).toBe('✗ not yet');
      expect(await mainButton(panel).textContent()).toBe('▶ Run step 3 again');
      // With the mouse: ⤼ Skip on the failed step, and the lesson goes on.
      await steps.nth(2).getByRole('button', { name: '⤼ Skip' }).click();
      await expect.poll(() => status.nth(2).textContent()).toBe('⤼ skipped');
      expect(await mainButton(panel).textContent()).toBe('▶ Run step 4');
      // From the remote: back to step 3 (steps 1-2 replayed on fresh sockets), broken again. The
      // first press fails, the second tries once more and fails, the third moves on.
      await p.keyboard.press('PageUp');
      await expect.poll(() => mainButton(panel).textContent(), { timeout: 20_000 }).toBe('▶ Run step 3');
      await breakIt();
      await p.keyboard.press('Alt+PageDown');
      await expect
        .poll(() => mainButton(panel).textContent(), { timeout: 15_000 })
        .toBe('▶ Run step 3 again');
      await p.keyboard.press('Alt+PageDown');
      await expect.poll(() => mainButton(panel).textContent(), { timeout: 15_000 }).toBe('⤼ Skip step 3');
      expect(await status.nth(2).textContent()).toBe('✗ not yet');
      await p.keyboard.press('Alt+PageDown');
      await expect.poll(() => status.nth(2).textContent()).toBe('⤼ skipped');
      expect(await mainButton(panel).textContent()).toBe('▶ Run step 4');
      // Skipped, not passed: the failed checks stay to be read.
      expect(await steps.nth(2).locator('.check-results .fail').count()).toBeGreaterThan(0);
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('resumes after a reload and in a second tab by replaying the steps done before, not by typing the next into empty terminals', {
    timeout: 60_000,
  }, async () => {
    const fresh = await freshPage('02-first-server');
    try {
      const { page: p, panel } = fresh;
      const status = panel.locator('li.step .step-status');
      await runSteps(panel, 3, /^✓ passed$/, p);
      await p.reload();
      await expect.poll(() => panel.locator('li.step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => p.getByRole('status').first().textContent()).toContain('connected');
      // Step 4 (accept) would meet a server terminal where s was never defined: the lesson says so,
      // keeps the ✓ marks, and its Run button (PageDown) replays steps 1-3 first.
      await expect.poll(() => mainButton(panel).textContent()).toBe('▶ Replay steps 1–3');
      expect(await panel.locator('.lesson-gap').textContent()).toMatch(/ran in another page session/);
      expect((await status.allTextContents()).slice(0, 4)).toEqual(['✓ passed', '✓ passed', '✓ passed', '']);
      // The page's welcome back says where the way on is.
      expect(await p.locator('.banner', { hasText: 'Welcome back' }).textContent()).toMatch(
        /replay the steps/,
      );
      await p.keyboard.press('PageDown');
      await expect.poll(() => mainButton(panel).textContent(), { timeout: 20_000 }).toBe('▶ Run step 4');
      expect(await panel.locator('.lesson-gap').count()).toBe(0);
      await p.keyboard.press('PageDown');
      await expect
        .poll(() => status.nth(3).textContent(), { timeout: 15_000 })
        .toBe('◌ waiting in the kernel');
      expect(await terminalText(p, 'server')).not.toMatch(/Error/);
      // A second tab shares the progress, not the terminals: it offers the same way on.
      const second = await p.context().newPage();
      const secondErrors = watchErrors(second);
      await second.goto(`${pg.url}#/lesson/02-first-server`);
      const secondPanel = second.getByRole('complementary', { name: /^Lesson: / });
      await expect
        .poll(() => mainButton(secondPanel).textContent(), { timeout: 10_000 })
        .toBe('▶ Replay steps 1–3');
      await second.close();
      expect(secondErrors).toEqual([]);
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('starts on fresh sockets when the page, reloaded, resumed a session that still holds the lesson port', {
    timeout: 60_000,
  }, async () => {
    const fresh = await freshPage('02-first-server');
    try {
      const { page: p, panel } = fresh;
      // Sandbox work first: a listener on the port the lesson's bind will ask for.
      const bind = (await panel.locator('li.step').nth(1).locator('.step-line code').textContent())!;
      const port = /(\d{4,5})\)\)/.exec(bind)?.[1];
      expect(port).toBeDefined();
      await typeLine(p, 'server', `old = socket.socket(); old.bind(('127.0.0.1', ${port})); old.listen()`);
      await expect.poll(() => p.locator('.inspector').textContent()).toContain('LISTEN');
      // A reload within the grace period gives the page back the same session and its listener.
      await p.reload();
      await expect.poll(() => p.getByRole('status').first().textContent()).toContain('connected');
      await expect.poll(() => p.locator('.inspector').textContent()).toContain('LISTEN');
      // Step 1 sets the lesson on sockets of its own, so step 2's bind is the lesson's, not EADDRINUSE.
      await runSteps(panel, 3, /^✓ passed$/, p);
      expect(await terminalText(p, 'server')).not.toContain('EADDRINUSE');
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('closes the terminals a lesson opened when it restarts, and opens them again when a step needs them', {
    timeout: 60_000,
  }, async () => {
    const fresh = await freshPage('04-the-backlog');
    try {
      const { page: p, panel } = fresh;
      const heads = p.getByRole('region', { name: 'Program terminals' }).locator('.program-head h2');
      const names = async () => (await heads.allTextContents()).map((h) => h.split(' ')[0]);
      // Step 5 is client2's connect: its terminal opens for it.
      await runSteps(panel, 5, /^✓ passed$/, p);
      await expect.poll(names).toEqual(['server', 'client', 'client2']);
      await panel.getByRole('button', { name: /Restart/ }).click();
      await expect.poll(() => mainButton(panel).textContent(), { timeout: 15_000 }).toBe('▶ Run step 1');
      await expect.poll(names).toEqual(['server', 'client']);
      await runSteps(panel, 5, /^✓ passed$/, p);
      await expect.poll(names).toEqual(['server', 'client', 'client2']);
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("opens a finished lesson over another lesson's terminals and offers to start it on its own", {
    timeout: 90_000,
  }, async () => {
    const fresh = await freshPage('01-first-client');
    try {
      const { page: p, panel } = fresh;
      const steps = panel.locator('li.step');
      await runSteps(panel, await steps.count(), /^✓ passed$/, p);
      // Its connect to the echo server (lesson 3's steps connect elsewhere).
      const connect = (await steps.nth(1).locator('.step-line code').textContent())!;
      expect(connect).toMatch(/connect/);
      expect(await terminalText(p, 'client')).toContain(connect);
      // Lesson 3 was finished on another day.
      await p.evaluate((id) => {
        const key = 'socket-playground:progress';
        const all = JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
        localStorage.setItem(key, JSON.stringify({ ...all, [id]: { done: 99, exercise: false } }));
      }, LESSON);
      await p.goto(`${pg.url}#/lesson/${LESSON}`);
      await expect.poll(() => panel.locator('h2').textContent()).toMatch(/bind/i);
      const n = await steps.count();
      await expect.poll(() => mainButton(panel).textContent()).toBe(`▶ Replay steps 1–${n}`);
      expect(await panel.locator('.lesson-gap').textContent()).toContain(
        'These terminals hold the lesson “Your first client”',
      );
      await p.keyboard.press('PageDown');
      await expect.poll(() => mainButton(panel).textContent(), { timeout: 60_000 }).toBe('✓ All steps done');
      expect(new Set(await panel.locator('li.step .step-status').allTextContents())).toEqual(
        new Set(['✓ passed']),
      );
      // Its own terminals now: lesson 1's lines are gone with the old ones.
      expect(await terminalText(p, 'client')).not.toContain(connect);
      expect(fresh.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('keeps its progress across a reload, and offers to replay the finished steps on the new terminals', async () => {
    await page.reload();
    const panel = page.getByRole('complementary', { name: /^Lesson: / });
    await expect.poll(() => panel.count(), { timeout: 10_000 }).toBe(1);
    // Every step is marked done (history), but the new terminals ran none of them: the next move
    // replays them (the exercise needs their sockets), instead of there being none.
    const n = await panel.locator('li.step').count();
    await expect.poll(() => mainButton(panel).textContent()).toBe(`▶ Replay steps 1–${n}`);
    expect(await mainButton(panel).isDisabled()).toBe(false);
    expect(new Set(await panel.locator('li.step .step-status').allTextContents())).toEqual(
      new Set(['✓ passed']),
    );
    // The exercise is judged on these terminals' work: not before the replay.
    expect(await panel.getByRole('button', { name: 'Check my work' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'All lessons' }).click();
    const list = page.getByRole('complementary', { name: 'Lessons' });
    await expect.poll(() => list.textContent()).toContain('steps done');
  });

  it('opens a lesson on a 1366×768 projector with its title and controls in view, and keeps the controls in reach while it steps', {
    timeout: 60_000,
  }, async () => {
    const small = await freshPage('02-first-server', { width: 1366, height: 768 });
    try {
      const { panel } = small;
      const run = panel.getByRole('button', { name: /Run step/ });
      // At step 1 the student reads from the top: the title, the goal, then the prose.
      await small.page.waitForTimeout(300);
      expect(await panel.evaluate((el) => el.scrollTop)).toBe(0);
      expect(await inView(panel, panel.locator('h2'))).toBe(true);
      expect(await inView(panel, panel.locator('.lesson-goal'))).toBe(true);
      expect(await inView(panel, run)).toBe(true);
      // Stepping on, the panel follows the current step, and Run, Back and Restart stay in reach.
      await runSteps(panel, 3, /^✓ passed$/, small.page);
      const current = panel.locator('li.step[aria-current="step"]');
      await expect.poll(() => inView(panel, current.locator('.step-line'))).toBe(true);
      for (const name of [/Run step 4/, /Back/, /Restart/]) {
        expect(await inView(panel, panel.getByRole('button', { name }))).toBe(true);
      }
      expect(small.errors).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it("shows lesson 5's point on a 1366×768 projector: every accepted socket's port in the inspector, on screen", {
    timeout: 60_000,
  }, async () => {
    const small = await freshPage('05-same-port', { width: 1366, height: 768 });
    try {
      const { panel } = small;
      const port = /s\.bind\(\('127\.0\.0\.1', (\d+)\)\)/.exec((await panel.textContent()) ?? '')?.[1];
      expect(port).toBeTruthy();
      await runSteps(panel, 4, /^✓ passed$/, small.page);
      // The lesson says: look at the inspector, three server sockets, all on the server's port. With the
      // lesson beside it the table is narrow, so each socket's addresses sit on a line under its row.
      const inspector = small.page.getByRole('region', { name: 'Socket inspector' });
      // Sockets with an fd: a TIME_WAIT left on this port by an earlier session of this test file,
      // whose block of ports this one was given, is the kernel's own (a kernel-only row).
      const cells = inspector.locator('tr:not(.kernel-only) td:visible', { hasText: `127.0.0.1:${port}` });
      // The listener and the two accepted sockets (local), and the two clients (remote).
      await expect.poll(() => cells.count()).toBe(5);
      const box = (await inspector.boundingBox())!;
      for (const cell of await cells.all()) {
        const b = (await cell.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(box.x);
        expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      }
      await small.page.screenshot({ path: `${ARTIFACTS}/lesson-05-inspector-1366.png` });
      expect(small.errors).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('shows every lesson whole in its column on a 1366×768 projector: no line runs off the side', {
    timeout: 60_000,
  }, async () => {
    const small = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const smallErrors = watchErrors(small);
    try {
      await small.goto(`${pg.url}#/lessons`);
      const list = small.getByRole('complementary', { name: 'Lessons' });
      await expect.poll(() => list.locator('.course a').count(), { timeout: 10_000 }).toBeGreaterThan(10);
      const ids = await list
        .locator('.course a')
        .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).hash.replace('#/lesson/', '')));
      const cut: string[] = [];
      for (const id of ids) {
        await small.goto(`${pg.url}#/lesson/${id}`);
        const panel = small.getByRole('complementary', { name: /^Lesson: / });
        await expect.poll(() => panel.locator('li.step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        const over = await panel.evaluate((el) => el.scrollWidth - el.clientWidth);
        if (over > 1) cut.push(`${id}: ${over}px wider than its column`);
      }
      expect(cut).toEqual([]);
      expect(smallErrors).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
