// select.select at the prompt: what it sends the gateway, what it gives back, and its mistakes in
// CPython 3.11's words (each expected error line is what python3 printed for the same call).

import { describe, expect, it, vi } from 'vitest';
import type { Call } from '../../../gateway/protocol/messages.js';
import { FakeBackend, prompt } from './fake-backend.js';

async function withSockets(backend = new FakeBackend()) {
  const p = prompt(backend);
  await p.run('import select');
  // h1 and h2 (fds 3 and 4).
  await p.run('a = socket.socket(); b = socket.socket()');
  return p;
}

const selects = (backend: FakeBackend) =>
  backend.calls.filter((c): c is Extract<Call, { op: 'select' }> => c.op === 'select');

describe('select.select', () => {
  it('asks the gateway once, and returns the very objects that are ready, in a tuple of three lists', async () => {
    const backend = new FakeBackend().feed('h2', 'hi');
    const { run } = await withSockets(backend);
    expect(await run('r, w, x = select.select([a, b], [a], [b], 2.5)')).toEqual([]);
    expect(selects(backend)).toEqual([
      { op: 'select', read: ['h1', 'h2'], write: ['h1'], except: ['h2'], timeout: 2.5 },
    ]);
    expect(await run('r[0] is b, len(r), w == [a], x')).toEqual(['(True, 1, True, [])']);
    expect(await run('type(select.select([], [], [], 0))')).toEqual(["<class 'tuple'>"]);
    expect(selects(backend).at(-1)?.timeout).toBe(0);
  });

  it('blocks by default (timeout None), sends each socket once, and keeps duplicates as CPython does', async () => {
    const backend = new FakeBackend().feed('h1', 'x');
    const { run } = await withSockets(backend);
    expect(await run('select.select([a, a, b], (), [])[0] == [a, a]')).toEqual(['True']);
    expect(selects(backend)[0]).toMatchObject({ read: ['h1', 'h2'], write: [], timeout: null });
  });

  it('serves several clients from one loop, the way a select server is written', async () => {
    const backend = new FakeBackend().feed('h1', 'one').feed('h2', 'two');
    const { run } = await withSockets(backend);
    await run(
      [
        'answers = []',
        'for s in select.select([a, b], [], [])[0]:',
        '    answers.append(s.recv(10).upper())',
        '',
      ].join('\n'),
    );
    expect(await run('answers')).toEqual(["[b'ONE', b'TWO']"]);
  });

  it('words mistakes as CPython does, before asking the kernel anything', async () => {
    const backend = new FakeBackend();
    const { run } = await withSockets(backend);
    await run('c = socket.socket(); c.close()');
    const lines = async (src: string) => (await run(src)).filter((l) => !l.startsWith('  ↳'));
    expect(await lines('select.select([c], [], [])')).toEqual([
      'ValueError: file descriptor cannot be a negative integer (-1)',
    ]);
    expect(await lines('select.select(5, [], [])')).toEqual(['TypeError: arguments 1-3 must be sequences']);
    expect(await lines("select.select(['a'], [], [])")).toEqual([
      'TypeError: argument must be an int, or have a fileno() method.',
    ]);
    expect(await lines('select.select([1.5], [], [])')).toEqual([
      'TypeError: argument must be an int, or have a fileno() method.',
    ]);
    expect(await lines('select.select([], [], [], -1)')).toEqual([
      'ValueError: timeout must be non-negative',
    ]);
    expect(await lines("select.select([], [], [], 'a')")).toEqual([
      'TypeError: timeout must be a float or None',
    ]);
    expect(await lines('select.select()')).toEqual([
      'TypeError: select expected at least 3 arguments, got 0',
    ]);
    expect(await lines('select.select([], [], [], 0, 1)')).toEqual([
      'TypeError: select expected at most 4 arguments, got 5',
    ]);
    expect(await lines('select.select([], [], [], timeout=0)')).toEqual([
      'TypeError: select.select() takes no keyword arguments',
    ]);
    expect(await lines('select.select([-3], [], [], 0)')).toEqual([
      'ValueError: file descriptor cannot be a negative integer (-3)',
    ]);
    expect(await lines('select.select([9999], [], [], 0)')).toEqual([
      'ValueError: filedescriptor out of range in select()',
    ]);
    expect(selects(backend)).toEqual([]);
    // A playground limit is said as one.
    expect(await lines('select.select([a.fileno()], [], [])')).toEqual([
      'PermissionError: [Errno 13] [playground] select() here watches socket objects: pass the socket itself, not its fileno()',
    ]);
    expect(await lines('select.select([a], [], [], 100000)')).toEqual([
      'PermissionError: [Errno 13] [playground] timeouts are limited to 86400 seconds here',
    ]);
    expect(await lines('select.error is OSError')).toEqual(['True']);
  });

  it('is stopped by Ctrl-C while it waits, and a server loop that swallows it does not wait again', async () => {
    const backend = new FakeBackend().hang('select');
    const { py } = await withSockets(backend);
    const ctrlC = new AbortController();
    const pending = py.run(
      'while True:\n    try:\n        select.select([a, b], [], [])\n    except:\n        pass\n',
      ctrlC.signal,
    );
    await vi.waitFor(() => expect(backend.calls.at(-1)?.op).toBe('select'));
    ctrlC.abort();
    expect(await pending).toEqual({ lines: ['KeyboardInterrupt'], error: true });
    expect(selects(backend)).toHaveLength(1);
    // The gateway was given the same signal, so the call is cancelled there too.
    expect(backend.signals.at(-1)?.aborted).toBe(true);
  });

  it('says what it does in help()', async () => {
    const { run } = prompt();
    await run('import select');
    expect((await run('help(select.select)'))[0]).toMatch(/^select\(rlist, wlist, xlist\[, timeout\]\) -> /);
    expect((await run('help()')).join('\n')).toContain('select.select(rlist, wlist, xlist[, timeout])');
  });

  it('needs import select first, and says so', async () => {
    const { run } = prompt();
    expect((await run('select.select([], [], [], 0)')).join('\n')).toContain('import select');
  });
});
