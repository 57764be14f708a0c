// The prompt's own words in a terminal (an error, the plain explanation under it, help()'s text),
// broken between words. xterm wraps a long line at the last column whatever is there, so at projector
// sizes a pane of 50 columns showed "Connection re" on one row and "fused" on the next. What a program
// prints is left as a terminal shows it.

/** Where the text of a line starts: after its indent, and after an explanation's arrow. */
const LEAD = /^\s*(↳ )?/;

/**
 * `line` in rows of at most `cols` characters, broken at spaces and joined with "\n". Rows after the
 * first start under the text (an explanation's rows under the words after its arrow), or two columns
 * in when the line has no indent. A word wider than a row is cut where the terminal would cut it.
 */
export function wrapWords(line: string, cols: number): string {
  if ([...line].length <= cols) return line;
  const lead = LEAD.exec(line)![0];
  const leadWidth = [...lead].length;
  if (leadWidth >= cols / 2) return line;
  const indent = ' '.repeat(leadWidth > 0 ? leadWidth : 2);
  const words = line.slice(lead.length).split(' ');
  const rows: string[] = [];
  let row = lead;
  let width = leadWidth;
  /** Whether `row` holds a word yet (beyond its lead or indent). */
  let filled = false;
  for (const word of words) {
    let chars = [...word];
    if (filled && width + 1 + chars.length <= cols) {
      row += ` ${word}`;
      width += 1 + chars.length;
      continue;
    }
    if (filled) {
      rows.push(row);
      row = indent;
      width = indent.length;
    }
    // Longer than a row: cut it, as the terminal would.
    while (width + chars.length > cols) {
      const room = cols - width;
      rows.push(row + chars.slice(0, room).join(''));
      chars = chars.slice(room);
      row = indent;
      width = indent.length;
    }
    row += chars.join('');
    width += chars.length;
    filled = true;
  }
  rows.push(row);
  return rows.join('\n');
}
