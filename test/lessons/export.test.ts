// The Python export: a lesson (or a sandbox session) becomes one runnable script per program, and
// python3 runs an exported client against real lesson servers with the answers the lesson promises.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LessonServers, startLessonServers } from '../../gateway/lesson-servers/index.js';
import {
  exportScripts,
  isExpressionStatement,
  lessonExport,
  splitStatements,
} from '../../gateway/lessons/export.js';
import { loadLessons } from '../../gateway/lessons/load.js';
import type { Fill } from '../../gateway/lessons/placeholders.js';

const { lessons } = await loadLessons('lessons');
const lesson = (id: string) => lessons.find((l) => l.id.startsWith(id))!;

let servers: LessonServers;
let fill: Fill;
const dir = mkdtempSync(join(tmpdir(), 'lesson-export-'));

beforeAll(async () => {
  servers = await startLessonServers({ ports: 'auto' });
  fill = {
    ports: [21001, 21002, 21003, 21004, 21005, 21006, 21007, 21008, 21009, 21010],
    servers: Object.fromEntries(servers.servers.map((s) => [s.name, s.port])),
  };
});

afterAll(async () => {
  await servers?.close();
});

/**
 * Runs a script with python3, without stdin (a script that asks for Enter would fail). Asynchronous:
 * the lesson servers answering it live in this very process.
 */
function python(
  text: string,
  name: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  return new Promise((resolve) => {
    const child = spawn('python3', [file], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('splitStatements and isExpressionStatement', () => {
  it('split a line at the semicolons outside strings and brackets', () => {
    expect(splitStatements("a = f(1; 2); b'x;y'; c.recv(3)")).toEqual(['a = f(1; 2)', "b'x;y'", 'c.recv(3)']);
  });

  it('tell an expression the prompt would print from an assignment or a call that returns None', () => {
    expect(isExpressionStatement('c.recv(1024)')).toBe(true);
    expect(isExpressionStatement('n < 40000')).toBe(true);
    expect(isExpressionStatement("len('x') == 1")).toBe(true);
    expect(isExpressionStatement('conn, addr = s.accept()')).toBe(false);
    expect(isExpressionStatement('got += 1')).toBe(false);
    expect(isExpressionStatement("c.connect(('127.0.0.1', 80))")).toBe(false);
    expect(isExpressionStatement("print('x')")).toBe(false);
  });
});

describe('exportScripts', () => {
  it('writes one script per program with a header, the ports filled in, values shown and failures caught', () => {
    const scripts = exportScripts(
      {
        title: 'Sandbox session',
        name: 'sandbox',
        programs: [
          { program: 'server', lines: [{ source: "s = socket.socket(); s.bind(('127.0.0.1', {PORT2}))" }] },
          {
            program: 'client',
            lines: [
              { source: "c = socket.create_connection(('127.0.0.1', {PORT2}))", mayFail: true },
              { source: 'c.getsockname(), 1' },
            ],
          },
          { program: 'client2', lines: [] },
        ],
      },
      fill,
    );
    expect(scripts.map((s) => s.fileName)).toEqual(['sandbox-server.py', 'sandbox-client.py']);
    const client = scripts[1]!.text;
    expect(client.startsWith('#!/usr/bin/env python3\n# Sandbox session: the "client" program.')).toBe(true);
    expect(client).toContain('# Your own ports in that session were filled in: 21002.');
    expect(client).toContain(
      "try:\n    c = socket.create_connection(('127.0.0.1', 21002))\nexcept Exception as e:",
    );
    expect(client).toContain('_show((c.getsockname(), 1))');
    expect(client).toContain('def _show(value):');
    expect(client).not.toContain('{PORT');
    expect(scripts[0]!.text).not.toContain('def _show');
  });

  it('asks for Enter where a lesson step follows another program, and leaves the solution out', () => {
    const [server, client] = exportScripts(lessonExport(lesson('02')), fill);
    expect(server!.text).toContain("input('[wait until client has reached step 6, then press Enter] ')");
    expect(client!.text).toContain("input('[wait until server has reached step 4, then press Enter] ')");
    expect(server!.text).not.toContain('conn2');
  });
});

describe('an exported script, run by python3 against the real lesson servers', () => {
  it('lesson 01: the echo client prints what the terminal printed', async () => {
    const [client] = exportScripts(lessonExport(lesson('01'), { solution: true }), fill);
    expect(client!.fileName).toBe('01-first-client-client.py');
    const r = await python(client!.text, client!.fileName);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\('127\.0\.0\.1', \d+\)$/);
    expect(lines.slice(1)).toEqual(["b'hello\\n'", "b'sockets\\n'"]);
  });

  it('lesson 09: bytes and the taco, with the expected TypeError and UnicodeDecodeError printed, not fatal', async () => {
    const [client] = exportScripts(lessonExport(lesson('09'), { solution: true }), fill);
    const r = await python(client!.text, client!.fileName);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      "TypeError: a bytes-like object is required, not 'str'",
      "b'hello'",
      '(1, 4)',
      "b'\\xf0\\x9f\\x8c\\xae'",
      "'Lunch: 🌮'",
      "b'\\xf0\\x9f'",
      "UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 0-1: unexpected end of data",
      "'🌮'",
      "b'CAF\\xc3\\x89\\n'",
      '',
    ]);
  });

  it('lesson 15: HTTP by hand fetches the page', async () => {
    const [client] = exportScripts(lessonExport(lesson('15'), { solution: true }), fill);
    const r = await python(client!.text, client!.fileName);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('HTTP/1.1 200 OK');
    expect(r.stdout).toContain('Content-Length: 356');
    expect(r.stdout).toContain('\n356\n');
    expect(r.stdout).toContain('HTTP/1.1 404 Not Found');
  });
});
