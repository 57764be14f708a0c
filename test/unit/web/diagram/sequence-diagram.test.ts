import { describe, expect, it } from 'vitest';
import type { Lane, Row } from '../../../../web/src/diagram/layout.js';
import {
  DrawnWidth,
  droppedNote,
  headerLines,
  headerTextX,
  sidewaysTo,
  standaloneSvg,
} from '../../../../web/src/diagram/SequenceDiagram.js';

const lane = (l: Partial<Lane>): Lane => ({
  id: 'A',
  kind: 'socket',
  program: 'server',
  title: 'fd 5',
  subtitle: 'TCP socket',
  from: 0,
  to: null,
  ...l,
});

describe('following the newest event sideways', () => {
  it('does not move when the row is already in view', () => {
    expect(sidewaysTo([100, 300], 50, 400)).toBe(50);
  });
  it('moves just enough to show a row off to the right, or back to one off to the left', () => {
    expect(sidewaysTo([900, 1100], 0, 500)).toBe(600);
    expect(sidewaysTo([100, 300], 400, 500)).toBe(100);
  });
  it('shows a row wider than the view from its lifeline', () => {
    expect(sidewaysTo([700, 1500], 0, 500)).toBe(700);
  });
});

describe('a lane header the view cuts at one side', () => {
  // A box 200 wide around the lifeline at 500 (its text may use 407–593), a line 80 wide.
  it('stays over its lifeline while its box is in view', () => {
    expect(headerTextX(500, 200, 80, { left: 0, width: 1000 })).toBe(500);
    expect(headerTextX(500, 200, 80, { left: 400, width: 1000 })).toBe(500);
  });
  it('moves into the part of its box still in view, its text whole', () => {
    // Cut 43 px at the left: the middle of 450–593.
    expect(headerTextX(500, 200, 80, { left: 450, width: 600 })).toBe(521.5);
    // Cut at the right as well (a view narrower than the box).
    expect(headerTextX(500, 200, 80, { left: 420, width: 120 })).toBe(480);
  });
  it('goes no further than its box: with too little of it in view, its end shows', () => {
    expect(headerTextX(500, 200, 80, { left: 570, width: 600 })).toBe(553);
    expect(headerTextX(500, 200, 80, { left: 0, width: 430 })).toBe(447);
  });
});

describe('lane headers', () => {
  it('put a connection’s local and peer address on lines of their own', () => {
    expect(headerLines(lane({ subtitle: 'TCP 127.0.0.1:23660 ↔ 127.0.0.1:37646' }))).toEqual([
      'server: fd 5',
      'TCP 127.0.0.1:23660',
      '↔ 127.0.0.1:37646',
    ]);
    expect(
      headerLines(lane({ kind: 'lesson', title: 'echo', subtitle: 'lesson server 127.0.0.1:7007' })),
    ).toEqual(['echo', 'lesson server', '127.0.0.1:7007']);
  });
  it('are exported whole', () => {
    const svg = standaloneSvg(
      { lanes: [lane({ subtitle: 'TCP 127.0.0.1:23660 ↔ 127.0.0.1:37646' })], rows: [], spans: [] },
      16,
    );
    expect(svg).toContain('>TCP 127.0.0.1:23660<');
    expect(svg).toContain('>↔ 127.0.0.1:37646<');
  });
});

describe('a diagram whose oldest events were dropped', () => {
  it('says how many, and how many the page keeps', () => {
    expect(droppedNote(12_288, 50_000)).toBe(
      '↑ 12,288 earlier events are not shown: this page keeps the newest 50,000.',
    );
    expect(droppedNote(1, 1000)).toMatch(/^↑ 1 earlier event is not shown/);
  });
  it('says it in an exported file too, on a line above the lifelines', () => {
    const model = { lanes: [lane({})], rows: [], spans: [] };
    const plain = standaloneSvg(model, 16);
    const noted = standaloneSvg(model, 16, droppedNote(512, 1000));
    expect(plain).not.toContain('earlier events');
    expect(noted).toContain('>↑ 512 earlier events are not shown: this page keeps the newest 1,000.<');
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)?.[1]);
    expect(height(noted)).toBeGreaterThan(height(plain));
    // Wide enough for the note to show whole, however few lifelines.
    expect(Number(/width="(\d+)"/.exec(noted)?.[1])).toBeGreaterThan(
      Number(/width="(\d+)"/.exec(plain)?.[1]),
    );
  });
});

describe("the diagram's width as rows arrive", () => {
  const row = (seq: number, label: string, lane = 'A'): Row => ({
    seq,
    kind: 'result',
    lane,
    label,
    tone: 'ok',
    t: seq,
  });
  const laneX = new Map([
    ['A', 100],
    ['B', 400],
  ]);

  it('widens for a long row that arrives later, as measuring them all would', () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(i, '→ ok'));
    const widths = new DrawnWidth();
    const narrow = widths.of(rows, laneX, 500, 15);
    const more = [...rows, row(50, `→ b'${'x'.repeat(60)}'`, 'B')];
    const wide = widths.of(more, laneX, 500, 15);
    expect(wide).toBeGreaterThan(narrow);
    expect(wide).toBe(new DrawnWidth().of(more, laneX, 500, 15));
  });

  it('measures again when the oldest rows are gone, or the font changed', () => {
    const long = row(0, `→ b'${'x'.repeat(60)}'`, 'B');
    const rest = Array.from({ length: 10 }, (_, i) => row(i + 1, '→ ok'));
    const widths = new DrawnWidth();
    const wide = widths.of([long, ...rest], laneX, 500, 15);
    // The long row left the trace: the diagram may narrow again.
    expect(widths.of(rest, laneX, 500, 15)).toBeLessThan(wide);
    expect(widths.of(rest, laneX, 500, 30)).toBe(new DrawnWidth().of(rest, laneX, 500, 30));
  });
});
