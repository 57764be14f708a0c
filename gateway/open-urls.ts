// The addresses printed at start: where the instructor opens the page on this machine, and where
// students open it from theirs. With a token, each carries it: the WebSocket is refused without it,
// and the page swaps it for a cookie and takes it out of the address bar on the first visit.

import { isLoopback } from './session/rules.js';

export interface OpenUrls {
  /** On this machine. */
  here: string;
  /** From other machines; null when the gateway listens on loopback only. */
  students: string[] | null;
}

export function openUrls(
  host: string,
  port: number,
  token: string | null,
  lanAddresses: readonly string[],
): OpenUrls {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const url = (h: string) => `http://${h.includes(':') ? `[${h}]` : h}:${port}/${query}`;
  const wildcard = host === '0.0.0.0' || host === '::';
  if (isLoopback(host) || host === 'localhost') return { here: url('localhost'), students: null };
  if (!wildcard) return { here: url(host), students: [url(host)] };
  // 0.0.0.0 takes IPv4 only; :: takes both (Linux's default dual-stack).
  const reachable = lanAddresses.filter((a) => host === '::' || !a.includes(':'));
  return { here: url('localhost'), students: reachable.map(url) };
}
