import { describe, expect, it } from 'vitest';
import { commonPrefix, LineEditor, safeTerminalText } from '../../../../web/src/terminal/line-editor.js';

describe('LineEditor', () => {
  it('edits with arrows, backspace and delete, and submits on Enter', () => {
    const e = new LineEditor();
    e.feed('s.recv(10)');
    e.feed('\x1b[D\x1b[D\x7f');
    e.feed('2');
    expect(e.line).toBe('s.recv(20)');
    const { effects } = e.feed('\r');
    expect(effects).toEqual([{ type: 'submit', line: 's.recv(20)' }]);
    expect(e.line).toBe('');
  });

  it('walks history with up and down, keeping the draft', () => {
    const e = new LineEditor();
    e.feed('first\r');
    e.feed('second\r');
    e.feed('dra');
    e.feed('\x1b[A');
    expect(e.line).toBe('second');
    e.feed('\x1b[A');
    expect(e.line).toBe('first');
    e.feed('\x1b[B\x1b[B');
    expect(e.line).toBe('dra');
  });

  it('turns a paste of several lines into several submissions', () => {
    const e = new LineEditor();
    const { effects } = e.feed('a = 1\nb = 2\n');
    expect(effects).toEqual([
      { type: 'submit', line: 'a = 1' },
      { type: 'submit', line: 'b = 2' },
    ]);
  });

  it('stops at the first line ending so the rest can wait for the next prompt', () => {
    const e = new LineEditor();
    const r = e.feedUntilSubmit('s.accept()\r\nx = 1\r\n');
    expect(r.effects).toEqual([{ type: 'submit', line: 's.accept()' }]);
    expect(r.rest).toBe('x = 1\r\n');
  });

  it('asks for completion, interrupt and clear', () => {
    const e = new LineEditor();
    e.feed('socket.AF');
    expect(e.feed('\t').effects).toEqual([{ type: 'complete', before: 'socket.AF' }]);
    expect(e.feed('\x03').effects).toEqual([{ type: 'interrupt' }]);
    expect(e.feed('\x0c').effects).toEqual([{ type: 'clear' }]);
  });

  it('indents with Tab at the start of a line, and keeps pasted tabs as Python reads them', () => {
    const e = new LineEditor();
    expect(e.feed('\t').effects).toEqual([]);
    expect(e.line).toBe('    ');
    e.reset();
    e.feed('  ');
    e.feed('\t');
    expect(e.line).toBe('    ');
    e.feed('x');
    expect(e.feed('\t').effects).toEqual([{ type: 'complete', before: '    x' }]);
    // Pasted (seed 003's server and menu): a tab is spaces to the next multiple of 8.
    e.reset();
    expect(e.feed('\ttry: cmd\r').effects).toEqual([{ type: 'submit', line: '        try: cmd' }]);
    expect(e.feed('ab\tc\r').effects).toEqual([{ type: 'submit', line: 'ab      c' }]);
  });

  it('ends input at Ctrl-D on an empty line, and deletes under the cursor otherwise, as readline does', () => {
    const e = new LineEditor();
    expect(e.feed('\x04').effects).toEqual([{ type: 'eof' }]);
    e.feed('abc\x1b[D\x1b[D');
    expect(e.feed('\x04').effects).toEqual([]);
    expect(e.line).toBe('ac');
  });

  it('keeps multi-byte characters whole', () => {
    const e = new LineEditor();
    e.feed('x = "🌮"');
    e.feed('\x1b[D\x7f');
    expect(e.line).toBe('x = ""');
  });
});

describe('LineEditor on a narrow terminal', () => {
  it('redraws a wrapped line from its first row, so no copy of it is left behind', () => {
    const e = new LineEditor();
    e.cols = 10;
    e.feed('0123456789ab'); // prompt (4) + 12 = 16 columns: two rows
    const out = e.feed('c').output;
    // Up one row to the prompt, erase to the end of the screen, draw again, cursor at column 8.
    expect(out).toBe('\x1b[1A\r\x1b[J>>> 0123456789abc\x1b[8G');
  });

  it('moves to the end of a wrapped line before submitting it', () => {
    const e = new LineEditor();
    e.cols = 10;
    e.feed('0123456789ab');
    e.feed('\x1b[H'); // cursor home: row 0
    const { output } = e.feed('\r');
    expect(output).toBe('\r\x1b[J>>> 0123456789ab\x1b[7G\r\n');
  });

  it('submits a line that exactly fills its row onto the next row, with no empty line after it', () => {
    const e = new LineEditor();
    e.cols = 10;
    e.feed('012345'); // prompt (4) + 6 = 10 columns: the row is full
    const { output } = e.feed('\r');
    // One move to the next row, made by the render; none added after it.
    expect(output).toBe('\x1b[1A\r\x1b[J>>> 012345\r\n\x1b[1G');
    expect(output.split('\r\n')).toHaveLength(2);
  });
});

describe('safeTerminalText', () => {
  it('makes escape sequences and carriage returns visible instead of letting the terminal run them', () => {
    expect(safeTerminalText('\x1b]52;c;?\x07')).toBe('\\x1b]52;c;?\\x07');
    expect(safeTerminalText('a\rb\tc')).toBe('a\\x0db\tc');
  });

  it('drops the CR of a CRLF line ending, invisible in a real terminal too', () => {
    expect(safeTerminalText('HTTP/1.0 200 OK\r')).toBe('HTTP/1.0 200 OK');
    expect(safeTerminalText('220 Ready\r\n221 Bye\r\n')).toBe('220 Ready\n221 Bye\n');
    expect(safeTerminalText('\r\r')).toBe('\\x0d');
  });
});

describe('commonPrefix', () => {
  it('finds what all candidates share', () => {
    expect(commonPrefix(['recv', 'recvfrom', 'recv_into'])).toBe('recv');
  });
});
