import { describe, expect, it } from 'vitest';
import type { Lane } from '../../../../web/src/diagram/layout.js';
import { headerLines, sidewaysTo, standaloneSvg } from '../../../../web/src/diagram/SequenceDiagram.js';

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

describe('lane headers', () => {
  it('put a connection’s local and peer address on lines of their own', () => {
    expect(headerLines(lane({ subtitle: 'TCP 127.0.0.1:23660 ↔ 127.0.0.1:37646' }))).toEqual([
      'server: fd 5',
      'TCP 127.0.0.1:23660',
      '↔ 127.0.0.1:37646',
    ]);
    expect(
      headerLines(lane({ kind: 'lesson', title: 'echo', subtitle: 'lesson server 127.0.0.1:7007' })),
    ).toEqual(['echo', 'lesson server 127.0.0.1:7007', '']);
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
