// A roulette table speaking the kind of protocol seed 000 describes (FTP's, RFC 959): short text
// commands, every reply opening with a 3-digit status code, multi-line replies for HELP and STATUS.
// Each connection plays alone with its own chips; the wheel's randomness is injected for tests.
//
// The first digit is what a program acts on: 1 = more replies follow, 2 = done, 4 = not done but
// worth trying again, 5 = an error, do not repeat. The second says what about: 0 syntax,
// 1 information, 2 the connection, 3 accounting (chips). Replies end in \r\n like FTP's and SMTP's.

import type { TcpConn, TcpLesson } from './lesson.js';
import { type Line, lineSession, MAX_LINE_BYTES } from './line-reader.js';

export interface RouletteOptions {
  /** Numbers in [0, 1), one per spin. Default Math.random. */
  random?: () => number;
  /** How long the wheel spins between the 110 and the 231 reply. */
  spinDelayMs?: number;
  /** Chips each new connection starts with. */
  chips?: number;
}

const MAX_BETS = 10;
// Commands typed while the wheel spins wait their turn, as on a sequential server; not forever.
const MAX_QUEUED = 20;
const RED = new Set([1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36]);
const USAGE = 'BET <chips> <red|black|even|odd|0-36>';

type Target = 'red' | 'black' | 'even' | 'odd' | number;

interface Bet {
  chips: number;
  target: Target;
}

/** A small seeded generator (mulberry32), so a test or a lesson can replay the same spins. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The FTP convention: `211-first`, indented middle lines, and `211 last` to end the reply. */
export function multiline(code: number, lines: string[]): string {
  const first = lines[0] ?? '';
  const last = lines.length > 1 ? (lines[lines.length - 1] ?? '') : 'End';
  const middle = lines.slice(1, -1).map((l) => ` ${l}\r\n`);
  return `${code}-${first}\r\n${middle.join('')}${code} ${last}\r\n`;
}

export function rouletteServer(opts: RouletteOptions = {}): TcpLesson {
  const random = opts.random ?? Math.random;
  const spinDelayMs = opts.spinDelayMs ?? 400;
  const startChips = opts.chips ?? 100;
  return {
    name: 'roulette',
    description: 'A roulette table that answers with 3-digit status codes: HELP, BET, STATUS, SPIN, QUIT.',
    busy: (limit, yours) =>
      yours
        ? `421 You already play at ${limit} places at this table; leave one first.\r\n`
        : `421 The table is full (${limit} players); try again later.\r\n`,
    idle: (seconds) => `421 No command for ${seconds} s; closing the connection.\r\n`,
    open(conn) {
      const table = new Table(conn, random, spinDelayMs, startChips);
      conn.send(`220 Roulette table open. You have ${startChips} chips; type HELP for the commands.\r\n`);
      return lineSession(conn, {
        line: (line) => table.command(line),
        tooLong: `500 Line longer than ${MAX_LINE_BYTES} bytes; closing the connection.\r\n`,
        end: () => table.clientDone(),
      });
    },
  };
}

class Table {
  private bets: Bet[] = [];
  private spins = 0;
  private spinning = false;
  private queue: Line[] = [];
  private closeWhenIdle = false;

  constructor(
    private readonly conn: TcpConn,
    private readonly random: () => number,
    private readonly spinDelayMs: number,
    private chips: number,
  ) {}

  command(line: Line): void {
    if (this.spinning) {
      if (this.queue.length >= MAX_QUEUED) {
        this.conn.send(one('421 Too many commands while the wheel spins; closing the connection.'));
        this.conn.close();
        return;
      }
      this.queue.push(line);
      return;
    }
    const words = line.text.trim().split(/\s+/);
    const verb = (words[0] ?? '').toUpperCase();
    this.conn.send(this.answer(verb, words.slice(1)));
    if (verb === 'QUIT') this.conn.close();
  }

  /** The client sent end of file: answer what is pending, then close. */
  clientDone(): void {
    this.closeWhenIdle = true;
    if (!this.spinning) this.conn.close();
  }

  private answer(verb: string, args: string[]): string {
    switch (verb) {
      case '':
        return one('500 Empty command; type HELP for the list.');
      case 'HELP':
        return multiline(214, [
          'Commands, in upper or lower case, one per line:',
          `${USAGE}   put chips on the table`,
          'SPIN     spin the wheel and settle every bet',
          'STATUS   your chips and the bets on the table',
          'HELP     this list',
          'QUIT     leave the table',
          'A number pays 35 to 1; red, black, even and odd pay 1 to 1; 0 is the house pocket.',
          'Codes: 1xx more replies follow, 2xx done, 4xx try again later, 5xx error.',
          'End of help',
        ]);
      case 'STATUS':
        return multiline(211, [
          'Table status',
          `Chips in hand: ${this.chips}`,
          `Bets on the table: ${this.bets.length}`,
          ...this.bets.map((b) => ` ${b.chips} on ${b.target}`),
          `Spins so far: ${this.spins}`,
          'End of status',
        ]);
      case 'BET':
        return one(this.bet(args));
      case 'SPIN':
        return one(this.spin());
      case 'QUIT':
        return one('221 Thanks for playing; closing the connection.');
      default:
        return one(`500 Unknown command "${verb.slice(0, 20)}"; type HELP for the list.`);
    }
  }

  private bet(args: string[]): string {
    const [stake, where] = args;
    if (args.length !== 2 || stake === undefined || where === undefined) return `501 Usage: ${USAGE}`;
    if (!/^\d{1,9}$/.test(stake) || Number(stake) === 0) {
      return `501 "${stake.slice(0, 12)}" is not a number of chips; usage: ${USAGE}`;
    }
    const target = parseTarget(where);
    if (target === null) return `501 "${where.slice(0, 12)}" is not on the table; usage: ${USAGE}`;
    const chips = Number(stake);
    if (chips > this.chips) return `532 Not enough chips: you have ${this.chips}.`;
    if (this.bets.length >= MAX_BETS) return `431 At most ${MAX_BETS} bets per spin; SPIN first.`;
    this.chips -= chips;
    this.bets.push({ chips, target });
    return `230 Bet taken: ${chips} on ${target}. ${this.chips} chips left in hand.`;
  }

  private spin(): string {
    if (this.bets.length === 0) return '503 No bets on the table; BET first.';
    this.spinning = true;
    this.conn.later(this.spinDelayMs, () => this.settle());
    return '110 No more bets: the wheel is spinning.';
  }

  private settle(): void {
    const pocket = Math.min(36, Math.floor(this.random() * 37));
    const colour = pocket === 0 ? 'green' : RED.has(pocket) ? 'red' : 'black';
    let paid = 0;
    for (const b of this.bets) {
      if (wins(b.target, pocket)) paid += b.chips * (typeof b.target === 'number' ? 36 : 2);
    }
    this.chips += paid;
    this.bets = [];
    this.spins++;
    this.spinning = false;
    const broke = this.chips === 0 ? ' You are out of chips: reconnect for a fresh stack.' : '';
    this.conn.send(
      one(
        `231 The ball stops on ${pocket} (${colour}). Paid out ${paid}; you now have ${this.chips} chips.${broke}`,
      ),
    );
    while (!this.spinning && !this.conn.closed && this.queue.length > 0) {
      const next = this.queue.shift();
      if (next) this.command(next);
    }
    if (!this.spinning && this.closeWhenIdle) this.conn.close();
  }
}

/** A one-line reply. */
function one(line: string): string {
  return `${line}\r\n`;
}

function parseTarget(word: string): Target | null {
  const w = word.toLowerCase();
  if (w === 'red' || w === 'black' || w === 'even' || w === 'odd') return w;
  if (/^\d{1,2}$/.test(w) && Number(w) <= 36) return Number(w);
  return null;
}

function wins(target: Target, pocket: number): boolean {
  if (typeof target === 'number') return target === pocket;
  if (pocket === 0) return false;
  switch (target) {
    case 'red':
      return RED.has(pocket);
    case 'black':
      return !RED.has(pocket);
    case 'even':
      return pocket % 2 === 0;
    case 'odd':
      return pocket % 2 === 1;
    default: {
      const unhandled: never = target;
      return unhandled;
    }
  }
}
