// Turns what a student typed (a lesson's lines, or a sandbox session's) into one runnable Python 3
// script per program, to run the same socket calls at home. Pure: data in, text out. The terminal
// lines are Python already; the export only does what the interactive prompt did around them:
// fill in the session's ports, print an expression's value, and carry on after an exception.

import { type Fill, fillText } from './placeholders.js';
import { type AnyLesson, LESSON_SERVERS, PROGRAMS, type StepCheck } from './types.js';

/** One input typed into a program's terminal (a line, or a whole block). */
export interface TypedLine {
  source: string;
  /** The line raised an exception in the terminal (or the lesson expects it to): keep going after it. */
  mayFail?: boolean;
  /** A comment shown above the line (a lesson step's title, for example). */
  note?: string;
  /** Ask the person running the script to press Enter first (another program must get there first). */
  pause?: string;
}

export interface ExportInput {
  /** What the scripts come from, for their header: a lesson title, or "sandbox session". */
  title: string;
  /** Used in file names: the lesson id, or "sandbox". */
  name: string;
  programs: { program: string; lines: TypedLine[] }[];
}

export interface ExportedScript {
  program: string;
  fileName: string;
  text: string;
}

/** Socket methods that return None: calling them as a statement prints nothing, so no _show(). */
const RETURNS_NONE =
  /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.(bind|listen|connect|sendall|close|shutdown|setsockopt|settimeout|setblocking)\(/;
const KEYWORD_START =
  /^(?:(?:import|from|pass|del|return|raise|global|nonlocal|assert|break|continue|if|elif|else|while|for|try|except|finally|def|with|class)\b|print\()/;

/** Splits at `;` that are outside strings and brackets. */
export function splitStatements(line: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (line.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ';' && depth === 0) {
      parts.push(line.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(line.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** What sits at the top level of one simple statement (outside strings and brackets). */
function topLevel(stmt: string): { assigns: boolean; comma: boolean } {
  let depth = 0;
  let quote: string | null = null;
  let assigns = false;
  let comma = false;
  for (let i = 0; i < stmt.length; i++) {
    const c = stmt[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (stmt.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") quote = stmt.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && c === ',') comma = true;
    else if (depth === 0 && c === '=') {
      if (stmt[i + 1] === '=') {
        i++; // ==
        continue;
      }
      const two = stmt.slice(Math.max(0, i - 2), i);
      // != <= >= compare; = += -= <<= >>= ... assign.
      if (!'!<>'.includes(stmt[i - 1] ?? '') || two === '<<' || two === '>>') assigns = true;
    }
  }
  return { assigns, comma };
}

/** Is this one simple statement an expression (whose value the prompt would print)? */
export function isExpressionStatement(stmt: string): boolean {
  if (KEYWORD_START.test(stmt) || RETURNS_NONE.test(stmt)) return false;
  return !topLevel(stmt).assigns;
}

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');

/**
 * One typed input as script lines. Expression statements print their value, as at the prompt (in a
 * block too, except inside a def); a line that failed in the terminal is caught and printed.
 */
function scriptLines(t: TypedLine, uses: { show: boolean }): string {
  let defIndent: number | null = null;
  const body = t.source
    .split('\n')
    .map((line) => {
      const pad = /^\s*/.exec(line)![0];
      const code = line.slice(pad.length);
      if (defIndent !== null && (code === '' || pad.length > defIndent)) return line;
      defIndent = /^def\b/.test(code) ? pad.length : null;
      if (code === '' || KEYWORD_START.test(code) || code.endsWith(':')) return line;
      return splitStatements(code)
        .map((s) => {
          if (!isExpressionStatement(s)) return pad + s;
          uses.show = true;
          // a, b is a tuple at the prompt: keep it one argument.
          return pad + (topLevel(s).comma ? `_show((${s}))` : `_show(${s})`);
        })
        .join('\n');
    })
    .join('\n');
  if (!t.mayFail) return body;
  return `try:\n${indent(body, '    ')}\nexcept Exception as e:  # the terminal printed the error and went on\n    print(f'{type(e).__name__}: {e}')`;
}

/** Text as # comment lines of at most about 100 columns. */
function comment(text: string): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '#';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line.length + word.length + 1 > 100 && line !== '#') {
        out.push(line);
        line = '#';
      }
      line += ` ${word}`;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** One script per program that typed anything, with the session's ports filled in. */
export function exportScripts(input: ExportInput, fill: Fill): ExportedScript[] {
  const out: ExportedScript[] = [];
  const several = input.programs.filter((p) => p.lines.length > 0).length > 1;
  for (const { program, lines } of input.programs) {
    if (lines.length === 0) continue;
    const uses = { show: false };
    const chunks: string[] = [];
    for (const t of lines) {
      const parts: string[] = [];
      if (t.note) parts.push(comment(fillText(t.note, fill)));
      if (t.pause) parts.push(`input(${pyString(`[wait until ${t.pause}, then press Enter] `)})`);
      parts.push(scriptLines({ ...t, source: fillText(t.source, fill) }, uses));
      chunks.push(parts.join('\n'));
    }
    const servers = Object.entries(fill.servers)
      .filter(([name]) => input.programs.some((p) => p.lines.some((l) => l.source.includes(`{${name}}`))))
      .map(([name, port]) => `${name} on port ${port}`);
    const ports = fill.ports.filter((_, i) =>
      input.programs.some((p) =>
        p.lines.some((l) => l.source.includes(i === 0 ? '{PORT}' : `{PORT${i + 1}}`)),
      ),
    );
    const header = [
      '#!/usr/bin/env python3',
      `# ${input.title}: the "${program}" program.`,
      '#',
      `# Exported from the socket playground: the lines typed in the ${program} terminal, in order,`,
      '# as a Python 3 script. Run it with:',
      `#     python3 ${fileName(input.name, program)}`,
      '#',
      ports.length > 0
        ? `# Your own ports in that session were filled in: ${ports.join(', ')}.`
        : '# No port of your own is used here.',
      servers.length > 0
        ? `# The playground's lesson servers: ${servers.join(', ')}. They run with the playground\n# (npm start); on another machine, start it or change those numbers.`
        : null,
      several
        ? `# The other programs (${input.programs
            .filter((p) => p.program !== program && p.lines.length > 0)
            .map((p) => p.program)
            .join(
              ', ',
            )}) have scripts of their own: run each in its own terminal.\n# Where this one waits for Enter, run the others up to the step it names first.`
        : null,
      '',
      'import socket',
      'import time',
    ].filter((l) => l !== null);
    const show = uses.show
      ? [
          '',
          '',
          'def _show(value):',
          '    """What the interactive prompt does with a value: print its repr, unless it is None."""',
          '    if value is not None:',
          '        print(repr(value))',
        ]
      : [];
    out.push({
      program,
      fileName: fileName(input.name, program),
      text: `${[...header, ...show].join('\n')}\n\n\n${chunks.join('\n\n')}\n`,
    });
  }
  return out;
}

export const fileName = (name: string, program: string) =>
  `${name.replace(/[^\w.-]+/g, '-')}-${program}.py`.toLowerCase();

function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Does a step (or an exercise) expect its line to raise? Yes when a check says a call fails, or
 * that the output shows an error (`output ... contains "TypeError..."`). The replay test holds the
 * lessons to it: a line that raises without such a check is a defect.
 */
export function expectsFailure(checks: readonly StepCheck[]): boolean {
  return checks.some(
    (c) =>
      c.check.kind === 'call-failed' ||
      (c.check.kind === 'output' && c.check.match.how !== 'matches' && /Error\b/.test(c.check.match.text)),
  );
}

/** The first sentence of a step's expectation, for a comment. */
const firstSentence = (md: string) => {
  const flat = md.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  return (m ? m[1]! : flat).slice(0, 200);
};

/**
 * A lesson's lines by program. Where a step follows another program's step, the script asks for
 * Enter first, so the programs keep the lesson's order. The exercise's solution is left out unless
 * asked for (it is the student's to write).
 */
export function lessonExport(lesson: AnyLesson, opts: { solution?: boolean } = {}): ExportInput {
  const byProgram = new Map<string, TypedLine[]>(PROGRAMS.map((p) => [p, []]));
  let previous: { program: string; label: string } | null = null;
  const add = (program: string, line: TypedLine, label: string) => {
    if (previous && previous.program !== program)
      line.pause = `${previous.program} has reached ${previous.label}`;
    byProgram.get(program)?.push(line);
    previous = { program, label };
  };
  for (const step of lesson.steps) {
    if ((LESSON_SERVERS as readonly string[]).includes(step.program) || step.run === null) continue;
    add(
      step.program,
      {
        source: step.run,
        mayFail: expectsFailure(step.checks),
        note: `step ${step.n}: ${firstSentence(step.expect)}`,
      },
      `step ${step.n}`,
    );
  }
  if (opts.solution) {
    const mayFail = expectsFailure(lesson.exercise.checks);
    (lesson.exercise.solution ?? []).forEach((s, i) => {
      add(
        s.program,
        { source: s.run, mayFail, note: i === 0 ? 'exercise (a solution)' : '' },
        `exercise line ${i + 1}`,
      );
    });
  }
  return {
    title: `Lesson "${lesson.title}" (${lesson.id})`,
    name: lesson.id,
    programs: [...byProgram].map(([program, lines]) => ({ program, lines })),
  };
}
