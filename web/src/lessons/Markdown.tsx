// The small Markdown the lessons are written in, rendered as React elements: paragraphs, lists,
// headings, fenced code, `code`, **bold**, *emphasis* (or _emphasis_) and http(s) links. Never HTML:
// text stays text.

import type { ReactNode } from 'react';

type Block =
  | { kind: 'p'; text: string }
  | { kind: 'h'; level: number; text: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'code'; text: string };

export function parseBlocks(md: string): Block[] {
  const blocks: Block[] = [];
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i++]!);
      i++;
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) {
      blocks.push({ kind: 'h', level: h[1]!.length, text: h[2]! });
      i++;
      continue;
    }
    const list = /^\s*([-*]|\d+\.)\s+/.exec(line);
    if (list) {
      const ordered = /\d/.test(list[1]!);
      const items: string[] = [];
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i]!)) {
        let item = lines[i]!.replace(/^\s*([-*]|\d+\.)\s+/, '');
        i++;
        // Continuation lines of an item are indented.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]!) && !/^\s*([-*]|\d+\.)\s+/.test(lines[i]!)) {
          item += ` ${lines[i]!.trim()}`;
          i++;
        }
        items.push(item);
      }
      blocks.push({ kind: ordered ? 'ol' : 'ul', items });
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !lines[i]!.startsWith('```') &&
      !/^#{1,4}\s/.test(lines[i]!)
    ) {
      para.push(lines[i]!.trim());
      i++;
    }
    blocks.push({ kind: 'p', text: para.join(' ') });
  }
  return blocks;
}

/**
 * Code cut into the pieces a narrow column may wrap between: after a `.`, `(`, `[`, `,` or `/`
 * followed by more code, not by a space or a closing bracket (`socket.` `create_connection(`
 * `('` `/proc/`). Names never break inside, as a browser left to break anywhere breaks them
 * (`socket.AF_I` / `NET`), nor do numbers (`127.0.0.1`, `1.5`); spaces are wrap points already.
 */
export function codePieces(code: string): string[] {
  return code.split(/(?<=[([,/]|(?<!\d)\.|\.(?!\d))(?=[^\s)\]])/);
}

/** Code with a line-break opportunity (<wbr>, which copies as nothing) between its pieces. */
export function breakableCode(code: string): ReactNode[] {
  // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one text never reorder
  return codePieces(code).flatMap((piece, i) => (i === 0 ? [piece] : [<wbr key={i} />, piece]));
}

/**
 * Inline spans: `code`, **bold**, *emphasis*, _emphasis_, [text](http...). Underscores emphasise only
 * outside words, as in CommonMark: SO_REUSEADDR and connect_ex stay as they are.
 */
export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re =
    /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|(?<!\w)_([^_\s](?:[^_]*[^_\s])?)_(?!\w)|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g;
  let last = 0;
  let n = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const key = n++;
    if (m[1] !== undefined) out.push(<code key={key}>{breakableCode(m[1])}</code>);
    else if (m[2] !== undefined) out.push(<strong key={key}>{m[2]}</strong>);
    else if (m[3] !== undefined || m[4] !== undefined) out.push(<em key={key}>{m[3] ?? m[4]}</em>);
    else
      out.push(
        <a key={key} href={m[6]} target="_blank" rel="noopener noreferrer">
          {m[5]}
        </a>,
      );
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function Markdown({ text }: { text: string }) {
  return (
    <>
      {parseBlocks(text).map((b, i) => {
        switch (b.kind) {
          case 'p':
            // biome-ignore lint/suspicious/noArrayIndexKey: blocks of one text never reorder
            return <p key={i}>{inline(b.text)}</p>;
          case 'h':
            // biome-ignore lint/suspicious/noArrayIndexKey: blocks of one text never reorder
            return <h3 key={i}>{inline(b.text)}</h3>;
          case 'code':
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: blocks of one text never reorder
              <pre key={i}>
                <code>{b.text}</code>
              </pre>
            );
          default: {
            const items = b.items.map((it, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: items of one list never reorder
              <li key={j}>{inline(it)}</li>
            ));
            // biome-ignore lint/suspicious/noArrayIndexKey: blocks of one text never reorder
            return b.kind === 'ul' ? <ul key={i}>{items}</ul> : <ol key={i}>{items}</ol>;
          }
        }
      })}
    </>
  );
}
