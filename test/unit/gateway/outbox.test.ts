// What a page receives, frame by frame: one frame per turn of the loop, a write's lazy reply leaving
// with the echo that follows it, and never held longer than LAZY_MS when no echo comes.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LAZY_MS, Outbox, OutboxSchedule, type Outgoing } from '../../../gateway/outbox.js';
import { decodeRecords } from '../../../gateway/protocol/records.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tab(schedule: OutboxSchedule) {
  const frames: { at: number; text: Outgoing }[] = [];
  const box = new Outbox(schedule, (text) => frames.push({ at: performance.now(), text }));
  // A binary frame as its bytes' list, so that Buffer and Uint8Array compare alike.
  const texts = () => frames.map((f) => (typeof f.text === 'string' ? f.text : [...f.text]));
  return { box, frames, texts };
}

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('outbox', () => {
  it('sends the messages of one turn as one frame, a single message as itself', async () => {
    const schedule = new OutboxSchedule();
    const a = tab(schedule);
    a.box.push('{"n":1}', false);
    a.box.push('{"n":2}', false);
    a.box.push('{"n":3}', true);
    expect(a.frames).toEqual([]);
    await nextTurn();
    expect(a.texts()).toEqual(['[{"n":1},{"n":2},{"n":3}]']);
    a.box.push('{"n":4}', false);
    await nextTurn();
    expect(a.texts()[1]).toBe('{"n":4}');
    expect(JSON.parse(a.texts()[0] as string)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('sends binary records back to back in one binary frame, with the JSON messages of the same turn among them', async () => {
    const schedule = new OutboxSchedule();
    const a = tab(schedule);
    a.box.push(bytes(1, 2), true);
    a.box.push(bytes(3), false);
    await nextTurn();
    expect(a.texts()).toEqual([[1, 2, 3]]);
    a.box.push('{"n":1}', false);
    a.box.push(bytes(2, 1, 2), false);
    a.box.push('{"n":2}', false);
    await nextTurn();
    // One frame, in the order they were made: the JSON messages as records (kind 4, length, text).
    const frame = a.frames[1]!.text as Uint8Array;
    expect(a.frames).toHaveLength(2);
    expect(decodeRecords(frame.subarray(0, 12))).toEqual([{ n: 1 }]);
    expect([...frame.subarray(12, 15)]).toEqual([2, 1, 2]);
    expect(decodeRecords(frame.subarray(15))).toEqual([{ n: 2 }]);
    // A turn with JSON only is still one JSON frame.
    a.box.push('{"n":3}', false);
    a.box.push('{"n":4}', false);
    await nextTurn();
    expect(a.texts()[2]).toBe('[{"n":3},{"n":4}]');
  });

  it('holds a lazy message for the next urgent one, in order', async () => {
    const schedule = new OutboxSchedule();
    const a = tab(schedule);
    a.box.push('"written"', true);
    await sleep(5);
    expect(a.frames).toEqual([]);
    a.box.push('"echo"', false);
    await nextTurn();
    expect(a.texts()).toEqual(['["written","echo"]']);
    // Nothing is sent again when the lazy deadline passes: it already left.
    await sleep(LAZY_MS + 20);
    expect(a.frames).toHaveLength(1);
  });

  it('sends a lazy message alone once it has waited LAZY_MS, each tab on its own deadline', async () => {
    const schedule = new OutboxSchedule();
    const a = tab(schedule);
    const b = tab(schedule);
    const t0 = performance.now();
    a.box.push('"a"', true);
    await sleep(LAZY_MS / 2);
    b.box.push('"b"', true);
    await sleep(LAZY_MS + 40);
    expect(a.texts()).toEqual(['"a"']);
    expect(b.texts()).toEqual(['"b"']);
    const aWaited = a.frames[0]!.at - t0;
    const bWaited = b.frames[0]!.at - t0;
    expect(aWaited).toBeGreaterThanOrEqual(LAZY_MS - 1);
    // b began waiting half a deadline later and was not sent with a (it had waited only half).
    expect(bWaited - aWaited).toBeGreaterThan(LAZY_MS / 4);
  });

  it('keeps many tabs apart, each frame holding only its own messages', async () => {
    const schedule = new OutboxSchedule();
    const tabs = Array.from({ length: 50 }, () => tab(schedule));
    tabs.forEach((t, i) => {
      t.box.push(`"w${i}"`, true);
      if (i % 2 === 0) t.box.push(`"e${i}"`, false);
    });
    await nextTurn();
    tabs.forEach((t, i) => {
      expect(t.texts()).toEqual(i % 2 === 0 ? [`["w${i}","e${i}"]`] : []);
    });
    await sleep(LAZY_MS + 30);
    tabs.forEach((t, i) => {
      expect(t.texts()).toEqual(i % 2 === 0 ? [`["w${i}","e${i}"]`] : [`"w${i}"`]);
    });
  });

  it('sends nothing for a tab that went away', async () => {
    const schedule = new OutboxSchedule();
    const a = tab(schedule);
    a.box.push('"lost"', false);
    a.box.drop();
    await nextTurn();
    await sleep(LAZY_MS + 20);
    expect(a.frames).toEqual([]);
  });

  it('keeps what a closing tab has yet to receive, and gives it back in order', async () => {
    const frames: Outgoing[] = [];
    let open = true;
    const box = new Outbox(
      new OutboxSchedule(),
      (f) => frames.push(f),
      () => open,
    );
    box.push('{"n":1}', true);
    box.push(bytes(7, 7), true);
    open = false;
    box.push('{"n":2}', false);
    await nextTurn();
    await sleep(LAZY_MS + 20);
    expect(frames).toEqual([]);
    expect(box.takeBack()).toEqual(['{"n":1}', bytes(7, 7), '{"n":2}']);
    expect(box.takeBack()).toEqual([]);
  });
});
