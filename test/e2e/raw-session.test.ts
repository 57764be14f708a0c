// Raw sessions in the real page against the real gateway: talk to a lesson server byte by byte, send
// exact bytes in hex, survive a hostile peer, listen for clients started outside the browser (Node and
// Python), half-close, and be refused (with the reason) where the playground does not allow a target.

import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Browser, Dialog, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  holdScrollEvents,
  launchBrowser,
  type Playground,
  startPlayground,
  until,
  watchErrors,
} from '../support/browser.js';
import { contrast } from '../support/contrast.js';

/** A loopback TCP server that keeps what each connection sent and can say things first. */
interface TestServer {
  port: number;
  connections: number;
  received: () => Buffer;
  close(): Promise<void>;
}

function testServer(greeting?: Buffer): Promise<TestServer> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    if (greeting) s.write(greeting);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        get connections() {
          return state.connections;
        },
        received: () => Buffer.concat(chunks),
        close: () =>
          new Promise<void>((ok) => {
            for (const s of sockets) s.destroy();
            server.close(() => ok());
          }),
      });
    });
  });
}

/**
 * What a hostile peer sends: a title change, red text, clipboard read and write, a cursor query,
 * markup that would run script if a page ever inserted it as HTML, and a terminal link (OSC 8) away.
 */
const HOSTILE = Buffer.from(
  '\x1b]0;PWNED\x07\x1b[31mred?\x1b]52;c;?\x07\x1b]52;c;UFdORUQ=\x07\x1b[6n\x1b[c\r\n' +
    '<img src=x onerror=alert(1)>\r\n\x1b]8;;http://evil.example/\x07click-me\x1b]8;;\x07\r\nEND-OF-HOSTILE\r\n',
  'latin1',
);

let browser: Browser;
let pg: Playground;
let page: Page;
let errors: string[];
let recorder: TestServer;
let hostile: TestServer;
/** Writes in xterm's own blue (#2472c8): 3.9:1 on the dark terminal's background. */
let blue: TestServer;
let canary: TestServer;

beforeAll(async () => {
  recorder = await testServer();
  hostile = await testServer(HOSTILE);
  blue = await testServer(Buffer.from('\x1b[34mBLUE-ON-DARK\x1b[0m plain\r\n'));
  // Never allowed: a connection to it would prove a packet left when it should not have.
  canary = await testServer();
  pg = await startPlayground([
    '--allow',
    [recorder, hostile, blue].map((t) => `127.0.0.1:${t.port}`).join(','),
  ]);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pg?.stop();
  await Promise.all([recorder?.close(), hostile?.close(), blue?.close(), canary?.close()]);
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  errors = watchErrors(page);
});

afterEach(async () => {
  await page?.close();
});

async function load(hash = ''): Promise<void> {
  await page.goto(`${pg.url}${hash}`);
  await expect.poll(() => page.getByRole('status').first().textContent()).toContain('connected');
}

/** Opens a raw session from the toolbar; returns its panel. */
async function openRaw(program = 'raw'): Promise<Locator> {
  await page.getByRole('button', { name: 'Raw session' }).click();
  const panel = page.getByRole('region', { name: `${program}: raw session` });
  await panel.waitFor();
  return panel;
}

/** Opens a raw session listening on the port its panel offers; returns the panel and the port. */
async function listenRaw(): Promise<{ panel: Locator; port: number }> {
  const panel = await openRaw();
  await panel.getByLabel('Listen').check();
  const port = Number(await panel.getByLabel('Port', { exact: true }).inputValue());
  await panel.getByRole('button', { name: 'Listen' }).click();
  await expect.poll(() => status(panel)).toContain(`listening on 127.0.0.1:${port}`);
  return { panel, port };
}

async function connectTo(panel: Locator, host: string, port: number): Promise<void> {
  await panel.getByLabel('Host', { exact: true }).fill(host);
  await panel.getByLabel('Port', { exact: true }).fill(String(port));
  await panel.getByRole('button', { name: 'Connect' }).click();
}

/**
 * What the raw terminal shows, as text, its rows joined (long lines wrap; \n shows as a mark). A row
 * the view broke before a mark that did not fit starts with two spaces, under the text: dropped here.
 */
const screen = async (panel: Locator) =>
  (await panel.locator('.raw-terminal .xterm-rows > div').allInnerTexts())
    .map((row) => row.replace(/\u00a0/g, ' ').trimEnd())
    .map((row) => row.replace(/^ {2}(?=\\|<)/, ''))
    .join('');

const hexView = (panel: Locator) => panel.getByRole('list', { name: /hex view/ }).textContent();

/** The session's state line: what is announced (role status) and the byte counts beside it. */
const status = (panel: Locator) => panel.locator('.raw-status').textContent();

async function sendLine(panel: Locator, text: string): Promise<void> {
  const line = panel.getByRole('textbox', { name: 'Line to send' });
  await line.fill(text);
  await line.press('Enter');
}

async function eventLog(): Promise<string> {
  const log = page.getByRole('log', { name: 'Event log' });
  if (!(await log.isVisible())) await page.getByText('Event log (text)').click();
  return (await log.locator('li').allTextContents()).join('\n');
}

const lessonPort = (name: string) => {
  const m = new RegExp(`${name}\\s+tcp\\s+127\\.0\\.0\\.1:(\\d+)`).exec(pg.output());
  if (!m) throw new Error(`no ${name} port in:\n${pg.output()}`);
  return Number(m[1]);
};

describe('a raw session', () => {
  it('connects to the echo lesson server: a typed line comes back, in the terminal and the hex view', async () => {
    // The page asks for the stream's traffic as binary records (gateway/protocol/records.ts).
    const binaryFrames = { sent: 0, received: 0 };
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        if (typeof f.payload !== 'string') binaryFrames.sent++;
      });
      ws.on('framereceived', (f) => {
        if (typeof f.payload !== 'string') binaryFrames.received++;
      });
    });
    await load();
    const panel = await openRaw();
    await panel.getByLabel('Lesson server').selectOption('echo');
    await panel.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => status(panel)).toContain('connected');
    await sendLine(panel, 'hello');
    await until(
      () => screen(panel),
      (t) => t.includes('← hello\\r\\n'),
      'the echo in the raw terminal',
    );
    expect(await screen(panel)).toContain('→ hello\\r\\n');
    const hex = await hexView(panel);
    expect(hex).toMatch(/→ sent \d\d:\d\d:\d\d\.\d{3} 7 bytes/);
    expect(hex).toMatch(/← received \d\d:\d\d:\d\d\.\d{3} 7 bytes/);
    expect(hex).toContain('0000  68 65 6c 6c 6f 0d 0a     hello..');
    expect(await status(panel)).toContain('→ 7 bytes sent · ← 7 received · kernel: ESTABLISHED');
    expect(await panel.getByRole('status').textContent()).toBe('● connected');
    // The line left as a binary write; its reply, its data event and the echo came as binary records.
    expect(binaryFrames.sent).toBeGreaterThanOrEqual(1);
    expect(binaryFrames.received).toBeGreaterThanOrEqual(1);

    // The raw session is a program like the others: the diagram has its calls, and its stream: the
    // bytes written to echo, and the recv() of the gateway's read loop that got them back.
    const log = await eventLog();
    expect(log).toMatch(/raw: socket\(AF_INET, SOCK_STREAM\)/);
    expect(log).toContain(`connect(('127.0.0.1', ${lessonPort('echo')}))`);
    expect(log).toMatch(/raw fd \d+ → echo: 7 bytes b'hello\\r\\n'/);
    expect(log).toMatch(/raw fd \d+: recv → 7 bytes b'hello\\r\\n'/);
    expect(log).not.toMatch(/sendall|recv\(4096\)/);
    await page.screenshot({ path: `${ARTIFACTS}/raw-echo.png` });
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.screenshot({ path: `${ARTIFACTS}/raw-echo-light.png` });
    expect(errors).toEqual([]);
  });

  it('keeps \\r and \\n whole in a narrow raw view, whatever the line length, and lays them out again on resize', async () => {
    await load('#/raw/echo');
    const panel = page.getByRole('region', { name: 'raw: raw session' });
    await expect.poll(() => status(panel)).toContain('connected');
    const view = panel.locator('.raw-terminal');
    const cols = async () => Number(await view.getAttribute('data-cols'));
    const rows = async () =>
      (await view.locator('.xterm-rows > div').allInnerTexts()).map((r) =>
        r.replace(/\u00a0/g, ' ').trimEnd(),
      );
    // A row that ends in a lone backslash, or a row starting with the rest of a mark: a mark cut in two.
    const split = (r: string[]) => r.filter((row) => /(^|[^\\])\\$/.test(row) || /^ *[rn](\\|$)/.test(row));
    // A row broken before a mark that would have fitted on the row above: a layout for another width.
    const stale = (r: string[], width: number) =>
      r.filter((row, i) => /^ {2}\\[rn]/.test(row) && i > 0 && r[i - 1]!.length + 2 <= width);

    // Large text makes a view of a few dozen columns. Each line is echoed as "← xxx\r\n": lengths
    // around the width put its \r, then its \n, on the last columns of the row.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Alt+Equal');
    await expect.poll(cols).toBeLessThan(40);
    const narrow = await cols();
    let broken = 0;
    for (let n = narrow - 8; n <= narrow - 1; n++) {
      const line = `${n}`.padEnd(n, 'x');
      await sendLine(panel, line);
      await expect.poll(() => screen(panel)).toContain(`← ${line}\\r\\n`);
      expect(split(await rows()), `${n} of ${narrow} columns`).toEqual([]);
      if ((await rows()).some((r) => /^ {2}\\[rn]/.test(r))) broken++;
    }
    // Some of those lines were broken before a mark: the case this is about did come up.
    expect(broken).toBeGreaterThan(0);

    // Wider: laid out again, so no row keeps a break the new width does not need.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Alt+Minus');
    await expect.poll(cols).toBeGreaterThan(narrow + 8);
    const wide = await cols();
    await expect.poll(async () => stale(await rows(), wide)).toEqual([]);
    expect(split(await rows())).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('opens by link: #/raw/echo connects at once, and an unknown name says so', async () => {
    await load('#/raw/echo');
    const panel = page.getByRole('region', { name: 'raw: raw session' });
    await expect.poll(() => status(panel)).toContain('connected');
    await sendLine(panel, 'by link');
    await until(
      () => screen(panel),
      (t) => t.includes('← by link\\r\\n'),
      'the echo',
    );
    await page.goto(`${pg.url}#/raw/nope`);
    await expect
      .poll(() =>
        page.getByRole('region', { name: 'raw2: raw session' }).getByRole('alert').first().textContent(),
      )
      .toContain('lesson server named "nope"');
    expect(errors).toEqual([]);
  });

  it('sends exactly the bytes typed: hex, escapes with a chosen line ending, single keys, a paste, a file', async () => {
    await load();
    const panel = await openRaw();
    await connectTo(panel, '127.0.0.1', recorder.port);
    await expect.poll(() => status(panel)).toContain('connected');
    const start = recorder.received().length;
    let seen = 0;
    /** The next bytes the test server received, once it has that many. */
    const next = async (n: number, what: string): Promise<Buffer> => {
      const from = start + seen;
      await until(
        () => Promise.resolve(recorder.received().length - from),
        (have) => have >= n,
        what,
      );
      seen += n;
      const got = recorder.received().subarray(from);
      expect(got.length).toBe(n);
      return got;
    };

    await panel.getByLabel('Input mode').selectOption('hex');
    const hex = panel.getByRole('textbox', { name: 'Hex bytes to send' });
    await hex.fill('48 65 6c 6c 6f 00 ff 0d 0a');
    expect(await panel.locator('.raw-preview').textContent()).toContain("b'Hello\\x00\\xff\\r\\n' (9 bytes)");
    await hex.press('Enter');
    expect([...(await next(9, 'the hex bytes'))]).toEqual([
      0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0xff, 0x0d, 0x0a,
    ]);

    // A typo in hex is caught before anything is sent.
    await hex.fill('48 6');
    expect(await panel.locator('.raw-preview').textContent()).toContain('odd number of hex digits');
    expect(await panel.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    await hex.fill('');

    await panel.getByLabel('Input mode').selectOption('line');
    await panel.getByLabel('Line ending').selectOption('lf');
    await sendLine(panel, 'a\\tb\\x00\\\\');
    expect((await next(6, 'the escaped line')).toString('latin1')).toBe('a\tb\x00\\\n');

    // Pasting several lines sends each with the chosen ending; the unfinished last one waits.
    const line = panel.getByRole('textbox', { name: 'Line to send' });
    await line.evaluate((el, text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, 'one\ntwo\nthr');
    expect((await next(8, 'the pasted lines')).toString('latin1')).toBe('one\ntwo\n');
    expect(await line.inputValue()).toBe('thr');
    await line.fill('');

    await panel.getByLabel('Input mode').selectOption('char');
    const keys = panel.getByRole('textbox', { name: 'Keys to send (each key is sent as you type)' });
    await keys.focus();
    await page.keyboard.type('hi');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+C');
    expect((await next(4, 'the keys')).toString('latin1')).toBe('hi\n\x03');

    // A file's bytes, every value from 0 to 255, exactly.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await panel
      .locator('input[type=file]')
      .setInputFiles({ name: 'all-bytes.bin', mimeType: 'application/octet-stream', buffer: all });
    expect((await next(256, 'the file')).equals(all)).toBe(true);
    await expect
      .poll(() => panel.locator('.raw-preview').textContent())
      .toContain('sent all-bytes.bin: 256 bytes');
    await page.screenshot({ path: `${ARTIFACTS}/raw-hex-input.png` });
    expect(errors).toEqual([]);
  });

  it('shows a hostile peer its own escape sequences as text: no colour, no title, no clipboard, no reply', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: pg.url });
    await load();
    await page.evaluate(() => navigator.clipboard.writeText('clipboard before'));
    const title = await page.title();
    const dialogs: string[] = [];
    const onDialog = (d: Dialog) => {
      dialogs.push(d.message());
      void d.dismiss();
    };
    const popups: string[] = [];
    const onPopup = (p: Page) => popups.push(p.url());
    page.on('dialog', onDialog);
    page.on('popup', onPopup);
    const panel = await openRaw();
    await connectTo(panel, '127.0.0.1', hostile.port);
    const shown = await until(
      () => screen(panel),
      (t) => t.includes('END-OF-HOSTILE'),
      'the hostile bytes on screen',
    );
    for (const seen of [
      '\\x1b]0;PWNED\\x07',
      '\\x1b[31mred?',
      '\\x1b]52;c;?\\x07',
      '\\x1b]52;c;UFdORUQ=\\x07',
      '\\x1b[6n',
      '\\x1b[c',
      '<img src=x onerror=alert(1)>',
      '\\x1b]8;;http://evil.example/\\x07click-me',
    ]) {
      expect(shown).toContain(seen);
    }
    // Text everywhere the bytes are shown (terminal, hex view, diagram, event details): never markup.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // The peer's "red" was shown, not obeyed: xterm drew nothing in red (ANSI colour 1).
    expect(await panel.locator('.raw-terminal .xterm-fg-1').count()).toBe(0);

    // Even interpreting the bytes as a terminal keeps the page's title and clipboard, and answers nothing.
    await panel.getByRole('checkbox', { name: 'Interpret as terminal' }).check();
    await until(
      () => screen(panel),
      (t) => t.includes('END-OF-HOSTILE') && !t.includes('\\x1b'),
      'the bytes interpreted',
    );
    expect(await panel.locator('.raw-terminal .xterm-fg-1').count()).toBeGreaterThan(0);
    // The peer's link is drawn as plain text: clicking it opens nothing.
    const link = (await panel
      .locator('.raw-terminal .xterm-rows span', { hasText: 'click-me' })
      .boundingBox())!;
    await page.mouse.move(link.x + link.width / 2, link.y + link.height / 2);
    // The terminal finds links under the pointer as it moves, then acts on the click.
    await page.waitForTimeout(300);
    await page.mouse.click(link.x + link.width / 2, link.y + link.height / 2);
    await page.screenshot({ path: `${ARTIFACTS}/raw-hostile-interpreted.png` });
    await panel.getByRole('checkbox', { name: 'Interpret as terminal' }).uncheck();

    // TCP keeps order: if the page had answered the queries, those bytes would arrive before "done".
    await sendLine(panel, 'done');
    await until(
      () => Promise.resolve(hostile.received().toString('latin1')),
      (t) => t.includes('done'),
      'the line typed after the hostile bytes',
    );
    expect(hostile.received().toString('latin1')).toBe('done\r\n');
    expect(await page.title()).toBe(title);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('clipboard before');
    page.off('dialog', onDialog);
    page.off('popup', onPopup);
    expect(dialogs).toEqual([]);
    expect(popups).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/raw-hostile.png` });
    expect(errors).toEqual([]);
  });

  it("interprets a peer's colours at a readable contrast: dark blue on the dark theme is lightened", async () => {
    await load();
    const panel = await openRaw();
    await connectTo(panel, '127.0.0.1', blue.port);
    await panel.getByRole('checkbox', { name: 'Interpret as terminal' }).check();
    const word = panel.locator('.raw-terminal .xterm-rows span', { hasText: 'BLUE-ON-DARK' });
    await expect.poll(() => word.count()).toBe(1);
    const [fg, bg] = await word.evaluate((el) => {
      const rgb = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
      const screenEl = el.closest('.xterm')!.querySelector('.xterm-viewport')!;
      return [rgb(getComputedStyle(el).color), rgb(getComputedStyle(screenEl).backgroundColor)];
    });
    const hex = (c: number[]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    expect(contrast(hex(fg!), hex(bg!))).toBeGreaterThanOrEqual(4.5);
    expect(errors).toEqual([]);
  });

  it('listens for clients started outside the browser, one tab each, and tells FIN from RST', async () => {
    await load();
    const { panel, port } = await listenRaw();

    const client = (name: string) => {
      const s = net.connect(port, '127.0.0.1');
      const got: Buffer[] = [];
      s.on('data', (d) => got.push(d));
      s.on('error', () => {});
      s.write(`I am ${name}\n`);
      return { s, got: () => Buffer.concat(got).toString() };
    };
    const one = client('one');
    await until(
      () => screen(panel),
      (t) => t.includes('← I am one\\n'),
      'the first client',
    );
    const two = client('two');
    const tabs = panel.getByRole('tab');
    await expect.poll(() => tabs.count()).toBe(2);
    // The first client's tab stays in view while it is open; the second waits in its own tab.
    await tabs.nth(1).click();
    await until(
      () => screen(panel),
      (t) => t.includes('← I am two\\n'),
      'the second client',
    );
    await sendLine(panel, 'hello two');
    await until(
      () => Promise.resolve(two.got()),
      (t) => t === 'hello two\r\n',
      'client two to receive the line',
    );
    await tabs.nth(0).click();
    await sendLine(panel, 'hello one');
    await until(
      () => Promise.resolve(one.got()),
      (t) => t === 'hello one\r\n',
      'client one to receive the line',
    );

    // Client one closes normally (FIN): recv returns 0 bytes. Client two resets (RST).
    one.s.end();
    await expect
      .poll(() => status(panel))
      .toContain('half-closed: the client sent FIN (recv returned 0 bytes); you can still send');
    // Said once: while only one side has closed, the state says who did.
    expect(await status(panel)).not.toContain('closed first');
    two.s.resetAndDestroy();
    await tabs.nth(1).click();
    await expect.poll(() => status(panel)).toContain('the client reset the connection (RST');
    const log = await eventLog();
    expect(log).toContain('recv → 0 bytes: end of stream (the peer sent FIN)');
    expect(log).toContain('recv failed: ECONNRESET; the read loop stopped');
    expect(log).toContain('outside peer');
    await page.screenshot({ path: `${ARTIFACTS}/raw-listen-two-clients.png` });
    expect(errors).toEqual([]);
  });

  it("accepts a Python client run by the test, and the diagram draws it as an outside peer's lifeline", async () => {
    await load();
    const { panel, port } = await listenRaw();

    const script = [
      'import socket, sys',
      `s = socket.create_connection(("127.0.0.1", ${port}))`,
      's.sendall(b"hello from python\\n")',
      'got = b""',
      'while not got.endswith(b"\\r\\n"):',
      '    got += s.recv(100)',
      'print(repr(got), flush=True)',
      's.shutdown(socket.SHUT_WR)',
      'print("rest", repr(s.recv(100)), flush=True)',
      's.close()',
    ].join('\n');
    const py = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    py.stdout.on('data', (d) => {
      out += d;
    });
    py.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((ok) => py.on('exit', (code) => ok(code)));

    await until(
      () => screen(panel),
      (t) => t.includes('← hello from python\\n'),
      'the Python client',
    );
    await sendLine(panel, 'hi python');
    await until(
      () => Promise.resolve(out),
      (o) => o.includes("b'hi python\\r\\n'"),
      'Python to print the reply',
    );
    // Python half-closes; the page sees the FIN and may still close its own side.
    await expect.poll(() => status(panel)).toContain('half-closed: the client sent FIN');
    await panel.getByRole('button', { name: 'Close client' }).click();
    expect(await exited).toBe(0);
    expect(out).toContain("rest b''");
    await expect.poll(() => status(panel)).toContain('the client closed first (FIN');

    // The diagram: a lifeline for the outside peer, with the bytes sent to it.
    const lanes = page.locator('.lane-external');
    await expect.poll(() => lanes.count()).toBeGreaterThan(0);
    expect(await lanes.first().textContent()).toContain('outside peer');
    const log = await eventLog();
    expect(log).toMatch(/raw fd \d+ → outside peer: 11 bytes b'hi python\\r\\n'/);
    await page.screenshot({ path: `${ARTIFACTS}/raw-python-client.png` });
    expect(errors).toEqual([]);
  });

  it('keeps up with a client that floods it, counts every byte, and follows the newest chunk until you scroll up', async () => {
    await load();
    const { panel, port } = await listenRaw();

    // `cat bigfile | nc`: 8 MiB in 64 KiB writes, as fast as the gateway takes them.
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    const total = 8 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'flood ');
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (!client.write(chunk)) await new Promise((ok) => client.once('drain', ok));
    }
    await until(
      () => status(panel),
      (t) => (t ?? '').includes(`← ${total} received`),
      'the page to count all 8 MiB',
      60_000,
    );
    // The hex view keeps the newest chunks, says how many older ones it let go, and shows the last.
    const list = panel.locator('.raw-chunks');
    expect(await list.textContent()).toMatch(/\d+ older chunks not shown/);
    const fromBottom = () => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    await expect.poll(fromBottom).toBeLessThan(24);

    // A student scrolls up to read: new bytes arrive, and the view stays where they left it, even when
    // they are drawn before the page has heard of the scroll.
    const release = await holdScrollEvents(page);
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    client.write('one more line\n');
    await until(
      () => status(panel),
      (t) => (t ?? '').includes(`← ${total + 14} received`),
      'the last line',
    );
    await expect.poll(() => list.locator('li').last().textContent()).toContain('14 bytes');
    expect(await list.evaluate((el) => el.scrollTop)).toBe(0);
    await release();

    // Once the page hears of a scroll, it offers the way back down; from there it follows new bytes again.
    await list.evaluate((el) => {
      el.scrollTop = 5;
    });
    const jump = panel.getByRole('button', { name: '↓ newest chunk' });
    await jump.click();
    expect(await fromBottom()).toBeLessThan(24);
    await expect.poll(() => jump.count()).toBe(0);
    client.write('and the last\n');
    await expect.poll(() => list.locator('li').last().textContent()).toContain('13 bytes');
    expect(await fromBottom()).toBeLessThan(24);

    // The diagram still draws the stream, up to its last read.
    expect(await eventLog()).toContain("recv → 13 bytes b'and the last\\n'");
    client.destroy();
    expect(errors).toEqual([]);
  }, 120_000);

  it("half-closes with Send EOF: the diagram shows the echo server's recv of 0 bytes, then its FIN", async () => {
    await load('#/raw/echo');
    const panel = page.getByRole('region', { name: 'raw: raw session' });
    await expect.poll(() => status(panel)).toContain('connected');
    await sendLine(panel, 'bye');
    await until(
      () => screen(panel),
      (t) => t.includes('← bye\\r\\n'),
      'the echo',
    );
    await panel.getByRole('button', { name: 'Send EOF' }).click();
    await expect
      .poll(() => status(panel))
      .toContain(
        'you closed first (FIN, with shutdown(SHUT_WR)), then echo closed (FIN: recv returned 0 bytes)',
      );
    const log = await eventLog();
    expect(log).toContain('shutdown(SHUT_WR)');
    expect(log).toMatch(/echo: recv\(\) → 0 bytes/);
    expect(log.indexOf('echo: recv() → 0 bytes')).toBeGreaterThan(log.indexOf('shutdown(SHUT_WR)'));
    await page.screenshot({ path: `${ARTIFACTS}/raw-half-close.png` });
    expect(errors).toEqual([]);
  });

  it('talks UDP to the udp-echo lesson server', async () => {
    await load();
    const panel = await openRaw();
    await panel.getByLabel('Lesson server').selectOption('udp-echo');
    await panel.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => status(panel)).toContain('ready (UDP');
    await sendLine(panel, 'ping');
    await until(
      () => screen(panel),
      (t) => t.includes('← ping\\r\\n'),
      'the datagram back',
    );
    expect(await hexView(panel)).toMatch(/← received [\d:.]+ 6 bytes/);
    expect(errors).toEqual([]);
  });
});

describe('safety', () => {
  it('refuses a target the playground does not allow, says why, and sends no packet', async () => {
    await load();
    const panel = await openRaw();
    for (const [host, port] of [
      ['127.0.0.1', canary.port],
      ['127.0.0.1', 22],
      ['10.0.0.1', 80],
    ] as const) {
      await connectTo(panel, host, port);
      const alert = panel.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('EGW_DENIED');
      const text = await alert.textContent();
      expect(text).toContain(`${host}:${port} is not an allowed target`);
      expect(text).toContain('--allow');
      expect(await status(panel)).toContain('failed: EGW_DENIED');
      await page.screenshot({ path: `${ARTIFACTS}/raw-denied.png` });
      await panel.getByRole('button', { name: 'New target' }).click();
    }
    expect(canary.connections).toBe(0);
    expect(errors).toEqual([]);
  });
});
