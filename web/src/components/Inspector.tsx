// The socket inspector: every socket of this session as the kernel reports it, updated live.
// Sockets the program closed but the kernel still keeps (TIME_WAIT) stay, greyed, until it forgets them.
// Columns in `ss`'s order: the state and the queues the lessons point at come before the addresses.
// Where the table is too narrow for all of them (a lesson open beside it on a projector, or the text
// made bigger), each socket's type and addresses move to a line of their own under its row rather than
// off the side, and narrower still its program too: lesson 5's point is that every accepted socket
// shows the server's port, lesson 4's the backlog column.

import { Fragment } from 'react';
import { shortAddr } from '../diagram/format.js';
import type { SocketRow } from '../store/state.js';

const ANY = new Set(['0.0.0.0', '::']);

/**
 * lanHosts: this machine's addresses classmates can reach (LAN mode), empty otherwise. hadSockets:
 * this page made sockets before (all closed now, and forgotten by the kernel).
 */
export function Inspector({
  sockets,
  lanHosts = [],
  hadSockets = false,
}: {
  sockets: Record<string, SocketRow>;
  lanHosts?: readonly string[];
  hadSockets?: boolean;
}) {
  const rows = Object.values(sockets).sort((a, b) => (a.fd ?? 1e9) - (b.fd ?? 1e9) || a.seq - b.seq);
  const reachable = rows.filter(
    (s) => s.state === 'LISTEN' && s.local && (ANY.has(s.local[0]) || lanHosts.includes(s.local[0])),
  );
  return (
    <section className="inspector" aria-label="Socket inspector">
      <h2>Sockets</h2>
      <table>
        <thead>
          <tr>
            <th scope="col" className="program-col">
              program
            </th>
            <th scope="col">fd</th>
            <th scope="col" className="wide-only">
              type
            </th>
            <th scope="col">state</th>
            <th scope="col" title="bytes received by the kernel, not yet read by the program">
              recv-Q
            </th>
            <th scope="col" title="bytes sent but not yet acknowledged by the peer">
              send-Q
            </th>
            <th scope="col" title="connections completed by the kernel, waiting for accept()">
              backlog
            </th>
            <th scope="col" className="wide-only">
              local
            </th>
            <th scope="col" className="wide-only">
              remote
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={9} className="empty">
                {hadSockets ? (
                  'No open sockets: every socket of this page is closed, and the kernel has forgotten them.'
                ) : (
                  <>
                    No sockets yet: create one with <code>socket.socket()</code> in a terminal.
                  </>
                )}
              </td>
            </tr>
          )}
          {rows.map((s) => (
            <Fragment key={s.socket}>
              <tr className={s.fd === null ? 'kernel-only' : undefined}>
                <td className="program-col">{s.program ?? '–'}</td>
                <td>
                  {s.fd ?? <abbr title="no file descriptor: only the kernel holds this socket">none</abbr>}
                </td>
                <td className="wide-only">{s.proto.toUpperCase()}</td>
                <td>
                  <span className={`state state-${s.state}`}>{s.state}</span>
                  {s.fd === null && <span className="note"> (kernel only)</span>}
                </td>
                <td>{s.recvQ}</td>
                <td>{s.sendQ}</td>
                <td>{s.acceptQ !== undefined ? `${s.acceptQ}/${s.backlog}` : ''}</td>
                <td className="wide-only">{shortAddr(s.local)}</td>
                <td className="wide-only">{shortAddr(s.remote)}</td>
              </tr>
              <tr className={`addresses narrow-only${s.fd === null ? ' kernel-only' : ''}`}>
                <td colSpan={6}>
                  {/* Each label stays with its address when the line wraps. */}
                  <span className="narrowest-only">{s.program ?? '–'} </span>
                  {s.proto.toUpperCase()}{' '}
                  <span className="pair">
                    <span className="note">local</span> {shortAddr(s.local)}
                  </span>{' '}
                  <span className="pair">
                    <span className="note">remote</span> {shortAddr(s.remote)}
                  </span>
                </td>
              </tr>
            </Fragment>
          ))}
        </tbody>
      </table>
      {lanHosts.length > 0 &&
        reachable.map((s) => {
          const host = s.local && !ANY.has(s.local[0]) ? s.local[0] : lanHosts[0]!;
          return (
            <p key={s.socket} className="reach">
              Classmates reach {s.program}'s listener with{' '}
              <code>
                nc {host} {s.local?.[1]}
              </code>
            </p>
          );
        })}
    </section>
  );
}
