// The prompt's public face: run one input and collect what it prints, tell the REPL when an input
// needs more lines, complete names after Tab, and list the variables. One Interpreter per program
// terminal; it keeps its variables between inputs, as Python's interactive mode does.

import { formatException, formatSyntaxError, Halt, PySyntaxError } from './errors.js';
import {
  asPyException,
  attributeNames,
  Evaluator,
  type Keyboard,
  MODULES,
  Output,
  type RunState,
  type SocketBackend,
} from './evaluator.js';
import { methodNames } from './methods.js';
import { COMPOUND_KEYWORDS, PYTHON_KEYWORDS, parse } from './parser.js';
import { repr } from './repr.js';
import { tokenize } from './tokenizer.js';
import type { PyValue } from './values.js';

export interface RunOutput {
  /** Text the REPL prints, each a line, no trailing newlines. */
  lines: string[];
  /** True when the input ended with an exception or a syntax error. */
  error: boolean;
}

export interface InterpreterOptions {
  /** The program this prompt belongs to (for the UI; calls are tagged by the backend). */
  program?: string;
  /** Loop iterations allowed without a gateway call before the loop is stopped (default 100000). */
  maxLoopIterations?: number;
  /** Where input() reads a line; without one, input() raises EOFError as with nothing to read. */
  keyboard?: Keyboard;
}

/** Longest repr variables() returns; longer ones end with '…'. */
const MAX_VARIABLE_REPR = 200;

type OnLine = (line: string, prose: boolean) => void;

export class Interpreter {
  readonly program: string | undefined;
  private readonly evaluator: Evaluator;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(backend: SocketBackend, options: InterpreterOptions = {}) {
    this.program = options.program;
    this.evaluator = new Evaluator(backend, options.maxLoopIterations ?? 100_000, options.keyboard);
  }

  /**
   * Runs one input (one line, or a complete block). Cancelling the signal (Ctrl-C) stops a waiting
   * call or a loop with `KeyboardInterrupt`. `onLine` receives each printed line as soon as it is
   * complete (a server loop prints while it runs), and whether it is the prompt's own words (help's
   * text) rather than the program's output; the same lines are in the result.
   * Inputs run one after another, never interleaved.
   */
  run(source: string, signal?: AbortSignal, onLine?: OnLine): Promise<RunOutput> {
    const result = this.queue.then(() => this.runNow(source, signal, onLine));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(source: string, signal: AbortSignal | undefined, onLine?: OnLine) {
    const out = new Output(onLine);
    let stmts: ReturnType<typeof parse>;
    try {
      stmts = parse(source);
    } catch (err) {
      if (err instanceof PySyntaxError) for (const line of formatSyntaxError(err, source)) out.emit(line);
      else if (err instanceof RangeError)
        out.emit('RecursionError: maximum recursion depth exceeded during compilation');
      else throw err;
      return { lines: out.lines, error: true };
    }
    const state: RunState = {
      signal: signal ?? new AbortController().signal,
      delivered: false,
      iterations: 0,
      sinceYield: 0,
      afterInterrupt: 0,
      out,
    };
    try {
      await this.evaluator.runStatements(stmts, state);
      out.flush();
      return { lines: out.lines, error: false };
    } catch (err) {
      out.flush();
      const py = asPyException(err);
      let lines: string[];
      if (py) lines = formatException(py.exc);
      else if (err instanceof Halt) lines = err.lines;
      else if (err instanceof RangeError) lines = ['RecursionError: maximum recursion depth exceeded'];
      else {
        // Not a Python error: a bug in the prompt. Keep its stack for whoever debugs it.
        console.error('[interpreter] internal error', err);
        lines = [
          `SystemError: the prompt itself failed (${err instanceof Error ? err.message : String(err)})`,
        ];
      }
      for (const line of lines) out.emit(line);
      return { lines: out.lines, error: true };
    }
  }

  /**
   * Does this input need more lines? True for an unclosed bracket or triple-quoted string, a line
   * ending in a backslash, and a compound statement (`while True:`...) until its last line is empty,
   * as Python's `...` prompt does.
   */
  needsMore(source: string): boolean {
    if (source.trim() === '') return false;
    const lines = source.replace(/\r\n?/g, '\n').split('\n');
    // Only a truly empty line: a line of spaces inside a block continues it, as in CPython.
    const endsWithBlankLine = lines.length > 1 && lines[lines.length - 1] === '';
    let tokens: ReturnType<typeof tokenize>;
    try {
      tokens = tokenize(source);
    } catch (err) {
      // An open bracket, string or backslash: blank lines do not end it, as in Python.
      return err instanceof PySyntaxError && err.incomplete;
    }
    try {
      parse(source);
    } catch (err) {
      if (!(err instanceof PySyntaxError)) return false;
      // A block still waiting for its body (or its except:) is finished, badly, by an empty line.
      return err instanceof PySyntaxError && err.incomplete && !endsWithBlankLine;
    }
    const first = tokens.find((t) => t.kind !== 'newline' && t.kind !== 'indent');
    const compound =
      first !== undefined &&
      ((first.kind === 'name' && COMPOUND_KEYWORDS.has(first.text)) ||
        (first.kind === 'op' && first.text === '@'));
    return compound && !endsWithBlankLine;
  }

  /**
   * Tab completion: the names or attributes that extend the word before the cursor, sorted. Each is
   * the whole name (`complete('s.re')` gives `['recv', 'recvfrom']`); the UI replaces the fragment
   * after the last '.' (or the whole word). Evaluates nothing but names and attribute lookups.
   */
  complete(textBeforeCursor: string): string[] {
    const literal = /(b?)(['"])(?:(?!\2)[^\\]|\\.)*\2\.(\w*)$/.exec(textBeforeCursor);
    if (literal) return filter(methodNames(literal[1] ? 'bytes' : 'str'), literal[3]!);
    const dotted = /(?:^|[^\w.'"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$/.exec(textBeforeCursor);
    if (dotted) {
      let v: PyValue | null = this.evaluator.globals.vars.get(dotted[1]!.split('.')[0]!) ?? null;
      v ??= this.evaluator.builtins.get(dotted[1]!.split('.')[0]!) ?? null;
      for (const attr of dotted[1]!.split('.').slice(1)) {
        if (v === null) break;
        v = this.evaluator.attribute(v, attr);
      }
      return v === null ? [] : filter(attributeNames(v), dotted[2]!);
    }
    const bare = /(?:^|[^\w.'"])([A-Za-z_]\w*)$/.exec(textBeforeCursor);
    if (!bare) return [];
    const names = new Set([
      ...this.evaluator.globals.vars.keys(),
      ...this.evaluator.builtins.keys(),
      ...PYTHON_KEYWORDS,
    ]);
    return filter([...names], bare[1]!);
  }

  /** Names the student has bound (not modules, nor names brought in by `from socket import *`). */
  variables(): { name: string; repr: string }[] {
    const out: { name: string; repr: string }[] = [];
    for (const [name, v] of this.evaluator.globals.vars) {
      if (v.kind === 'module') continue;
      if ([...MODULES.values()].some((m) => m.attrs.get(name) === v)) continue;
      const text = repr(v);
      out.push({
        name,
        repr: text.length > MAX_VARIABLE_REPR ? `${text.slice(0, MAX_VARIABLE_REPR - 1)}…` : text,
      });
    }
    return out;
  }
}

function filter(names: readonly string[], prefix: string): string[] {
  const hidden = (n: string) => n.startsWith('_') && !prefix.startsWith('_');
  return [...new Set(names)].filter((n) => n.startsWith(prefix) && !hidden(n)).sort();
}
