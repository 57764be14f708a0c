// One program's terminal: creates, feeds and disposes one xterm Terminal, with a Python-style prompt
// whose lines the interpreter runs as real calls on the gateway. Never opens a socket itself.

import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { Interpreter, type Keyboard, type SocketBackend } from '../interpreter/index.js';
import { commonPrefix, LineEditor, safeTerminalText } from './line-editor.js';
import { wrapWords } from './wrap.js';
import {
  fitTerminal,
  swallowDangerousOsc,
  TERMINAL_FONT,
  TERMINAL_LINE_HEIGHT,
  TERMINAL_MIN_CONTRAST,
  TERMINAL_THEMES,
} from './xterm-setup.js';

export interface TypeOptions {
  /**
   * Resolve only once the input has run, or waits in input() for a line (default); false resolves
   * once it is typed, its last line possibly still running (every line before it has returned: the
   * next is typed at the prompt).
   */
  wait?: boolean;
  /** Milliseconds per character, so a class can watch the line being typed (default 0). */
  delayMs?: number;
}

export interface TerminalApi {
  /**
   * Types input as if the student had, line by line (a block ends with an empty line, as at
   * Python's prompt), and runs it; a line typed while the program waits in input() answers it.
   * Used by lessons and tests.
   */
  type(input: string, options?: TypeOptions): Promise<void>;
  focus(): void;
  /** Resolves once nothing typed so far is still running. */
  idle(): Promise<void>;
  /** Everything the terminal shows, as plain text lines. */
  text(): string;
}

interface Props {
  program: string;
  /** Runs the interpreter's calls; `source` is the input that made each, for the diagram's details. */
  backend: SourcedBackend;
  fontSize: number;
  theme: 'light' | 'dark';
  onReady?(api: TerminalApi | null): void;
  /** Every line the program prints, as it prints it (lessons judge checks on it). */
  onOutput?(line: string): void;
  /** Every input the program ran, and whether it raised (for the Python export). */
  onInput?(source: string, raised: boolean): void;
}

const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const ERROR_LINE = /^(\s+↳ |(socket\.)?[A-Za-z]*(Error|Exception|Interrupt|gaierror|herror|timeout)\b)/;

export interface SourcedBackend {
  call(...args: [...Parameters<SocketBackend['call']>, source: string]): ReturnType<SocketBackend['call']>;
}

export function ProgramTerminal({ program, backend, fontSize, theme, onReady, onOutput, onInput }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const output = useRef(onOutput);
  output.current = onOutput;
  const input = useRef(onInput);
  input.current = onInput;
  const term = useRef<Terminal | null>(null);

  // The terminal lives as long as the program: font and theme changes are applied by the effect
  // below, without losing what the terminal shows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilding on font, theme or onReady would wipe the session's screen
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const t = new Terminal({
      fontSize,
      fontFamily: TERMINAL_FONT,
      lineHeight: TERMINAL_LINE_HEIGHT,
      theme: TERMINAL_THEMES[theme],
      minimumContrastRatio: TERMINAL_MIN_CONTRAST,
      cursorBlink: true,
      convertEol: false,
      scrollback: 5000,
      screenReaderMode: false,
      allowProposedApi: false,
    });
    term.current = t;
    const editor = new LineEditor();
    t.open(el);
    // No escape sequence reaches this terminal unescaped, but be explicit about the dangerous ones.
    swallowDangerousOsc(t);
    t.textarea?.setAttribute('aria-label', `${program} terminal: type Python socket calls`);

    let source = '';
    let block: string[] = [];
    let running: AbortController | null = null;
    /** Keys typed while a call runs, replayed at the next prompt, as a terminal's line discipline does. */
    let typeahead = '';
    let idle: Promise<void> = Promise.resolve();
    /** While the program waits in input(): what takes the typed line (null for Ctrl-D). */
    let reading: ((line: string | null) => void) | null = null;
    /** Resolves when the terminal next wants a typed line: at the prompt, or in input(). */
    let wantsLine: Promise<void> = Promise.resolve();
    let lineWanted = () => {};
    const busy = () => {
      wantsLine = new Promise((resolve) => {
        lineWanted = resolve;
      });
    };

    // input(): the typed line goes to the program, edited with the same keys as at the prompt, after
    // the program's own prompt text (made safe: it may come from a peer's bytes).
    const keyboard: Keyboard = (shown, signal) =>
      new Promise((resolve) => {
        const stop = () => {
          reading = null;
        };
        editor.reset(safeTerminalText(shown));
        reading = (line) => {
          stop();
          signal.removeEventListener('abort', stop);
          busy();
          resolve(line);
        };
        signal.addEventListener('abort', stop, { once: true });
        prompt();
        lineWanted();
        replayTypeahead();
      });
    const interp = new Interpreter(
      { call: (call, signal) => backend.call(call, signal, source) },
      { program, keyboard },
    );

    const write = (s: string) => t.write(s);
    /** Text already made safe (safeTerminalText), its lines ended as the terminal wants them. */
    const put = (safe: string, color: string) =>
      write(`${color}${safe.replace(/\n/g, '\r\n')}${color ? RESET : ''}\r\n`);
    const println = (s: string, color = '') => put(safeTerminalText(s), color);
    /** The playground's own words (not the program's output): broken between words at this width. */
    const sayln = (s: string, color: string) =>
      put(
        safeTerminalText(s)
          .split('\n')
          .map((line) => wrapWords(line, t.cols))
          .join('\n'),
        color,
      );
    const prompt = () => write(editor.render());

    // One row where it fits; where it does not (large text beside a lesson), broken after its first
    // sentence, which reads as well when the layout later grows wider.
    const greet = () => {
      const banner = `${program}: real sockets, in Python.`;
      const invite = 'Try: help()';
      if (banner.length + 1 + invite.length <= t.cols) println(`${banner} ${invite}`, DIM);
      else sayln(`${banner}\n${invite}`, DIM);
      prompt();
    };
    /** Until the first key, the screen holds only the greeting: it is drawn again for a new width. */
    let pristine = false;
    const fitToHost = () => {
      const cols = t.cols;
      fitTerminal(t, el);
      editor.cols = t.cols;
      // The text made bigger for the projector after the page opened: a greeting drawn for the old
      // width would be cut mid-word ("Try: h" / "elp()").
      if (pristine && t.cols !== cols) {
        write('\x1b[H\x1b[2J');
        editor.detach();
        greet();
      }
    };
    const ro = new ResizeObserver(fitToHost);
    ro.observe(el);
    el.addEventListener('refit', fitToHost);
    fitToHost();
    greet();
    pristine = true;

    const run = async (text: string) => {
      source = text;
      running = new AbortController();
      busy();
      try {
        // Lines stream as they are printed (a loop's print shows at once); errors in red, and their
        // name first, so colour is never the only signal.
        const out = await interp.run(text, running.signal, (line, prose) => {
          // An error and its explanation are the lines a class reads off the projector.
          if (ERROR_LINE.test(line)) sayln(line, RED);
          else if (prose) sayln(line, '');
          else println(line);
          output.current?.(line);
        });
        input.current?.(text, out.error);
      } catch (err) {
        sayln(`the gateway could not run this: ${(err as Error).message}`, RED);
      } finally {
        running = null;
        reading = null;
        editor.reset(block.length > 0 ? '... ' : '>>> ');
        prompt();
        lineWanted();
        replayTypeahead();
      }
    };

    /** Keys typed while the program was busy, now that it wants a line (prompt or input()). */
    const replayTypeahead = () => {
      const pending = typeahead;
      typeahead = '';
      if (pending) handle(pending);
    };

    /**
     * Python's REPL rules: a block (while, if, def...) runs when an empty line ends it; an open
     * bracket runs once it closes; an open triple-quoted string keeps its empty lines.
     */
    const submit = (line: string) => {
      block.push(line);
      const text = block.join('\n');
      const more = interp.needsMore(text);
      if (more) {
        editor.reset('... ');
        prompt();
        return;
      }
      block = [];
      if (text.trim() === '') {
        editor.reset('>>> ');
        prompt();
        return;
      }
      idle = run(text);
    };

    /** Enter: the line answers input(), or goes to the prompt. */
    const enter = (line: string) => {
      if (reading) reading(line);
      else submit(line);
    };

    const handle = (data: string) => {
      pristine = false;
      if (running && !reading) {
        // While a call runs, Ctrl-C interrupts it and drops what was typed ahead; other keys wait.
        if (data.includes('\x03')) {
          typeahead = '';
          running.abort();
        } else if (typeahead.length < 64 * 1024) typeahead += data;
        return;
      }
      const { output, effects, rest } = editor.feedUntilSubmit(data);
      if (output) write(output);
      for (const e of effects) {
        if (e.type === 'submit') enter(e.line);
        else if (e.type === 'interrupt') {
          write(`^C\r\n`);
          if (running) {
            // In input(): the program gets its KeyboardInterrupt, and prints it.
            typeahead = '';
            running.abort();
          } else {
            println('KeyboardInterrupt', RED);
            block = [];
            editor.reset('>>> ');
            prompt();
          }
        } else if (e.type === 'eof') {
          // Only input() reads to an end; the prompt itself stays open, as the page has no exit.
          if (reading) {
            write('\r\n');
            reading(null);
          }
        } else if (e.type === 'clear') {
          t.clear();
          write('\x1b[H\x1b[2J');
          editor.detach();
          prompt();
        } else if (e.type === 'complete' && !reading) {
          const options = interp.complete(e.before);
          const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(e.before)?.[0] ?? '';
          if (options.length === 1) write(editor.insert(options[0]!.slice(word.length)));
          else if (options.length > 1) {
            const shared = commonPrefix(options);
            if (shared.length > word.length) write(editor.insert(shared.slice(word.length)));
            else {
              write('\r\n');
              println(options.join('  '));
              editor.detach();
              prompt();
            }
          }
        }
      }
      // Keys after a submitted line belong to the next prompt (or wait for the call to finish).
      if (rest) handle(rest);
    };
    const onData = t.onData(handle);

    onReady?.({
      async type(input: string, { wait = true, delayMs = 0 }: TypeOptions = {}) {
        pristine = false;
        await wantsLine;
        const lines = input.replace(/\n+$/, '').split('\n');
        // A compound statement (while, if, def...) is closed by an empty line, as a student would;
        // lines that each stand alone are not followed by one (it would print an empty prompt).
        if (lines.some((l) => /^\s/.test(l) || interp.needsMore(l))) lines.push('');
        for (const [i, line] of lines.entries()) {
          // Each statement returns before the next is typed, as a student waits for the prompt (the
          // lines of a block run together at its empty line, so nothing runs between them). Only the
          // last line may be left running (!wait): a line that blocks must end what is typed.
          if (i > 0) await wantsLine;
          if (delayMs > 0) {
            for (const ch of line) {
              write(editor.insert(ch));
              await new Promise((r) => setTimeout(r, delayMs));
            }
          } else write(editor.insert(line));
          // Enter's own output ends the line (and starts the next row), as a key press's does.
          const { output, effects } = editor.feed('\r');
          write(output);
          for (const e of effects) if (e.type === 'submit') enter(e.line);
        }
        if (wait) await wantsLine;
      },
      focus: () => t.focus(),
      idle: () => idle,
      text: () => {
        const buf = t.buffer.active;
        const lines: string[] = [];
        for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
        return lines.join('\n').trimEnd();
      },
    });

    return () => {
      el.removeEventListener('refit', fitToHost);
      onReady?.(null);
      onData.dispose();
      ro.disconnect();
      running?.abort();
      t.dispose();
      term.current = null;
    };
  }, [program, backend]);

  useEffect(() => {
    const t = term.current;
    if (!t) return;
    t.options.fontSize = fontSize;
    t.options.theme = TERMINAL_THEMES[theme];
    host.current?.dispatchEvent(new Event('refit'));
  }, [fontSize, theme]);

  return <div className="terminal-host" ref={host} />;
}
