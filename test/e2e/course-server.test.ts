// A class on a course server, seen from a student's page: the gateway behind it restarted with a new
// access token. A browser is never told why its WebSocket is refused, so the page must find out and
// show the gateway's own explanation, instead of "reconnecting" for ever.

import { describe, expect, it } from 'vitest';
import { launchBrowser, type Playground, startPlayground } from '../support/browser.js';

const MONDAY = 'monday-token-0123456789';
const TUESDAY = 'tuesday-token-0123456789';

describe('a page on a course server', () => {
  it('shows why when its gateway comes back with a new access token, and opens again with the new link', {
    timeout: 60_000,
  }, async () => {
    const first = await startPlayground(['--token', MONDAY]);
    let second: Playground | null = null;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${first.url}?token=${MONDAY}`);
      const status = () => page.getByRole('status').first().textContent();
      await expect.poll(status, { timeout: 10_000 }).toContain('connected');
      // The instructor restarts the gateway on the same port with another token.
      await first.stop();
      second = await startPlayground(['--port', String(first.port), '--token', TUESDAY]);
      await expect
        .poll(() => page.locator('body').textContent(), { timeout: 20_000 })
        .toContain('no longer opens this playground');
      expect(await page.locator('body').textContent()).toContain('Open the link your instructor gave you');
      // The new link opens it again.
      await page.goto(`${second.url}?token=${TUESDAY}`);
      await expect.poll(status, { timeout: 10_000 }).toContain('connected');
    } finally {
      await browser.close();
      await first.stop();
      await second?.stop();
    }
  });
});
