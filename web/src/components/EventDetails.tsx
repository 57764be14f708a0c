// What one diagram row is about: its time, lifelines, and the exact bytes as text and hex.

import { b64Bytes, hexDump, visibleText } from '../diagram/format.js';
import type { Lane, Row } from '../diagram/layout.js';

export function EventDetails({
  row,
  lanes,
  source,
  onClose,
}: {
  row: Row;
  lanes: ReadonlyMap<string, Lane>;
  source: string | null;
  onClose(): void;
}) {
  const bytes = row.data ? b64Bytes(row.data) : null;
  const lane = lanes.get(row.lane);
  const to = row.to ? lanes.get(row.to) : undefined;
  return (
    <section className="details" aria-label="Event details">
      <header>
        <h2>Event</h2>
        <button type="button" onClick={onClose} aria-label="Close event details">
          ×
        </button>
      </header>
      <dl>
        <dt>what</dt>
        <dd>{row.label}</dd>
        <dt>when</dt>
        <dd>
          {(row.t / 1000).toFixed(6)} s after the session began (trace #{row.seq})
        </dd>
        <dt>where</dt>
        <dd>
          {lane ? `${lane.program} ${lane.title}` : '?'}
          {to ? ` → ${to.program} ${to.title}` : ''}
        </dd>
        {row.inferred && (
          <>
            <dt>source</dt>
            <dd>inferred by the page from the kernel's reported states and the call results</dd>
          </>
        )}
        {source && (
          <>
            <dt>typed</dt>
            <dd>
              <code>{source}</code>
            </dd>
          </>
        )}
        {bytes && (
          <>
            <dt>bytes</dt>
            <dd>{bytes.length}</dd>
            <dt>as text</dt>
            <dd>
              <code className="bytes-text">{visibleText(bytes)}</code>
            </dd>
            <dt>as hex</dt>
            <dd>
              <pre className="hexdump">{hexDump(bytes).join('\n')}</pre>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
