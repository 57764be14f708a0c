// Chooses the socket engine: the real libc one where it loads, otherwise Node's net/dgram model.
// The choice and its reason are printed at start and shown to every page in `welcome`.

import type { SyscallPort } from '../engine/syscall-port.js';
import { createFallbackPort } from './fallback.js';
import { EngineUnavailable, loadLibcPort } from './libc.js';

export function selectEngine(want: 'auto' | 'libc' | 'fallback'): { sys: SyscallPort; why: string } {
  if (want === 'fallback') return { sys: createFallbackPort(), why: 'asked for with --engine fallback' };
  try {
    return { sys: loadLibcPort(), why: 'every step is the real system call' };
  } catch (err) {
    if (want === 'libc' || !(err instanceof EngineUnavailable)) throw err;
    return { sys: createFallbackPort(), why: `the real engine is unavailable: ${err.message}` };
  }
}
