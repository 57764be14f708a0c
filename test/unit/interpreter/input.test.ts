// input() at the prompt: seed 001's client asks "Enter a string: " and sends what was typed.
// Expected lines are python3's own (checked in a pty: python3 -q, the same lines typed).

import { describe, expect, it, vi } from 'vitest';
import { Interpreter, type Keyboard } from '../../../web/src/interpreter/index.js';
import { FakeBackend } from './fake-backend.js';

/** A keyboard that answers input() with the given lines in turn (null: Ctrl-D), and keeps each prompt shown. */
function typist(...answers: (string | null)[]) {
  const shown: string[] = [];
  const keyboard: Keyboard = async (prompt) => {
    shown.push(prompt);
    if (answers.length === 0) throw new Error(`nothing left to type at ${JSON.stringify(prompt)}`);
    return answers.shift()!;
  };
  return { shown, keyboard };
}

function promptWith(keyboard?: Keyboard, backend = new FakeBackend()) {
  const py = new Interpreter(backend, { program: 'client', keyboard });
  const streamed: string[] = [];
  const run = async (source: string) => (await py.run(source, undefined, (l) => streamed.push(l))).lines;
  return { py, backend, run, streamed };
}

describe('input()', () => {
  it('returns the typed line and sends it, as seed 001 client does', async () => {
    const { shown, keyboard } = typist('hello world');
    const { run, backend } = promptWith(keyboard);
    backend.feed('h1', 'HELLO WORLD');
    expect(await run('s = socket.socket()\ns.connect(("127.0.0.1", 5300))\n')).toEqual([]);
    expect(await run('mesg = input("Enter a string: ")')).toEqual(['Enter a string: hello world']);
    expect(shown).toEqual(['Enter a string: ']);
    expect(await run('s.send(mesg.encode())')).toEqual(['11']);
    expect(await run('s.recv(1024).decode()')).toEqual(["'HELLO WORLD'"]);
    expect(backend.calls.find((c) => c.op === 'send')).toMatchObject({ data: 'aGVsbG8gd29ybGQ=' });
  });

  it('shows the last line of its prompt, after what print(end="") left, and prints the lines before it', async () => {
    const { shown, keyboard } = typist('2', '');
    const { run, streamed } = promptWith(keyboard);
    const lines = await run(
      'print("1. Add", end="")\nchoice = input("\\n2. Find\\nChoose an option[1-2] ")\nname = input()\n',
    );
    expect(shown).toEqual(['Choose an option[1-2] ', '']);
    expect(lines).toEqual(['1. Add', '2. Find', 'Choose an option[1-2] 2', '']);
    // The prompt and the typed text are already on the terminal: not streamed a second time.
    expect(streamed).toEqual(['1. Add', '2. Find']);
    expect(await run('choice, name')).toEqual(["('2', '')"]);
  });

  it('turns its prompt into a str, as Python does', async () => {
    const { shown, keyboard } = typist('abc');
    const { run } = promptWith(keyboard);
    expect(await run('input(5)')).toEqual(['5abc', "'abc'"]);
    expect(shown).toEqual(['5']);
  });

  it('reads one line per call inside a loop, until the student types quit', async () => {
    const { keyboard } = typist('one', 'two', 'quit');
    const { run } = promptWith(keyboard);
    const lines = await run(
      'while True:\n    m = input("> ")\n    if m == "quit":\n        break\n    print(m.upper())\n',
    );
    expect(lines).toEqual(['> one', 'ONE', '> two', 'TWO', '> quit']);
  });

  it('raises EOFError at Ctrl-D, which except can catch', async () => {
    const { keyboard } = typist(null, null);
    const { run } = promptWith(keyboard);
    expect(await run('x = input("name: ")')).toEqual(['name: ', 'EOFError']);
    expect(await run('try:\n    input()\nexcept EOFError:\n    print("bye")\n')).toEqual(['', 'bye']);
  });

  it('raises KeyboardInterrupt at Ctrl-C while it waits', async () => {
    const keyboard = vi.fn<Keyboard>(() => new Promise(() => {}));
    const { py } = promptWith(keyboard);
    const ctrlC = new AbortController();
    const pending = py.run('x = input("name: ")', ctrlC.signal);
    await vi.waitFor(() => expect(keyboard).toHaveBeenCalled());
    expect(keyboard.mock.calls[0]![1]).toBe(ctrlC.signal);
    ctrlC.abort();
    expect(await pending).toEqual({ lines: ['KeyboardInterrupt'], error: true });
  });

  it('refuses keywords and a second argument in CPython words', async () => {
    const { keyboard } = typist();
    const { run } = promptWith(keyboard);
    expect(await run('input(prompt="x")')).toEqual(['TypeError: input() takes no keyword arguments']);
    expect(await run('input(1, 2)')).toEqual(['TypeError: input expected at most 1 argument, got 2']);
  });

  it('raises EOFError with a hint where nothing can be typed', async () => {
    const { run } = promptWith();
    expect(await run('input("x")')).toEqual([
      'EOFError',
      '  ↳ Nothing can be typed to this program: put the text in a variable.',
    ]);
  });

  it('points raw_input, the Python 2 name, at input', async () => {
    const { run } = promptWith(typist().keyboard);
    expect(await run('raw_input("name: ")')).toEqual([
      "NameError: name 'raw_input' is not defined",
      '  ↳ raw_input() is Python 2; in Python 3 it is input().',
    ]);
  });
});
