// Where the real engine cannot load, the playground still runs on node:net and says what it merges.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOf } from '../../gateway/protocol/messages.js';
import { type Playground, startPlayground } from '../support/browser.js';
import { Page } from '../support/ws-client.js';

let pg: Playground;
beforeAll(async () => {
  pg = await startPlayground(['--engine', 'fallback']);
});
afterAll(async () => {
  await pg.stop();
});

describe('the fallback engine', () => {
  it('is announced at start with the steps it merges', () => {
    expect(pg.output()).toMatch(/engine\s+fallback/);
    expect(pg.output()).toMatch(/merged: .*bind\(\)/);
  });

  it('tells the page, and still talks to a lesson server', async () => {
    const p = await Page.open(`ws://localhost:${pg.port}/ws`, { Origin: `http://localhost:${pg.port}` });
    const w = await p.hello();
    expect(w.engine.kind).toBe('fallback');
    expect(w.engine.merges.length).toBeGreaterThan(3);
    const socket = await p.connectTo('client', w, 'echo');
    await p.ok('client', { op: 'sendall', socket, data: Buffer.from('ping').toString('base64') });
    const r = await p.ok<ResultOf<'recv'>>('client', { op: 'recv', socket, bufsize: 100 });
    expect(Buffer.from(r.data, 'base64').toString()).toBe('ping');
    await p.close();
  });
});
