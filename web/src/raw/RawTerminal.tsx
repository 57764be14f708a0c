// One raw stream on an xterm Terminal. By default every byte goes through the safe writer, so nothing
// a peer sends can act on the terminal. "Interpret as terminal" writes the peer's bytes as they are,
// but titles, the clipboard (OSC 52) and hyperlinks are swallowed, and nothing is ever read back from
// xterm: no onData listener exists, so replies to queries (CSI 6n...) never reach the peer.

import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { memo, useEffect, useRef, useState } from 'react';
import {
  fitTerminal,
  swallowDangerousOsc,
  TERMINAL_FONT,
  TERMINAL_LINE_HEIGHT,
  TERMINAL_MIN_CONTRAST,
  TERMINAL_THEMES,
} from '../terminal/xterm-setup.js';
import type { CloseEvent, RawStream } from './raw-session.js';
import { SafeTerminalWriter } from './render-bytes.js';

interface Props {
  stream: RawStream | undefined;
  interpret: boolean;
  fontSize: number;
  theme: 'light' | 'dark';
  /** Accessible name of the terminal's region. */
  label: string;
  /** How the peer is called in the close notes: "echo", "the client"... */
  peerName: string;
}

interface Written {
  stream: number | null;
  interpret: boolean;
  /** The width the safe view was laid out for: its marks are kept whole on their rows. */
  cols: number;
  lastChunk: number;
  ended: boolean;
  writer: SafeTerminalWriter;
}

export const RawTerminal = memo(function RawTerminal({
  stream,
  interpret,
  fontSize,
  theme,
  label,
  peerName,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const written = useRef<Written | null>(null);
  const [cols, setCols] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: font and theme are applied below without rebuilding
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const t = new Terminal({
      fontSize,
      fontFamily: TERMINAL_FONT,
      lineHeight: TERMINAL_LINE_HEIGHT,
      theme: TERMINAL_THEMES[theme],
      minimumContrastRatio: TERMINAL_MIN_CONTRAST,
      // Keys never go through xterm: the input line below is the only way bytes leave.
      disableStdin: true,
      cursorBlink: false,
      cursorInactiveStyle: 'none',
      convertEol: false,
      scrollback: 5000,
      allowProposedApi: false,
    });
    t.open(el);
    swallowDangerousOsc(t);
    if (t.textarea) {
      t.textarea.setAttribute('aria-label', `${label} (read only)`);
      t.textarea.tabIndex = -1;
    }
    term.current = t;
    written.current = null;
    const fitToHost = () => {
      fitTerminal(t, el, { cols: 10, rows: 3 });
      setCols(t.cols);
    };
    const ro = new ResizeObserver(fitToHost);
    ro.observe(el);
    el.addEventListener('refit', fitToHost);
    fitToHost();
    return () => {
      ro.disconnect();
      el.removeEventListener('refit', fitToHost);
      t.dispose();
      term.current = null;
    };
  }, []);

  useEffect(() => {
    const t = term.current;
    if (!t) return;
    t.options.fontSize = fontSize;
    t.options.theme = TERMINAL_THEMES[theme];
    host.current?.dispatchEvent(new Event('refit'));
  }, [fontSize, theme]);

  useEffect(() => {
    const t = term.current;
    if (!t) return;
    let w = written.current;
    const id = stream?.id ?? null;
    if (!w || w.stream !== id || w.interpret !== interpret || (!interpret && w.cols !== cols)) {
      // Another stream, another way of showing it, or another width: start over from the bytes kept.
      t.reset();
      const writer = new SafeTerminalWriter(cols > 0 ? cols : undefined);
      w = { stream: id, interpret, cols, lastChunk: 0, ended: false, writer };
      written.current = w;
      if (stream && stream.dropped > 0)
        t.write(writer.note(`(${stream.dropped} older chunks were not kept)`));
      if (interpret)
        t.write(
          writer.note(
            "Interpreting the peer's bytes: colours and cursor moves apply; titles, clipboard and replies are blocked; your own bytes are not shown.",
          ),
        );
    }
    if (!stream) return;
    // Bytes and closes in the order they happened (they share one counter).
    const fresh = [...stream.chunks, ...stream.closes]
      .filter((e) => e.id > w.lastChunk)
      .sort((a, b) => a.id - b.id);
    for (const e of fresh) {
      w.lastChunk = e.id;
      if ('what' in e) {
        if (!interpret) t.write(w.writer.end('in') + w.writer.note(`── ${closeNote(e, peerName)} ──`));
      } else if (interpret) {
        if (e.dir === 'in') t.write(e.bytes);
      } else {
        t.write(w.writer.write(e.dir, e.bytes));
      }
    }
    if (!interpret && !w.ended && (stream.status === 'closed' || stream.status === 'failed')) {
      w.ended = true;
      t.write(w.writer.end('in'));
    }
  }, [stream, interpret, peerName, cols]);

  return (
    <section className="raw-terminal" aria-label={label} data-cols={cols}>
      <div className="raw-terminal-host" ref={host} />
    </section>
  );
});

function closeNote(e: CloseEvent, peer: string): string {
  switch (e.what) {
    case 'you-fin':
      return e.how === 'shutdown' ? 'you sent EOF: FIN (shutdown)' : 'you closed: FIN';
    case 'peer-fin':
      return `${peer} closed: FIN (recv → 0 bytes)`;
    case 'peer-rst':
      return `${peer} reset: RST (ECONNRESET)`;
    default: {
      const unhandled: never = e;
      return String(unhandled);
    }
  }
}
