// One raw session's panel: choose a target (connect to host:port, or listen on one of the session's
// ports, TCP or UDP), then one tab per connection with its terminal and hex view side by side, an
// input line (line, hex or character mode), half-close, close, reconnect, paste and file sending.

import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import type { CallError } from '../../../gateway/protocol/messages.js';
import { pyBytes } from '../diagram/format.js';
import type { Welcome } from '../store/actions.js';
import type { SocketRow } from '../store/state.js';
import { ChunkList, plural } from './ChunkList.js';
import {
  type InputMode,
  keyToBytes,
  LINE_ENDINGS,
  type LineEnding,
  lineToBytes,
  pastedLines,
  utf8,
} from './input-bytes.js';
import { RawTerminal } from './RawTerminal.js';
import {
  closeStory,
  type RawGateway,
  RawSessionController,
  type RawState,
  type RawStream,
  type RawTarget,
  shortAddress,
  streamStatusText,
} from './raw-session.js';

interface Props {
  program: string;
  gateway: RawGateway;
  session: Welcome | null;
  sockets: Record<string, SocketRow>;
  fontSize: number;
  theme: 'light' | 'dark';
  /** Opened from a link (#/raw/echo): start at once. */
  initial: RawTarget | null;
  /** Something to say above the form (a link to a lesson server that does not exist). */
  message: string | null;
  onController(ctrl: RawSessionController | null): void;
  onClose(): void;
}

export function RawSessionPanel(props: Props) {
  const { program, gateway, initial, onController } = props;
  const [ctrl, setCtrl] = useState<RawSessionController | null>(null);
  const started = useRef(false);

  const start = (target: RawTarget) => {
    const c = new RawSessionController(program, target, gateway);
    setCtrl(c);
    onController(c);
    void c.start();
  };

  // A link opens the session at once, exactly once (a ref survives StrictMode's second effect run).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the first render's target is a link
  useEffect(() => {
    if (initial && !started.current) {
      started.current = true;
      start(initial);
    }
  }, []);

  const title = ctrl ? describeTarget(ctrl.getSnapshot().target) : 'raw bytes: choose a target';
  return (
    <section className="program raw-panel" aria-label={`${program}: raw session`}>
      <div className="program-head">
        <h2>
          {program} <span className="hint">{title}</span>
        </h2>
        {ctrl && (
          <button
            type="button"
            className="raw-new"
            onClick={() => {
              void ctrl.dispose();
              onController(null);
              setCtrl(null);
            }}
            title="close this session's sockets and choose another target"
          >
            New target
          </button>
        )}
        <button
          type="button"
          aria-label={`Close ${program}`}
          title="Close this raw session and its sockets"
          onClick={props.onClose}
        >
          ×
        </button>
      </div>
      {ctrl ? <RawRunning {...props} ctrl={ctrl} /> : <RawSetup {...props} onStart={start} />}
    </section>
  );
}

function describeTarget(t: RawTarget): string {
  const proto = t.proto.toUpperCase();
  const where = `${t.host}:${t.port}`;
  return t.mode === 'listen'
    ? `${proto} listening on ${where}`
    : `${proto} to ${t.name ? `${t.name} ` : ''}${where}`;
}

// -----------------------------------------------------------------------------------------------

function RawSetup({ session, message, program, onStart }: Props & { onStart(target: RawTarget): void }) {
  const lessons = session?.lessonServers ?? [];
  const ports = session?.ports ?? [];
  const first = lessons.find((l) => l.name === 'echo') ?? lessons[0];
  const [mode, setMode] = useState<'connect' | 'listen'>('connect');
  const [proto, setProto] = useState<'tcp' | 'udp'>(first?.proto ?? 'tcp');
  const [host, setHost] = useState(first?.host ?? '127.0.0.1');
  const [port, setPort] = useState(first ? String(first.port) : '');
  const [bindHost, setBindHost] = useState('127.0.0.1');
  const [listenPort, setListenPort] = useState(ports.length ? String(ports[ports.length - 1]) : '');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const firstField = useRef<HTMLInputElement>(null);

  useEffect(() => firstField.current?.focus(), []);

  const lesson = lessons.find((l) => l.proto === proto && l.host === host && String(l.port) === port);
  const bindHosts = ['127.0.0.1', '::1', ...(session?.bindHosts ?? [])];

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const p = Number(mode === 'connect' ? port : listenPort);
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      setError('The port must be a whole number from 1 to 65535.');
      return;
    }
    if (mode === 'connect' && host.trim() === '') {
      setError('Write the host to connect to, e.g. 127.0.0.1.');
      return;
    }
    onStart(
      mode === 'connect'
        ? { mode, proto, host: host.trim(), port: p, ...(lesson ? { name: lesson.name } : {}) }
        : { mode, proto, host: bindHost, port: p },
    );
  };

  return (
    <form className="raw-setup" onSubmit={submit} aria-label={`${program}: choose what to connect to`}>
      {message && (
        <p className="raw-message" role="alert">
          {message}
        </p>
      )}
      <fieldset>
        <legend>Mode</legend>
        <label>
          <input
            ref={firstField}
            type="radio"
            name={`${id}-mode`}
            checked={mode === 'connect'}
            onChange={() => setMode('connect')}
          />{' '}
          Connect
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-mode`}
            checked={mode === 'listen'}
            onChange={() => setMode('listen')}
          />{' '}
          Listen
        </label>
      </fieldset>
      <span className="raw-field">
        <label htmlFor={`${id}-proto`}>Protocol</label>
        <select id={`${id}-proto`} value={proto} onChange={(e) => setProto(e.target.value as 'tcp' | 'udp')}>
          <option value="tcp">TCP</option>
          <option value="udp">UDP</option>
        </select>
      </span>
      {mode === 'connect' ? (
        <>
          <span className="raw-field">
            <label htmlFor={`${id}-lesson`}>Lesson server</label>
            <select
              id={`${id}-lesson`}
              value={lesson ? lesson.name : ''}
              onChange={(e) => {
                const l = lessons.find((x) => x.name === e.target.value);
                if (!l) return;
                setProto(l.proto);
                setHost(l.host);
                setPort(String(l.port));
              }}
            >
              <option value="">other address</option>
              {lessons.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name} ({l.proto} {l.port})
                </option>
              ))}
            </select>
          </span>
          <span className="raw-field">
            <label htmlFor={`${id}-host`}>Host</label>
            <input
              id={`${id}-host`}
              className="raw-host"
              value={host}
              onChange={(e) => setHost(e.target.value)}
              autoComplete="off"
            />
          </span>
          <span className="raw-field">
            <label htmlFor={`${id}-port`}>Port</label>
            <input
              id={`${id}-port`}
              className="raw-port"
              inputMode="numeric"
              value={port}
              onChange={(e) => setPort(e.target.value.trim())}
              autoComplete="off"
            />
          </span>
        </>
      ) : (
        <>
          <span className="raw-field">
            <label htmlFor={`${id}-bind`}>Address</label>
            <select id={`${id}-bind`} value={bindHost} onChange={(e) => setBindHost(e.target.value)}>
              {bindHosts.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </span>
          <span className="raw-field">
            <label htmlFor={`${id}-lport`}>Port</label>
            {ports.length > 0 ? (
              <select id={`${id}-lport`} value={listenPort} onChange={(e) => setListenPort(e.target.value)}>
                {ports.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            ) : (
              <input
                id={`${id}-lport`}
                className="raw-port"
                inputMode="numeric"
                value={listenPort}
                onChange={(e) => setListenPort(e.target.value.trim())}
              />
            )}
          </span>
        </>
      )}
      <button type="submit">{mode === 'connect' ? 'Connect' : 'Listen'}</button>
      {error && (
        <p className="raw-error" role="alert">
          ✗ {error}
        </p>
      )}
    </form>
  );
}

// -----------------------------------------------------------------------------------------------

const MAX_FILE_BYTES = 4 << 20;

function RawRunning(props: Props & { ctrl: RawSessionController }) {
  const { ctrl, program, sockets, fontSize, theme } = props;
  const st: RawState = useSyncExternalStore(ctrl.subscribe, ctrl.getSnapshot);
  const { target, listener, streams } = st;
  const [selected, setSelected] = useState<number | null>(null);
  const [mode, setMode] = useState<InputMode>('line');
  const [ending, setEnding] = useState<LineEnding>('crlf');
  const [text, setText] = useState('');
  const [interpret, setInterpret] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const history = useRef<{ lines: string[]; at: number }>({ lines: [], at: 0 });
  const input = useRef<HTMLInputElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const tabs = useRef<HTMLDivElement>(null);
  const panelId = useId();

  const current = streams.find((s) => s.id === selected) ?? streams[streams.length - 1];
  const newest = streams[streams.length - 1];

  // A new connection (a client accepted, a reconnect) takes the view unless the one shown is still open.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a stream is added
  useEffect(() => {
    if (!newest) return;
    const shown = streams.find((s) => s.id === selected);
    if (shown?.status !== 'open') setSelected(newest.id);
  }, [newest?.id]);

  // The input line is where keys go: focus it as soon as there is something to talk to.
  const ready = current?.status === 'open';
  useEffect(() => {
    if (ready) input.current?.focus();
  }, [ready]);

  const udp = target.proto === 'udp';
  const peerName = target.mode === 'listen' ? 'the client' : (target.name ?? 'the peer');
  const parsed = mode === 'char' ? null : lineToBytes(text, mode, ending);
  const open = current?.status === 'open';
  const sentEof = !!current?.closes.some((c) => c.what === 'you-fin');
  const kernel = current?.socket ? sockets[current.socket]?.state : undefined;

  const send = (bytes: Uint8Array, source: string) => {
    if (!current) return;
    void ctrl.send(current.id, bytes, source);
  };

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (mode === 'char' || !parsed || !current) return;
    if (!parsed.ok) return;
    send(
      parsed.bytes,
      `${mode === 'hex' ? 'hex' : 'line'}: ${text}${mode === 'hex' ? '' : ` + ${LINE_ENDINGS[ending].label}`}`,
    );
    const h = history.current;
    if (text && h.lines[h.lines.length - 1] !== text) h.lines.push(text);
    if (h.lines.length > 200) h.lines.shift();
    h.at = h.lines.length;
    setText('');
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (mode === 'char') {
      const bytes = keyToBytes(e, ending);
      if (!bytes) return;
      e.preventDefault();
      send(bytes, `key ${e.key}`);
      return;
    }
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      const h = history.current;
      const at = Math.max(0, Math.min(h.lines.length, h.at + (e.key === 'ArrowUp' ? -1 : 1)));
      if (at === h.at) return;
      e.preventDefault();
      h.at = at;
      setText(h.lines[at] ?? '');
    }
  };

  const sendFiles = async (files: File[]) => {
    if (!current) return;
    for (const f of files) {
      if (f.size > MAX_FILE_BYTES) {
        setInfo(`${f.name} is ${f.size} bytes: files up to ${MAX_FILE_BYTES} bytes can be sent here`);
        continue;
      }
      const bytes = new Uint8Array(await f.arrayBuffer());
      setInfo(`sending ${f.name} (${bytes.length} bytes)…`);
      const ok = await ctrl.send(current.id, bytes, `file ${f.name}`);
      setInfo(ok ? `sent ${f.name}: ${bytes.length} bytes` : `${f.name} was not sent in full`);
    }
  };

  const onPaste = (e: React.ClipboardEvent<HTMLInputElement>) => {
    const files = [...e.clipboardData.files];
    if (files.length > 0) {
      // Binary paste (a copied file or image): its bytes go out as they are.
      e.preventDefault();
      void sendFiles(files);
      return;
    }
    const pasted = e.clipboardData.getData('text/plain');
    const el = e.currentTarget;
    if (mode === 'char') {
      e.preventDefault();
      send(utf8(pasted), 'paste');
    } else if (mode === 'hex' && /[\r\n]/.test(pasted)) {
      e.preventDefault();
      setText(
        el.value.slice(0, el.selectionStart ?? 0) +
          pasted.replace(/\s+/g, ' ') +
          el.value.slice(el.selectionEnd ?? 0),
      );
    } else if (mode === 'line' && /[\r\n]/.test(pasted)) {
      // Several lines: each is sent with the chosen ending, as typed into nc; the last part stays.
      e.preventDefault();
      const full = el.value.slice(0, el.selectionStart ?? 0) + pasted + el.value.slice(el.selectionEnd ?? 0);
      const lines = full.split(/\r\n|\n|\r/);
      const rest = lines.pop() ?? '';
      send(pastedLines(`${lines.join('\n')}\n`, ending), 'paste');
      setText(rest);
    }
  };

  const onTabKey = (e: React.KeyboardEvent) => {
    if (!current || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End'))
      return;
    e.preventDefault();
    const i = streams.findIndex((s) => s.id === current.id);
    const next =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? streams.length - 1
          : (i + (e.key === 'ArrowRight' ? 1 : -1) + streams.length) % streams.length;
    const s = streams[next];
    if (!s) return;
    setSelected(s.id);
    requestAnimationFrame(() => tabs.current?.querySelector<HTMLElement>(`[data-stream="${s.id}"]`)?.focus());
  };

  const inputLabel =
    mode === 'char'
      ? 'Keys to send (each key is sent as you type)'
      : mode === 'hex'
        ? 'Hex bytes to send'
        : 'Line to send';

  return (
    <>
      <div className="raw-actions">
        {!udp && (
          <button
            type="button"
            disabled={!open || sentEof}
            onClick={() => current && void ctrl.sendEof(current.id)}
            title="shutdown(SHUT_WR): send FIN and keep receiving, like nc -N"
          >
            Send EOF
          </button>
        )}
        <button
          type="button"
          disabled={!current || (current.status !== 'open' && current.status !== 'connecting')}
          onClick={() => current && void ctrl.close(current.id)}
          title="close() this connection"
        >
          {target.mode === 'listen' ? 'Close client' : 'Close'}
        </button>
        {target.mode === 'connect' ? (
          <button type="button" onClick={() => void ctrl.reconnect()} title="close, then connect again">
            Reconnect
          </button>
        ) : (
          <button
            type="button"
            disabled={listener?.status !== 'listening'}
            onClick={() => void ctrl.stopListening()}
            title="close the listening socket; connected clients stay"
          >
            Stop listening
          </button>
        )}
        <button type="button" disabled={!open} onClick={() => file.current?.click()}>
          Send file…
        </button>
        <input
          ref={file}
          type="file"
          hidden
          aria-label="File to send"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void sendFiles(files);
          }}
        />
        <label
          className="raw-check"
          title="let the peer's escape sequences act on this terminal (never titles, clipboard or replies)"
        >
          <input type="checkbox" checked={interpret} onChange={(e) => setInterpret(e.target.checked)} />{' '}
          Interpret as terminal
        </label>
      </div>

      <div className="raw-status">
        {/* Only changes of state are announced; the byte counts beside them change with every chunk. */}
        <span role="status">
          {listener && <ListenerLine listener={listener} proto={target.proto} />}
          {current && (
            <StreamLine stream={current} proto={target.proto} peerName={peerName} listening={!!listener} />
          )}
          {!current && listener?.status === 'listening' && (
            <span className="raw-wait">
              {udp ? 'Waiting for a datagram…' : 'Waiting for a client to connect…'}
            </span>
          )}
        </span>
        {current && (
          <span className="raw-counts">
            {' '}
            · → {plural(current.bytesOut, 'byte')} sent · ← {current.bytesIn} received
            {kernel ? ` · kernel: ${kernel}` : ''}
          </span>
        )}
      </div>
      {listener?.status === 'failed' && listener.error && <ErrorLine error={listener.error} />}
      {current?.error && <ErrorLine error={current.error} />}

      {(streams.length > 1 || target.mode === 'listen') && streams.length > 0 && (
        <div
          className="raw-tabs"
          role="tablist"
          aria-label={`${program} connections`}
          ref={tabs}
          onKeyDown={onTabKey}
        >
          {streams.map((s) => {
            const on = s.id === current?.id;
            return (
              <button
                key={s.id}
                type="button"
                role="tab"
                data-stream={s.id}
                aria-selected={on}
                aria-controls={`${panelId}-panel`}
                tabIndex={on ? 0 : -1}
                onClick={() => setSelected(s.id)}
                aria-label={`${s.title}: ${streamStatusText(s, target.proto, peerName)}`}
              >
                {statusSymbol(s)} {s.title}
              </button>
            );
          })}
        </div>
      )}

      <div
        className="raw-body"
        id={`${panelId}-panel`}
        role="tabpanel"
        aria-label={current?.title ?? 'no connection yet'}
      >
        <RawTerminal
          stream={current}
          interpret={interpret}
          fontSize={Math.max(10, fontSize - 2)}
          theme={theme}
          label={`${program} bytes on screen`}
          peerName={peerName}
        />
        <ChunkList
          chunks={current?.chunks ?? []}
          dropped={current?.dropped ?? 0}
          label={`${program} hex view, chunk by chunk`}
        />
      </div>

      <form className="raw-input" onSubmit={submit} aria-label={`${program}: send bytes`}>
        <select aria-label="Input mode" value={mode} onChange={(e) => setMode(e.target.value as InputMode)}>
          <option value="line">Line mode</option>
          <option value="hex">Hex bytes</option>
          <option value="char">Character mode</option>
        </select>
        {mode !== 'hex' && (
          <select
            aria-label="Line ending"
            value={ending}
            onChange={(e) => setEnding(e.target.value as LineEnding)}
          >
            {(Object.keys(LINE_ENDINGS) as LineEnding[]).map((k) => (
              <option key={k} value={k}>
                {LINE_ENDINGS[k].label}
              </option>
            ))}
          </select>
        )}
        <input
          ref={input}
          type="text"
          className="raw-line"
          aria-label={inputLabel}
          aria-describedby={`${panelId}-preview`}
          placeholder={
            mode === 'char'
              ? 'keys go out as you type'
              : mode === 'hex'
                ? '48 65 6c 6c 6f'
                : 'text, \\r \\n \\t \\x00 \\\\'
          }
          value={mode === 'char' ? '' : text}
          onChange={(e) => mode !== 'char' && setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          autoComplete="off"
          spellCheck={false}
        />
        {mode !== 'char' && (
          <button type="submit" disabled={!open || !parsed?.ok}>
            Send
          </button>
        )}
      </form>
      <p className={`raw-preview${parsed && !parsed.ok ? ' raw-error' : ''}`} id={`${panelId}-preview`}>
        {parsed
          ? parsed.ok
            ? `Enter sends ${pyBytes(parsed.bytes, 60)} (${plural(parsed.bytes.length, 'byte')})`
            : `✗ ${parsed.error}`
          : 'Character mode: every key is sent at once (Enter sends the line ending; Tab moves focus).'}
        {info ? ` · ${info}` : ''}
        {current?.notice ? ` · ${current.notice}` : ''}
      </p>
    </>
  );
}

function statusSymbol(s: RawStream): string {
  if (s.status === 'connecting') return '◌';
  if (s.status === 'failed') return '✗';
  if (s.status === 'closed') return '○';
  return s.closes.length > 0 ? '◐' : '●';
}

function ListenerLine({
  listener,
  proto,
}: {
  listener: NonNullable<RawState['listener']>;
  proto: 'tcp' | 'udp';
}) {
  const where = shortAddress(listener.address);
  const [host, port] = listener.address;
  if (listener.status === 'failed')
    return <span className="raw-error">✗ listening on {where} failed (see below)</span>;
  if (listener.status === 'starting') return <span>◌ opening {where}…</span>;
  if (listener.status === 'stopped') return <span>○ stopped listening on {where} · </span>;
  const clients = `${listener.clients} ${proto === 'udp' ? 'peer' : 'client'}${listener.clients === 1 ? '' : 's'}`;
  return (
    <span>
      ● listening on {where} ({proto.toUpperCase()}) · {clients} · from a terminal here:{' '}
      <code>
        nc {proto === 'udp' ? '-u ' : ''}
        {host} {port}
      </code>
      {!listener.accepting && listener.error && (
        <span className="raw-error">
          {' '}
          · ✗ {proto === 'udp' ? 'recvfrom' : 'accept'} stopped: {listener.error.code}{' '}
          {listener.error.message}
        </span>
      )}{' '}
    </span>
  );
}

function StreamLine({
  stream,
  proto,
  peerName,
  listening,
}: {
  stream: RawStream;
  proto: 'tcp' | 'udp';
  peerName: string;
  listening: boolean;
}) {
  // One FIN on an open stream is what its state says already ("half-closed: echo sent FIN"): the
  // story adds who came first once there is more than one close, or the stream has ended.
  const story = stream.status === 'open' && stream.closes.length < 2 ? null : closeStory(stream, peerName);
  return (
    <span>
      {listening ? `${stream.title}: ` : ''}
      {statusSymbol(stream)} {streamStatusText(stream, proto, peerName)}
      {story ? ` · ${story}` : ''}
    </span>
  );
}

function ErrorLine({ error: e }: { error: CallError }) {
  return (
    <p className="raw-error raw-error-line" role="alert">
      ✗ {e.syscall}() failed: <strong>{e.code}</strong> {e.message}. {e.explain}
      {e.option ? ` (an instructor can change this with ${e.option})` : ''}
    </p>
  );
}
