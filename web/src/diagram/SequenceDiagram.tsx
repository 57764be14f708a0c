// Renders a DiagramModel as SVG: lifelines, calls, results, kernel segments and states. Only the rows
// in view are drawn, so ten thousand events scroll as smoothly as ten. Knows nothing of the gateway.

import { forwardRef, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { useFollowNewest } from '../components/follow-newest.js';
import type { DiagramModel, Lane, Row, Tone } from './layout.js';

export interface DiagramHandle {
  /** The whole diagram (every row) as a standalone SVG document. */
  toSvg(): string;
}

interface Props {
  model: DiagramModel;
  /** Events the page's trace dropped before the first one drawn, and how many it keeps. */
  dropped?: { events: number; keeps: number };
  fontSize: number;
  selected: number | null;
  onSelect(row: number | null): void;
}

const OVERSCAN = 20;

export function metrics(fontSize: number) {
  return {
    laneWidth: Math.round(fontSize * 11),
    /** A program's own lifeline carries few calls (socket(), names): it can be narrower. */
    programWidth: Math.round(fontSize * 7),
    rowHeight: Math.round(fontSize * 1.9),
    /** Three lines: the socket, its local address, its peer (the 4-tuple lesson 5 is about). */
    headerHeight: Math.round(fontSize * 4.4),
    font: fontSize * 0.85,
  };
}

export const SequenceDiagram = forwardRef<DiagramHandle, Props>(function SequenceDiagram(
  { model, dropped, fontSize, selected, onSelect },
  ref,
) {
  const m = metrics(fontSize);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ top: 0, height: 600, left: 0, width: 800 });
  const { x: laneX, width: lanesWidth } = useMemo(
    () => geometry(model.lanes, metrics(fontSize)),
    [model.lanes, fontSize],
  );
  const [widths] = useState(() => new DrawnWidth());
  const width = useMemo(
    () => widths.of(model.rows, laneX, lanesWidth, fontSize),
    [widths, model.rows, laneX, lanesWidth, fontSize],
  );
  const height = Math.max(1, model.rows.length) * m.rowHeight + m.rowHeight;

  // Follow the newest event unless the student scrolled back to read: down to its row, and sideways
  // to its lifeline (with more lifelines than the screen is wide, the newest is often off to the right).
  const follow = useFollowNewest(scroller, height, m.rowHeight * 2, (el) => {
    const newest = model.rows.at(-1);
    if (newest) el.scrollLeft = sidewaysTo(rowExtent(newest, laneX, m), el.scrollLeft, el.clientWidth);
    setView(viewOf(el));
  });
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    setView(viewOf(el));
    follow.onScroll();
  }, [follow.onScroll]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView(viewOf(el)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const note = dropped && dropped.events > 0 ? droppedNote(dropped.events, dropped.keeps) : null;
  useImperativeHandle(ref, () => ({ toSvg: () => standaloneSvg(model, fontSize, note) }), [
    model,
    fontSize,
    note,
  ]);

  const first = Math.max(0, Math.floor(view.top / m.rowHeight) - OVERSCAN);
  const last = Math.min(model.rows.length, Math.ceil((view.top + view.height) / m.rowHeight) + OVERSCAN);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (model.rows.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const cur = selected ?? (e.key === 'ArrowDown' ? -1 : model.rows.length);
      const next = Math.min(model.rows.length - 1, Math.max(0, cur + (e.key === 'ArrowDown' ? 1 : -1)));
      onSelect(next);
      const el = scroller.current;
      if (el) {
        const y = next * m.rowHeight;
        if (y < el.scrollTop) el.scrollTop = y;
        else if (y + m.rowHeight > el.scrollTop + el.clientHeight)
          el.scrollTop = y + m.rowHeight - el.clientHeight;
      }
    } else if (e.key === 'End') {
      // The newest event, and the view follows new ones again.
      e.preventDefault();
      onSelect(model.rows.length - 1);
      follow.jump();
    } else if (e.key === 'Home') {
      e.preventDefault();
      onSelect(0);
      if (scroller.current) scroller.current.scrollTop = 0;
    } else if (e.key === 'Escape') onSelect(null);
  };

  return (
    <div className="diagram">
      <div className="diagram-scroller" ref={scroller} onScroll={onScroll}>
        <svg className="diagram-header" width={width} height={m.headerHeight} aria-hidden="true">
          <LaneHeaders lanes={model.lanes} laneX={laneX} m={m} view={view} />
        </svg>
        {/* Scrolled back to the top of a long session: it does not start here, and says so. */}
        {note && <p className="diagram-dropped">{note}</p>}
        {/* A keyboard widget: focus it and ↑ ↓ walk its events; the event log is its text equivalent. */}
        <svg
          className="diagram-body"
          width={width}
          height={height}
          role="application"
          aria-roledescription="call-flow diagram"
          aria-label={`Call-flow diagram: ${model.lanes.length} lifelines, ${model.rows.length} events. Up and down arrows select events, Home and End the first and the newest; the event log below lists them as text.`}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a keyboard widget (application role): arrows select its events
          tabIndex={0}
          onKeyDown={onKeyDown}
          onClick={(e) => {
            const row = (e.target as Element).closest('[data-row]')?.getAttribute('data-row');
            if (row != null) onSelect(Number(row));
          }}
        >
          <Lifelines model={model} laneX={laneX} m={m} height={height} />
          {model.spans.map((s) =>
            s.to !== null && (s.to < first || s.from > last) ? null : (
              <WaitSpan
                key={s.callId}
                x={laneX.get(s.lane) ?? 0}
                from={s.from}
                to={s.to ?? model.rows.length}
                m={m}
              />
            ),
          )}
          {model.rows.slice(first, last).map((row, i) => (
            <RowView
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are append-only; a row's index is its identity
              key={first + i}
              index={first + i}
              row={row}
              laneX={laneX}
              m={m}
              selected={selected === first + i}
            />
          ))}
        </svg>
      </div>
      {model.rows.length === 0 && (
        <p className="diagram-empty">
          Every call your programs make will appear here, on the lifeline of its socket, with what the kernel
          answered and did.
        </p>
      )}
      {!follow.following && (
        <button type="button" className="jump-newest" onClick={follow.jump}>
          ↓ newest
        </button>
      )}
    </div>
  );
});

type M = ReturnType<typeof metrics>;

/** What the top of a diagram whose oldest events were dropped says. */
export function droppedNote(events: number, keeps: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `↑ ${n(events)} earlier event${events === 1 ? ' is' : 's are'} not shown: this page keeps the newest ${n(keeps)}.`;
}

/** From where to where a row is drawn, left to right: an arrow between its lifelines, a box beside one. */
function rowExtent(row: Row, laneX: Map<string, number>, m: M): [number, number] {
  const x = laneX.get(row.lane) ?? 0;
  if (row.kind === 'arrow' && row.to) {
    const x2 = laneX.get(row.to) ?? x;
    return [Math.min(x, x2) - m.font, Math.max(x, x2) + m.font];
  }
  return [x - m.font, x - 3 + rowText(row, m).width];
}

/**
 * The least sideways scroll that shows [from, to] in a view `width` wide, now at `left`. A row wider
 * than the view shows from its start: its lifeline, where it is attached.
 */
export function sidewaysTo([from, to]: [number, number], left: number, width: number): number {
  if (from >= left && to <= left + width) return left;
  if (to - from > width || from < left) return Math.max(0, from);
  return to - width;
}

/**
 * A lane's header as lines: who (program and fd), then where. A connection's address pair is split
 * over two lines so both ports show whole: the 4-tuple is what tells connections apart.
 */
export function headerLines(l: Lane): [string, string, string] {
  const title = l.kind === 'socket' ? `${l.program}: ${l.title}` : l.title;
  // A lesson server's address on a line of its own, so its port is never cut: it is what a student
  // connects to.
  const lesson = /^lesson server (.+)$/.exec(l.subtitle);
  if (lesson) return [title, 'lesson server', lesson[1]!];
  const [local = '', peer] = l.subtitle.split(' ↔ ');
  return [title, local, peer === undefined ? '' : `↔ ${peer}`];
}

/** Where each lifeline stands: programs narrow, sockets and peers wide, side by side. */
function geometry(
  lanes: readonly Lane[],
  m: M,
): { x: Map<string, number>; w: Map<string, number>; width: number } {
  const x = new Map<string, number>();
  const w = new Map<string, number>();
  let at = 0;
  for (const l of lanes) {
    const lw = l.kind === 'program' ? m.programWidth : m.laneWidth;
    x.set(l.id, at + lw / 2);
    w.set(l.id, lw);
    at += lw;
  }
  return { x, w, width: Math.max(1, at) };
}

/** The part of the drawing in view. */
interface View {
  top: number;
  height: number;
  left: number;
  width: number;
}

const viewOf = (el: HTMLElement): View => ({
  top: el.scrollTop,
  height: el.clientHeight,
  left: el.scrollLeft,
  width: el.clientWidth,
});

/**
 * Where the middle of a header's line goes: over its lifeline (x), or, when the view cuts the header's
 * box (lw wide) at one side, in the middle of the part still in view, never out of the box. Following
 * a row scrolls just enough to show the row, which can leave its lifeline's header half off the left
 * edge: its name stays whole ("client3: fd 29", not "lient3: fd 29").
 */
export function headerTextX(
  x: number,
  lw: number,
  textWidth: number,
  view: Pick<View, 'left' | 'width'>,
): number {
  const box0 = x - lw / 2 + 7;
  const box1 = x + lw / 2 - 7;
  const seen0 = Math.max(box0, view.left);
  const seen1 = Math.min(box1, view.left + view.width);
  if (seen1 <= seen0) return x;
  const half = Math.min(textWidth, box1 - box0) / 2;
  return Math.min(Math.max((seen0 + seen1) / 2, box0 + half), box1 - half);
}

function LaneHeaders({
  lanes,
  laneX,
  m,
  view,
}: {
  lanes: Lane[];
  laneX: Map<string, number>;
  m: M;
  view: View;
}) {
  return (
    <>
      {lanes.map((l) => {
        const x = laneX.get(l.id) ?? 0;
        const lw = l.kind === 'program' ? m.programWidth : m.laneWidth;
        const [title, local, peer] = headerLines(l);
        // A closed socket's header is dimmed: the kernel may give its fd number to the next socket.
        const closed = l.kind === 'socket' && l.to !== null;
        const fits = (t: string, size: number) => clip(t, (lw - 8) / (size * CHAR_EM));
        const at = (t: string, size: number) => headerTextX(x, lw, t.length * size * CHAR_EM, view);
        const name = fits(title, m.font * 1.05);
        return (
          <g key={l.id} className={`lane-head lane-${l.kind}${closed ? ' lane-closed' : ''}`}>
            <title>{`${title}${closed ? ' (closed)' : ''}\n${[local, peer].filter(Boolean).join(' ')}`}</title>
            <rect x={x - lw / 2 + 3} y={2} width={lw - 6} height={m.headerHeight - 4} rx={6} />
            <text
              x={at(name, m.font * 1.05)}
              y={m.headerHeight * 0.3}
              textAnchor="middle"
              fontSize={m.font * 1.05}
              fontWeight={600}
            >
              {name}
            </text>
            {[local, peer].map((line, i) => {
              const shown = fits(line, m.font * 0.85);
              return (
                <text
                  // biome-ignore lint/suspicious/noArrayIndexKey: the header's two address lines, fixed
                  key={i}
                  x={at(shown, m.font * 0.85)}
                  y={m.headerHeight * (0.56 + i * 0.24)}
                  textAnchor="middle"
                  fontSize={m.font * 0.85}
                >
                  {shown}
                </text>
              );
            })}
          </g>
        );
      })}
    </>
  );
}

function Lifelines({
  model,
  laneX,
  m,
  height,
}: {
  model: DiagramModel;
  laneX: Map<string, number>;
  m: M;
  height: number;
}) {
  return (
    <>
      {model.lanes.map((l) => {
        const x = laneX.get(l.id) ?? 0;
        const y1 = l.from * m.rowHeight;
        const y2 = l.to === null ? height : l.to * m.rowHeight;
        return (
          <line
            key={l.id}
            className={`lifeline lifeline-${l.kind}`}
            x1={x}
            x2={x}
            y1={y1}
            y2={y2}
            strokeDasharray={l.kind === 'program' ? '2 4' : undefined}
          />
        );
      })}
    </>
  );
}

function WaitSpan({ x, from, to, m }: { x: number; from: number; to: number; m: M }) {
  const y1 = from * m.rowHeight + m.rowHeight * 0.8;
  const y2 = Math.max(y1 + 4, to * m.rowHeight + m.rowHeight * 0.2);
  return (
    <g className="wait-span">
      <rect x={x - 4} y={y1} width={8} height={y2 - y1} rx={3} />
      <title>blocked in the kernel, waiting</title>
    </g>
  );
}

/** A mark before a row's label, for tones whose labels do not carry one (errors' start with ✗). */
const TONE_MARK: Record<Tone, string> = {
  call: '',
  ok: '',
  error: '',
  kernel: '',
  data: '',
  state: '',
  server: '',
  note: 'ℹ ',
};

function RowView({
  row,
  index,
  laneX,
  m,
  selected,
}: {
  row: Row;
  index: number;
  laneX: Map<string, number>;
  m: M;
  selected: boolean;
}) {
  const y = index * m.rowHeight + m.rowHeight / 2;
  const x = laneX.get(row.lane) ?? 0;
  const cls = `row row-${row.kind} tone-${row.tone}${row.inferred ? ' inferred' : ''}${selected ? ' selected' : ''}`;
  if (row.kind === 'arrow' && row.to) {
    const x2 = laneX.get(row.to) ?? x;
    const dir = x2 >= x ? 1 : -1;
    const mid = (x + x2) / 2;
    return (
      <g className={cls} data-row={index}>
        <rect
          className="hit"
          x={Math.min(x, x2)}
          y={y - m.rowHeight / 2}
          width={Math.abs(x2 - x) || 10}
          height={m.rowHeight}
        />
        <line
          x1={x}
          x2={x2 - dir * 6}
          y1={y + 3}
          y2={y + 3}
          strokeDasharray={row.inferred ? '5 4' : undefined}
        />
        <path d={`M ${x2} ${y + 3} l ${-dir * 8} -5 l 0 10 z`} />
        <text x={mid} y={y - 3} textAnchor="middle" fontSize={m.font}>
          {row.inferred
            ? `${row.label} (kernel)`
            : clip(row.label, Math.max(12, Math.abs(x2 - x) / (m.font * 0.6)))}
        </text>
      </g>
    );
  }
  const { text, width } = rowText(row, m);
  return (
    <g className={cls} data-row={index}>
      <rect x={x - 3} y={y - m.rowHeight * 0.42} width={width} height={m.rowHeight * 0.84} rx={4} />
      <text x={x + 4} y={y + m.font * 0.35} fontSize={m.font}>
        {text}
      </text>
    </g>
  );
}

/** A monospace character's advance, in ems (generous: a box must not end inside its text). */
const CHAR_EM = 0.62;

/**
 * What a row beside its lifeline says, as drawn, and the width of the box around it. On the page long
 * labels are clipped (the event's details show them whole); an exported file keeps them `whole`.
 */
function rowText(row: Row, m: M, whole = false): { text: string; width: number } {
  const marked = `${TONE_MARK[row.tone]}${row.label}`;
  const shown = (s: string, n: number) => (whole ? s : clip(s, n));
  const text = row.kind === 'state' ? `⟨${shown(marked, 84)}⟩` : shown(marked, 96);
  return { text, width: text.length * m.font * CHAR_EM + 12 };
}

/**
 * How wide the diagram must be for every row's text to show whole: labels run to the right of their
 * lifeline, and the rightmost lifeline's (often a client's errors) would otherwise be cut at its edge.
 */
function drawnWidth(
  rows: readonly Row[],
  laneX: Map<string, number>,
  lanesWidth: number,
  m: M,
  whole = false,
  from = 0,
): number {
  let width = lanesWidth;
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.kind === 'arrow' && row.to) continue;
    width = Math.max(width, (laneX.get(row.lane) ?? 0) - 3 + rowText(row, m, whole).width + 4);
  }
  return Math.ceil(width);
}

/**
 * drawnWidth for the page, as rows arrive: while the rows are the last ones and more, on the same
 * lifelines at the same size, only the new rows are measured (measuring all 50,000 was most of what
 * drawing one more event cost). The width never narrows then; any other change measures them all.
 */
export class DrawnWidth {
  private last: { rows: readonly Row[]; laneX: Map<string, number>; fontSize: number; width: number } | null =
    null;

  of(rows: readonly Row[], laneX: Map<string, number>, lanesWidth: number, fontSize: number): number {
    const m = metrics(fontSize);
    const l = this.last;
    const n = l?.rows.length ?? 0;
    const grew =
      l !== null &&
      l.laneX === laneX &&
      l.fontSize === fontSize &&
      n > 0 &&
      rows.length >= n &&
      rows[0] === l.rows[0] &&
      rows[n - 1] === l.rows[n - 1];
    const width = grew
      ? drawnWidth(rows, laneX, l.width, m, false, n)
      : drawnWidth(rows, laneX, lanesWidth, m);
    this.last = { rows, laneX, fontSize, width };
    return width;
  }
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, Math.max(1, Math.floor(n) - 1))}…` : s);

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Every row, drawn with inline styles so the file stands alone (for export). A `note` (events dropped
 * before these) goes on a line of its own above the lifelines.
 */
export function standaloneSvg(model: DiagramModel, fontSize: number, note: string | null = null): string {
  const m = metrics(fontSize);
  const { x, w, width: lanesWidth } = geometry(model.lanes, m);
  const top = note ? m.rowHeight : 0;
  const width = Math.max(
    drawnWidth(model.rows, x, lanesWidth, m, true),
    note ? Math.ceil(note.length * m.font * CHAR_EM + 8) : 0,
  );
  const height = top + m.headerHeight + (model.rows.length + 1) * m.rowHeight;
  const color: Record<Tone, string> = {
    call: '#1f3a93',
    ok: '#14662e',
    error: '#b00020',
    kernel: '#6b4f00',
    data: '#005f73',
    state: '#555555',
    server: '#6a1b9a',
    note: '#333333',
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="ui-monospace, monospace" font-size="${m.font}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (note) out.push(`<text x="4" y="${m.rowHeight * 0.65}" fill="#555555">${esc(note)}</text>`);
  out.push(`<g transform="translate(0 ${top})">`);
  for (const l of model.lanes) {
    const lx = x.get(l.id)!;
    const lw = w.get(l.id)!;
    const [title, local, peer] = headerLines(l);
    out.push(
      `<rect x="${lx - lw / 2 + 3}" y="2" width="${lw - 6}" height="${m.headerHeight - 4}" rx="6" fill="#eef2f7" stroke="#445"/>`,
      `<text x="${lx}" y="${m.headerHeight * 0.3}" text-anchor="middle" font-weight="600">${esc(title)}</text>`,
      `<text x="${lx}" y="${m.headerHeight * 0.56}" text-anchor="middle" font-size="${m.font * 0.85}">${esc(local)}</text>`,
      `<text x="${lx}" y="${m.headerHeight * 0.8}" text-anchor="middle" font-size="${m.font * 0.85}">${esc(peer)}</text>`,
      `<line x1="${lx}" x2="${lx}" y1="${m.headerHeight + l.from * m.rowHeight}" y2="${m.headerHeight + (l.to ?? model.rows.length + 1) * m.rowHeight}" stroke="#889" ${l.kind === 'program' ? 'stroke-dasharray="2 4"' : ''}/>`,
    );
  }
  model.rows.forEach((row, i) => {
    const y = m.headerHeight + i * m.rowHeight + m.rowHeight / 2;
    const lx = x.get(row.lane) ?? 0;
    const c = color[row.tone];
    if (row.kind === 'arrow' && row.to) {
      const x2 = x.get(row.to) ?? lx;
      const dir = x2 >= lx ? 1 : -1;
      out.push(
        `<line x1="${lx}" x2="${x2 - dir * 6}" y1="${y + 3}" y2="${y + 3}" stroke="${c}" ${row.inferred ? 'stroke-dasharray="5 4"' : ''}/>`,
        `<path d="M ${x2} ${y + 3} l ${-dir * 8} -5 l 0 10 z" fill="${c}"/>`,
        `<text x="${(lx + x2) / 2}" y="${y - 3}" text-anchor="middle" fill="${c}">${esc(row.inferred ? `${row.label} (kernel)` : row.label)}</text>`,
      );
    } else {
      out.push(
        `<text x="${lx + 4}" y="${y + m.font * 0.35}" fill="${c}">${esc(rowText(row, m, true).text)}</text>`,
      );
    }
  });
  out.push('</g>', '</svg>');
  return out.join('\n');
}
