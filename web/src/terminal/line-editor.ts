// A readline for the program terminals: editing keys, history, and the effects they ask for (run a
// line, interrupt, clear, complete). Pure: key data in, terminal output and effects out; no xterm here.

export type Effect =
  | { type: 'submit'; line: string }
  | { type: 'interrupt' }
  /** Ctrl-D on an empty line: end of input (input() raises EOFError). */
  | { type: 'eof' }
  | { type: 'clear' }
  | { type: 'complete'; before: string };

const KEYS: Record<string, string> = {
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x01': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x05': 'end',
  '\x1b[3~': 'delete',
  '\x7f': 'backspace',
  '\x08': 'backspace',
  '\x03': 'interrupt',
  '\x04': 'eof',
  '\x0c': 'clear',
  '\x15': 'kill-line',
  '\x0b': 'kill-end',
  '\t': 'tab',
  '\r': 'enter',
  '\n': 'enter',
};

export class LineEditor {
  private chars: string[] = [];
  private cursor = 0;
  private history: string[] = [];
  private histPos = 0;
  private draft: string[] = [];
  prompt = '>>> ';
  /** The terminal's width: a line longer than this wraps, and a redraw must start on its first row. */
  cols = 80;
  /** Row of the cursor, counted from the prompt's row, after the last render. */
  private cursorRow = 0;

  constructor(private readonly maxHistory = 500) {}

  get line(): string {
    return this.chars.join('');
  }

  /**
   * The prompt and line as the terminal should show them, cursor in place. Goes back up to the
   * prompt's row first, so a line that wrapped is redrawn whole instead of leaving copies behind.
   */
  render(): string {
    const cols = Math.max(1, this.cols);
    const total = this.prompt.length + this.chars.length;
    const at = this.prompt.length + this.cursor;
    let out = `${this.cursorRow > 0 ? `\x1b[${this.cursorRow}A` : ''}\r\x1b[J${this.prompt}${this.line}`;
    // Exactly filling the last column leaves the cursor waiting to wrap: move it down explicitly.
    if (this.fillsRow()) out += '\r\n';
    const endRow = Math.floor(total / cols);
    const row = Math.floor(at / cols);
    if (endRow > row) out += `\x1b[${endRow - row}A`;
    out += `\x1b[${(at % cols) + 1}G`;
    this.cursorRow = row;
    return out;
  }

  /** The prompt and line end exactly at the last column of a row (render then moves to the next). */
  private fillsRow(): boolean {
    const total = this.prompt.length + this.chars.length;
    return total > 0 && total % Math.max(1, this.cols) === 0;
  }

  /** The cursor left the input (Enter, output printed): the next render starts on a fresh row. */
  detach(): void {
    this.cursorRow = 0;
  }

  /** Feeds typed or pasted data; returns what to write and what to do. */
  feed(data: string): { output: string; effects: Effect[] } {
    const effects: Effect[] = [];
    let output = '';
    let i = 0;
    while (i < data.length) {
      const key = matchKey(data, i);
      if (key) {
        i += key.length;
        const name = KEYS[key]!;
        // A tab inside pasted text is text (seed 003 indents with tabs): spaces to the next multiple
        // of 8, the width Python gives a tab.
        if (name === 'tab' && data.length > 1) output += this.insert(' '.repeat(8 - (this.cursor % 8)));
        else output += this.apply(name, effects);
        continue;
      }
      if (data[i] === '\x1b') {
        // An escape sequence we do not handle (function keys...): skip it whole.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
        const m = /^\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z]|.)?/.exec(data.slice(i));
        i += m ? m[0].length : 1;
        continue;
      }
      const cp = data.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      this.chars.splice(this.cursor, 0, ch);
      this.cursor++;
      output += this.render();
    }
    return { output, effects };
  }

  /**
   * Like feed, but stops after the first submitted line and returns the unread rest: what follows
   * Enter belongs to the next prompt, which may only come once the submitted line has run.
   */
  feedUntilSubmit(data: string): { output: string; effects: Effect[]; rest: string } {
    const cut = data.search(/[\r\n]/);
    if (cut < 0) return { ...this.feed(data), rest: '' };
    // A pasted \r\n is one line ending, not two.
    const end = data[cut] === '\r' && data[cut + 1] === '\n' ? cut + 2 : cut + 1;
    const r = this.feed(data.slice(0, cut + 1));
    return { ...r, rest: data.slice(end) };
  }

  /** Inserts text at the cursor (completion). */
  insert(text: string): string {
    const add = Array.from(text);
    this.chars.splice(this.cursor, 0, ...add);
    this.cursor += add.length;
    return this.render();
  }

  reset(prompt = '>>> '): void {
    this.chars = [];
    this.cursor = 0;
    this.cursorRow = 0;
    this.prompt = prompt;
    this.histPos = this.history.length;
  }

  remember(line: string): void {
    if (line.trim() === '' || this.history[this.history.length - 1] === line) return;
    this.history.push(line);
    if (this.history.length > this.maxHistory) this.history.shift();
  }

  private apply(name: string, effects: Effect[]): string {
    switch (name) {
      case 'left':
        if (this.cursor > 0) this.cursor--;
        return this.render();
      case 'right':
        if (this.cursor < this.chars.length) this.cursor++;
        return this.render();
      case 'home':
        this.cursor = 0;
        return this.render();
      case 'end':
        this.cursor = this.chars.length;
        return this.render();
      case 'backspace':
        if (this.cursor > 0) this.chars.splice(--this.cursor, 1);
        return this.render();
      case 'delete':
        if (this.cursor < this.chars.length) this.chars.splice(this.cursor, 1);
        return this.render();
      case 'kill-line':
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        return this.render();
      case 'kill-end':
        this.chars.splice(this.cursor);
        return this.render();
      case 'up':
      case 'down':
        return this.browse(name === 'up' ? -1 : 1);
      case 'tab': {
        // At the start of a line Tab indents (to the next multiple of 4, as Python 3.13's REPL);
        // after a word it completes.
        const before = this.chars.slice(0, this.cursor).join('');
        if (before.trim() === '') return this.insert(' '.repeat(4 - (this.cursor % 4)));
        effects.push({ type: 'complete', before });
        return '';
      }
      case 'interrupt':
        effects.push({ type: 'interrupt' });
        return '';
      case 'eof':
        // As readline: end of input on an empty line, otherwise delete the character under the cursor.
        if (this.chars.length === 0) {
          effects.push({ type: 'eof' });
          return '';
        }
        return this.apply('delete', effects);
      case 'clear':
        effects.push({ type: 'clear' });
        return '';
      case 'enter': {
        const line = this.line;
        // Put the cursor after the whole input, then on the row below it, where what is printed next
        // starts. A line that exactly fills its last row is already there (render moved down).
        this.cursor = this.chars.length;
        const out = this.render() + (this.fillsRow() ? '' : '\r\n');
        effects.push({ type: 'submit', line });
        this.remember(line);
        this.chars = [];
        this.cursor = 0;
        this.cursorRow = 0;
        this.histPos = this.history.length;
        return out;
      }
      default:
        return '';
    }
  }

  private browse(dir: -1 | 1): string {
    if (this.histPos === this.history.length) this.draft = [...this.chars];
    const next = Math.min(this.history.length, Math.max(0, this.histPos + dir));
    if (next === this.histPos) return '';
    this.histPos = next;
    this.chars = next === this.history.length ? [...this.draft] : Array.from(this.history[next]!);
    this.cursor = this.chars.length;
    return this.render();
  }
}

function matchKey(data: string, i: number): string | null {
  // Longest match first: escape sequences are 3-4 characters long.
  for (const len of [4, 3, 1]) {
    const k = data.slice(i, i + len);
    if (k.length === len && k in KEYS) return k;
  }
  return null;
}

/** The longest prefix shared by every candidate. */
export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * Text that came from elsewhere (a peer's bytes a program printed) made safe for the terminal: control
 * characters become visible escapes, so no escape sequence reaches xterm to recolour, retitle, or
 * answer a query on the student's behalf. A carriage return that ends a line (HTTP's and telnet's
 * CRLF) stays invisible, as in a real terminal; one inside a line is shown, not obeyed, so nothing
 * printed can hide what came before it on the line.
 */
export function safeTerminalText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c, at: number) => {
    if (c === '\r' && (at === text.length - 1 || text[at + 1] === '\n')) return '';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
