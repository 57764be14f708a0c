// A student types seed 001's capitalize server and a client into two terminals of the real page,
// against the real gateway, and sees HELLO; the diagram and the kernel agree on what happened.

import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchBrowser,
  type Playground,
  ssPort,
  startPlayground,
  terminalText,
  typeAsLesson,
  typeLine,
  until,
  watchErrors,
} from '../support/browser.js';

let browser: Browser;
let pg: Playground;
let page: Page;
let errors: string[];
let ports: number[];

beforeAll(async () => {
  pg = await startPlayground();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  errors = watchErrors(page);
  await page.goto(pg.url);
  await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
  const facts = (await page.locator('.session-facts').textContent()) ?? '';
  const m = /(\d+)–(\d+)/.exec(facts);
  if (!m) throw new Error(`no ports shown: ${facts}`);
  ports = [Number(m[1]), Number(m[1]) + 1];
});

afterEach(async () => {
  await page?.close();
});

const log = async () =>
  (await page.getByRole('log', { name: 'Event log' }).locator('li').allTextContents()).join('\n');

describe('program terminals', () => {
  it('tell a page with no sockets yet from one whose sockets are all closed, in the inspector', async () => {
    const inspector = page.getByRole('region', { name: 'Socket inspector' });
    await expect.poll(() => inspector.textContent()).toContain('No sockets yet');
    await typeLine(page, 'server', 'u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)');
    await expect.poll(() => inspector.textContent()).toContain('UNCONN');
    await typeLine(page, 'server', 'u.close()');
    // A UDP socket leaves nothing behind in the kernel: the table is empty again, and says why.
    await expect
      .poll(() => inspector.textContent())
      .toContain('No open sockets: every socket of this page is closed');
    expect(await inspector.textContent()).not.toContain('No sockets yet');
    expect(errors).toEqual([]);
  });

  it('run the capitalize server and a client for real: the reply is HELLO and the diagram shows every step', async () => {
    const port = ports[0]!;
    for (const line of [
      'import socket',
      's = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
      's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
      `s.bind(("127.0.0.1", ${port}))`,
      's.listen(5)',
    ]) {
      await typeLine(page, 'server', line);
    }
    await until(
      () => Promise.resolve(ssPort(port)),
      (rows) => rows.some((r) => r.startsWith('LISTEN')),
      'the kernel to list the listener',
    );
    await typeLine(page, 'server', 'conn, addr = s.accept()');
    // accept() waits: the client connects afterwards.
    await typeLine(page, 'client', 'c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)');
    await typeLine(page, 'client', `c.connect(("127.0.0.1", ${port}))`);
    await typeLine(page, 'client', 'c.sendall(b"hello")');
    await until(
      () => terminalText(page, 'server'),
      (t) => /conn, addr = s\.accept\(\)\n>>> $/m.test(t) || t.trimEnd().endsWith('>>>'),
      'accept to return',
    );
    await typeLine(page, 'server', 'data = conn.recv(1024)');
    await typeLine(page, 'server', 'conn.sendall(data.decode().upper().encode())');
    await typeLine(page, 'client', 'c.recv(1024)');
    await until(
      () => terminalText(page, 'client'),
      (t) => t.includes("b'HELLO'"),
      "b'HELLO' in the client terminal",
    );

    // The diagram's text log has the calls in order, and the handshake before accept returned.
    await page.getByText('Event log (text)').click();
    const text = await log();
    const at = (s: string) => text.indexOf(s);
    expect(at('server: socket(AF_INET, SOCK_STREAM)')).toBeGreaterThanOrEqual(0);
    expect(at(`bind(('127.0.0.1', ${port}))`)).toBeGreaterThan(at('server: socket('));
    expect(at('listen(5)')).toBeGreaterThan(at('bind('));
    expect(at('SYN (inferred')).toBeGreaterThan(at('accept()'));
    expect(at('→ fd')).toBeGreaterThan(0);
    expect(text).toMatch(/ACK \(inferred[^\n]*\n(.*\n)*.*→ fd \d+ ← \('127\.0\.0\.1', \d+\)/);
    expect(text).toContain("5 bytes b'hello'");
    expect(text).toContain("5 bytes b'HELLO'");

    // The inspector shows the states the kernel reports, and `ss` agrees.
    const inspector = page.getByRole('region', { name: 'Socket inspector' });
    await expect.poll(() => inspector.textContent()).toContain('LISTEN');
    await expect.poll(() => inspector.textContent()).toContain('ESTABLISHED');
    const kernel = ssPort(port);
    expect(kernel.some((r) => r.startsWith('LISTEN'))).toBe(true);
    expect(kernel.filter((r) => r.startsWith('ESTAB'))).toHaveLength(2);

    await page.screenshot({ path: `${ARTIFACTS}/capitalize-hello.png` });
    expect(errors).toEqual([]);
  });

  it('wait in a lingering close() while the peer takes nothing; Ctrl-C ends it, the socket closed all the same', async () => {
    const port = ports[0]!;
    for (const line of [
      'import socket',
      's = socket.socket()',
      's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)',
      `s.bind(("127.0.0.1", ${port}))`,
      's.listen(1)',
    ]) {
      await typeLine(page, 'server', line);
    }
    for (const line of [
      'import socket',
      'import struct',
      'c = socket.socket()',
      'c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)',
      `c.connect(("127.0.0.1", ${port}))`,
      'c.setblocking(False)',
      'c.send(b"x" * 30000)',
      "c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 30))",
      'c.close()',
    ]) {
      await typeLine(page, 'client', line);
    }
    // The server never reads: the kernel cannot deliver the queued bytes, so close() lingers. The
    // gateway goes on meanwhile: the server's terminal still answers.
    await page.waitForTimeout(500);
    expect(await terminalText(page, 'client')).toMatch(/>>> c\.close\(\)\s*$/);
    await typeLine(page, 'server', 's.getsockname()');
    await until(
      () => terminalText(page, 'server'),
      (t) => t.includes(`('127.0.0.1', ${port})`),
      'the server terminal to answer while close() waits',
    );
    await page.getByRole('textbox', { name: 'client terminal: type Python socket calls' }).focus();
    await page.keyboard.press('Control+C');
    // KeyboardInterrupt, and why the socket is closed anyway (broken between words into indented
    // rows: read it as one line).
    await until(
      async () => (await terminalText(page, 'client')).replace(/\n +/g, ' '),
      (x) => /KeyboardInterrupt.*The socket is closed all the same/.test(x),
      'Ctrl-C to end the wait, and its explanation',
    );
    await typeLine(page, 'client', 'c.fileno()');
    await until(
      () => terminalText(page, 'client'),
      (x) => /c\.fileno\(\)\s*\n-1\b/.test(x),
      'fileno -1',
    );
    expect(errors).toEqual([]);
  });

  it('keep their sockets across a reload, and say so', async () => {
    await typeLine(page, 'server', 's = socket.socket()');
    await typeLine(page, 'server', `s.bind(("127.0.0.1", ${ports[1]}))`);
    const inspector = page.getByRole('region', { name: 'Socket inspector' });
    await expect.poll(() => inspector.textContent()).toContain(`127.0.0.1:${ports[1]}`);
    await page.reload();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
    await expect.poll(() => page.getByText('Welcome back').count()).toBe(1);
    await expect.poll(() => inspector.textContent()).toContain(`127.0.0.1:${ports[1]}`);
    expect(errors).toEqual([]);
  });

  it('go to a fresh row after a line that exactly fills the terminal, with no empty row between', async () => {
    // The terminal's width: the first row of a line too long for it.
    await typeLine(page, 'client', `w = '${'a'.repeat(300)}'`);
    const rows = (
      await until(
        () => terminalText(page, 'client'),
        (x) => x.includes(">>> w = 'a"),
        'the long line',
      )
    ).split('\n');
    const cols = rows.find((r) => r.startsWith(">>> w = 'a"))!.length;
    const exact = `n = '${'x'.repeat(cols - 10)}'`;
    expect(`>>> ${exact}`).toHaveLength(cols);
    await typeLine(page, 'client', exact);
    await typeLine(page, 'client', 'len(n)');
    const after = (
      await until(
        () => terminalText(page, 'client'),
        (x) => x.includes(`\n${cols - 10}`),
        'len(n) printed',
      )
    ).split('\n');
    const at = after.lastIndexOf(`>>> ${exact}`);
    expect(after.slice(at + 1, at + 3)).toEqual(['>>> len(n)', String(cols - 10)]);
  });

  it("run a lesson's lines one prompt each: no empty prompt after plain statements, a block still closed", async () => {
    // As a lesson step types several statements: each runs at its own prompt, nothing after them.
    await typeAsLesson(page, 'client', "a = 'one'\nb = 'two'\nprint(a, b)");
    const plain = await until(
      () => terminalText(page, 'client'),
      (x) => x.endsWith('one two\n>>>'),
      'the three lines run',
    );
    expect(plain.split('\n').slice(-4)).toEqual([">>> b = 'two'", '>>> print(a, b)', 'one two', '>>>']);
    // A block ends at an empty line, then the statement after it runs.
    await typeAsLesson(page, 'client', "for x in (1, 2):\n    print(x)\nprint('done')");
    const block = await until(
      () => terminalText(page, 'client'),
      (x) => x.endsWith('done\n>>>'),
      'the block and the line after it run',
    );
    expect(block.split('\n').slice(-4)).toEqual(['1', '2', 'done', '>>>']);
  });

  it('show ECONNREFUSED in red when a server only bound, and the kernel has no listener', async () => {
    const port = ports[1]!;
    await typeLine(page, 'server', 's = socket.socket()');
    await typeLine(page, 'server', `s.bind(("127.0.0.1", ${port}))`);
    await typeLine(page, 'client', 'c = socket.socket()');
    await typeLine(page, 'client', `c.connect(("127.0.0.1", ${port}))`);
    const t = await until(
      () => terminalText(page, 'client'),
      (x) => x.includes('ConnectionRefusedError'),
      'the refusal',
    );
    expect(t).toContain('ConnectionRefusedError: [Errno 111] Connection refused');
    const failed = page.locator('.row.tone-error').first();
    await expect.poll(() => failed.textContent()).toContain('ECONNREFUSED');
    const color = await failed.locator('text').evaluate((el) => getComputedStyle(el).fill);
    expect(color).toMatch(/rgb\(2\d\d, \d{1,3}, \d{1,3}\)/);
    expect(ssPort(port).some((r) => r.startsWith('LISTEN'))).toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}/bind-is-not-listen.png` });
    expect(errors).toEqual([]);
  });
  it("keep a triple-quoted string's empty lines, and run a closed bracket at once, as Python's prompt does", async () => {
    // Seed 003's menu has an empty line inside its string: it must not end the input there.
    for (const line of ["menu = '''", '  1) Add Entry', '', '  4) Quit', "'''"])
      await typeLine(page, 'client', line);
    await typeLine(page, 'client', 'print(menu)');
    let t = await until(
      () => terminalText(page, 'client'),
      (x) => x.endsWith('  4) Quit\n\n>>>'),
      'the menu printed',
    );
    expect(t.split('\n').slice(-7)).toEqual([
      '>>> print(menu)',
      '',
      '  1) Add Entry',
      '',
      '  4) Quit',
      '',
      '>>>',
    ]);
    await typeLine(page, 'client', 'x = (1,');
    await typeLine(page, 'client', '2)');
    await typeLine(page, 'client', 'x');
    t = await until(
      () => terminalText(page, 'client'),
      (x) => x.endsWith('(1, 2)\n>>>'),
      'x printed',
    );
    expect(t.split('\n').slice(-5)).toEqual(['>>> x = (1,', '... 2)', '>>> x', '(1, 2)', '>>>']);
    expect(errors).toEqual([]);
  });

  it("read the student's typed lines with input(), as seed 001's interactive client does", async () => {
    const port = ports[0]!;
    for (const line of ['s = socket.socket()', `s.bind(("127.0.0.1", ${port}))`, 's.listen(1)'])
      await typeLine(page, 'server', line);
    await typeLine(page, 'client', 'c = socket.socket()');
    await typeLine(page, 'client', `c.connect(("127.0.0.1", ${port}))`);
    await typeLine(page, 'server', 'conn, addr = s.accept()');
    for (const line of [
      'while True:',
      '    data = conn.recv(1024)',
      '    if not data:',
      '        break',
      '    conn.sendall(data.upper())',
      '',
    ])
      await typeLine(page, 'server', line);
    for (const line of [
      'while True:',
      '    mesg = input("Enter a string: ")',
      '    if not mesg:',
      '        break',
      '    c.sendall(mesg.encode())',
      '    print("Received:", c.recv(1024).decode())',
      '',
    ])
      await typeLine(page, 'client', line);
    const client = () => terminalText(page, 'client');
    await until(client, (t) => t.endsWith('Enter a string:'), 'the prompt of input()');

    // What the student types answers input(), edited with the prompt's keys.
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await until(client, (t) => t.includes('Received: HELLO'), 'the first reply');
    await page.keyboard.type('worlx');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('d');
    await page.keyboard.press('Enter');
    let t = await until(client, (x) => x.includes('Received: WORLD'), 'the second reply');
    expect(t.split('\n').slice(-5)).toEqual([
      'Enter a string: hello',
      'Received: HELLO',
      'Enter a string: world',
      'Received: WORLD',
      'Enter a string:',
    ]);
    // An empty line ends the student's loop; the server's loop sees the FIN when the client closes.
    await page.keyboard.press('Enter');
    await until(client, (x) => /Enter a string: ?\n>>>$/.test(x), 'the loop to end');
    await typeLine(page, 'client', 'c.close()');
    await until(
      () => terminalText(page, 'server'),
      (x) => x.endsWith('>>>'),
      "the server's loop to end",
    );

    // Ctrl-D is end of input; Ctrl-C stops the wait; the prompt carries on after both.
    await typeLine(page, 'client', 'name = input("name: ")');
    await until(client, (x) => x.endsWith('name:'), 'the second input()');
    await page.keyboard.press('Control+d');
    await until(client, (x) => x.endsWith('EOFError\n>>>'), 'EOFError');
    await typeLine(page, 'client', 'name = input("name: ")');
    await until(client, (x) => x.endsWith('name:'), 'the third input()');
    await page.keyboard.type('Ad');
    await page.keyboard.press('Control+c');
    await until(client, (x) => x.endsWith('KeyboardInterrupt\n>>>'), 'KeyboardInterrupt');
    await typeLine(page, 'client', 'print("still here")');
    t = await until(client, (x) => x.endsWith('still here\n>>>'), 'the prompt to go on');
    expect(t).toContain('name: Ad^C\nKeyboardInterrupt');
    expect(errors).toEqual([]);
  });
});
