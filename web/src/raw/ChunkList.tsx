// The hex view of a raw stream: one entry per chunk as the kernel moved it (a piece it took to send, or
// what one recv() got), with its direction, time and byte count, then its bytes in hex and printable
// ASCII. Text nodes only.

import { memo, useRef } from 'react';
import { useFollowNewest } from '../components/follow-newest.js';
import type { Chunk } from './raw-session.js';
import { clockTime, hexRows } from './render-bytes.js';

/** Chunks rendered at once, and hex rows per chunk: the rest is summarised, to keep the page quick. */
const SHOWN_CHUNKS = 300;
const SHOWN_ROWS = 32;
const ROW_BYTES = 8;

export const ChunkList = memo(function ChunkList({
  chunks,
  dropped,
  label,
}: {
  chunks: readonly Chunk[];
  dropped: number;
  label: string;
}) {
  const list = useRef<HTMLOListElement>(null);
  const shown = chunks.slice(-SHOWN_CHUNKS);
  const hidden = dropped + chunks.length - shown.length;

  // Follow new chunks, unless the student scrolled up to read older ones.
  const { following, onScroll, jump } = useFollowNewest(list, chunks, 24);

  return (
    <div className="raw-chunks-box">
      <ol
        className="raw-chunks"
        ref={list}
        aria-label={label}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the list scrolls; keyboard users must reach it to scroll
        tabIndex={0}
        onScroll={onScroll}
      >
        {hidden > 0 && <li className="raw-chunk-note">{hidden} older chunks not shown</li>}
        {shown.length === 0 && <li className="raw-chunk-note">No bytes yet.</li>}
        {shown.map((c) => (
          <ChunkItem key={c.id} chunk={c} />
        ))}
      </ol>
      {!following && (
        <button type="button" className="jump-newest" onClick={jump}>
          ↓ newest chunk
        </button>
      )}
    </div>
  );
});

/**
 * One chunk, drawn once: a chunk never changes, so a new one arriving costs its own hex rows, not
 * those of the 300 above it (in a flood of 64 KiB reads, redrawing them all was the page's main work).
 */
const ChunkItem = memo(function ChunkItem({ chunk: c }: { chunk: Chunk }) {
  const rows = hexRows(c.bytes.subarray(0, SHOWN_ROWS * ROW_BYTES), ROW_BYTES);
  const more = c.bytes.length - SHOWN_ROWS * ROW_BYTES;
  return (
    <li className={`raw-chunk raw-chunk-${c.dir}`}>
      <div className="raw-chunk-head">
        <span className="raw-dir">{c.dir === 'out' ? '→ sent' : '← received'}</span>{' '}
        <time>{clockTime(c.at)}</time> <span className="raw-count">{plural(c.bytes.length, 'byte')}</span>
      </div>
      {rows.length > 0 && (
        <pre>
          {rows.map((r) => `${r.offset}  ${r.hex}  ${r.text}`).join('\n')}
          {more > 0 ? `\n… ${more} more bytes` : ''}
        </pre>
      )}
    </li>
  );
});

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
