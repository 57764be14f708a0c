// The page's raw sessions: opened from the toolbar (Alt+R) or by a link (#/raw/echo opens one to the
// echo lesson server, for course pages), each a program of its own (raw, raw2...) whose calls and
// streams the diagram draws like any other's. Closes their sockets when a panel or the page goes away.

import { type Ref, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { Call, ServerMessage } from '../../../gateway/protocol/messages.js';
import type { Welcome } from '../store/actions.js';
import type { SocketRow } from '../store/state.js';
import { RawSessionPanel } from './RawSessionPanel.js';
import type { CallReply, RawSessionController, RawTarget, WriteReply } from './raw-session.js';
import './raw.css';

export interface RawSessionsHandle {
  /** Opens a new raw session panel (its target chosen in the panel). */
  open(): void;
}

interface Props {
  conn: {
    call(program: string, call: Call, signal?: AbortSignal, source?: string): Promise<CallReply>;
    write(socket: string, bytes: Uint8Array): Promise<WriteReply>;
    onMessage(fn: (msg: ServerMessage) => void): () => void;
  };
  session: Welcome | null;
  sockets: Record<string, SocketRow>;
  fontSize: number;
  theme: 'light' | 'dark';
  ref?: Ref<RawSessionsHandle>;
}

interface Panel {
  program: string;
  initial: RawTarget | null;
  message: string | null;
}

const ROUTE = /^#\/raw\/([^/?#]+)$/;

export function RawSessions({ conn, session, sockets, fontSize, theme, ref }: Props) {
  const [panels, setPanels] = useState<Panel[]>([]);
  const count = useRef(0);
  const controllers = useRef(new Map<string, RawSessionController>());
  const routed = useRef<string | null>(null);

  const open = useCallback((initial: RawTarget | null = null, message: string | null = null) => {
    count.current++;
    const program = count.current === 1 ? 'raw' : `raw${count.current}`;
    setPanels((p) => [...p, { program, initial, message }]);
  }, []);

  useImperativeHandle(ref, () => ({ open: () => open() }), [open]);

  // #/raw/NAME: a raw session to that lesson server, once per link followed.
  useEffect(() => {
    if (!session) return;
    const route = () => {
      const m = ROUTE.exec(window.location.hash);
      if (!m || routed.current === window.location.hash) return;
      routed.current = window.location.hash;
      const name = decodeURIComponent(m[1]!);
      const lesson = session.lessonServers.find((l) => l.name === name);
      if (lesson) {
        open({
          mode: 'connect',
          proto: lesson.proto,
          host: lesson.host,
          port: lesson.port,
          name: lesson.name,
        });
      } else {
        const names = session.lessonServers.map((l) => l.name).join(', ');
        open(
          null,
          `The link asked for a lesson server named "${name}", and there is none (there are: ${names}).`,
        );
      }
    };
    route();
    window.addEventListener('hashchange', route);
    return () => window.removeEventListener('hashchange', route);
  }, [session, open]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyR') {
        e.preventDefault();
        open();
      }
    };
    // Closing the tab: close the sockets now rather than leave them to the gateway's grace period.
    const onHide = () => {
      for (const c of controllers.current.values()) void c.dispose();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pagehide', onHide);
    };
  }, [open]);

  if (panels.length === 0) return null;
  return (
    <div className="raw-sessions">
      {panels.map((p) => (
        <RawSessionPanel
          key={p.program}
          program={p.program}
          gateway={{
            call: (call, signal, source) => conn.call(p.program, call, signal, source),
            write: (socket, bytes) => conn.write(socket, bytes),
            onMessage: (fn) => conn.onMessage(fn),
          }}
          session={session}
          sockets={sockets}
          fontSize={fontSize}
          theme={theme}
          initial={p.initial}
          message={p.message}
          onController={(c) => {
            if (c) controllers.current.set(p.program, c);
            else controllers.current.delete(p.program);
          }}
          onClose={() => {
            void controllers.current.get(p.program)?.dispose();
            controllers.current.delete(p.program);
            setPanels((all) => all.filter((x) => x.program !== p.program));
          }}
        />
      ))}
    </div>
  );
}
