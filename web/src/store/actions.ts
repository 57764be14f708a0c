// Everything that can happen to the page's state: facts from the gateway and the student's intents.

import type { ServerMessage } from '../../../gateway/protocol/messages.js';
import type { RowRef } from '../diagram/layout.js';

export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export type Action =
  | { type: 'connection'; status: ConnectionStatus; note?: string }
  | { type: 'welcome'; welcome: Welcome; lost: boolean }
  | { type: 'server'; msg: ServerMessage }
  | { type: 'add-program' }
  | { type: 'remove-program'; program: string }
  /** Back to the two terminals a page opens with (a fresh start; lessons open more as they need). */
  | { type: 'reset-programs' }
  | { type: 'select'; row: RowRef | null }
  | { type: 'font'; delta: number }
  | { type: 'theme'; theme: 'light' | 'dark' }
  | { type: 'dismiss-lost' };
