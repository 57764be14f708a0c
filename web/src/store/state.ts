// The page's state and the pure reducer that moves it: server message or user intent in, new state
// out. No React, no DOM: tested in Node.

import type { KernelSocket, ServerMessage } from '../../../gateway/protocol/messages.js';
import type { RowRef } from '../diagram/layout.js';
import type { Action, ConnectionStatus, Welcome } from './actions.js';
import { Log } from './log.js';

export type TraceMessage = Extract<ServerMessage, { seq: number }>;

export interface SocketRow extends KernelSocket {
  /** The trace seq at which the row last changed. */
  seq: number;
}

export interface State {
  connection: ConnectionStatus;
  connectionNote: string | null;
  session: Welcome | null;
  /** True after a reconnect found the gateway no longer had this page's sockets. */
  lost: boolean;
  /** True after a reload found them still there (the terminals' variables did not survive). */
  resumed: boolean;
  programs: string[];
  trace: Log<TraceMessage>;
  sockets: Record<string, SocketRow>;
  /** The diagram row the student selected, by the trace event it drew (see rowRef). */
  selected: RowRef | null;
  fontSize: number;
  theme: 'light' | 'dark';
}

/**
 * The diagram keeps this many events, unless the gateway says otherwise (--page-events); older ones are
 * dropped from the front, and the diagram says how many.
 */
export const MAX_TRACE = 50_000;
export const FONT_MIN = 10;
export const FONT_MAX = 40;

export const initialState: State = {
  connection: 'connecting',
  connectionNote: null,
  session: null,
  lost: false,
  resumed: false,
  programs: ['server', 'client'],
  trace: Log.empty(),
  sockets: {},
  selected: null,
  fontSize: 15,
  theme: 'dark',
};

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.status, connectionNote: action.note ?? null };
    case 'welcome':
      return action.lost || (state.session && state.session.session !== action.welcome.session)
        ? {
            ...state,
            connection: 'open',
            connectionNote: null,
            session: action.welcome,
            lost: action.lost,
            trace: Log.empty(),
            sockets: {},
            selected: null,
          }
        : {
            ...state,
            connection: 'open',
            connectionNote: null,
            session: action.welcome,
            resumed: action.welcome.resumed && state.session === null,
          };
    case 'server':
      return onServer(state, action.msg);
    case 'add-program': {
      let n = 2;
      while (state.programs.includes(`client${n}`)) n++;
      return { ...state, programs: [...state.programs, `client${n}`] };
    }
    case 'remove-program':
      return state.programs.length <= 1
        ? state
        : { ...state, programs: state.programs.filter((p) => p !== action.program) };
    case 'reset-programs':
      return { ...state, programs: initialState.programs };
    case 'select':
      return { ...state, selected: action.row };
    case 'font':
      return { ...state, fontSize: Math.min(FONT_MAX, Math.max(FONT_MIN, state.fontSize + action.delta)) };
    case 'theme':
      return { ...state, theme: action.theme };
    case 'dismiss-lost':
      return { ...state, lost: false, resumed: false };
    default: {
      const unhandled: never = action;
      throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
    }
  }
}

/** How many trace events this page keeps. */
export const pageEvents = (state: State): number => state.session?.limits?.pageEvents ?? MAX_TRACE;

function onServer(state: State, msg: ServerMessage): State {
  if (msg.type === 'sockets') {
    return { ...state, sockets: Object.fromEntries(msg.sockets.map((k) => [k.socket, { ...k, seq: 0 }])) };
  }
  if (!('seq' in msg)) return state;
  const trace = state.trace.push(msg, pageEvents(state));
  if (msg.type !== 'state-changed') return { ...state, trace };
  const k = msg.kernel;
  const sockets = { ...state.sockets };
  // A socket the program closed is gone at once; the kernel's own copy (TIME_WAIT...) lives on
  // under its 4-tuple until the kernel forgets it.
  if (k.gone) delete sockets[k.socket];
  else sockets[k.socket] = { ...k, seq: msg.seq };
  return { ...state, trace, sockets };
}
