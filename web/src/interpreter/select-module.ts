// Python's select module for the prompt: select.select(rlist, wlist, xlist[, timeout]), one gateway
// `select` call whose answer is the kernel's (a poll(2) on the gateway's host). Argument checks word
// mistakes as CPython's selectmodule.c does; the lists that come back hold the very objects passed in.

import { MAX_TIMEOUT_SECONDS } from '../../../gateway/protocol/messages.js';
import { excType, PyException, playgroundError, pyError, timeoutLimit } from './errors.js';
import { iterate } from './operators.js';
import {
  builtin,
  type Ctx,
  type Kwargs,
  NONE,
  type PyModule,
  type PyValue,
  pyList,
  pyTuple,
} from './values.js';

/** select(2)'s FD_SETSIZE: Python refuses larger fds before asking the kernel. */
const FD_SETSIZE = 1024;

function timeoutSeconds(v: PyValue): number | null {
  if (v.kind === 'none') return null;
  let n: number;
  if (v.kind === 'float' || v.kind === 'int') n = v.value;
  else if (v.kind === 'bool') n = v.value ? 1 : 0;
  else throw pyError('TypeError', 'timeout must be a float or None');
  if (Number.isNaN(n)) throw pyError('ValueError', 'Invalid value NaN (not a number)');
  if (n < 0) throw pyError('ValueError', 'timeout must be non-negative');
  if (n > MAX_TIMEOUT_SECONDS) throw timeoutLimit();
  return n;
}

/** One of the three lists: its items, and the gateway handle each stands for. */
function watched(v: PyValue): { item: PyValue; handle: string }[] {
  let items: PyValue[];
  try {
    items = [...iterate(v)];
  } catch (err) {
    if (err instanceof PyException && err.exc.type === excType('TypeError')) {
      throw pyError('TypeError', 'arguments 1-3 must be sequences');
    }
    throw err;
  }
  return items.map((item) => {
    if (item.kind === 'socket') {
      if (item.closed) throw pyError('ValueError', 'file descriptor cannot be a negative integer (-1)');
      return { item, handle: item.handle };
    }
    if (item.kind === 'int' || item.kind === 'bool') {
      const fd = Number(item.value);
      if (fd < 0) throw pyError('ValueError', `file descriptor cannot be a negative integer (${fd})`);
      if (fd >= FD_SETSIZE) throw pyError('ValueError', 'filedescriptor out of range in select()');
      throw playgroundError('select() here watches socket objects: pass the socket itself, not its fileno()');
    }
    throw pyError('TypeError', 'argument must be an int, or have a fileno() method.');
  });
}

/** Each handle once, in the order first asked (the gateway answers each socket once). */
const unique = (list: { handle: string }[]): string[] => [...new Set(list.map((w) => w.handle))];

/** The items of a list whose socket the gateway said is ready, duplicates and order kept, as CPython does. */
const readyOf = (list: { item: PyValue; handle: string }[], ready: readonly string[]): PyValue =>
  pyList(list.filter((w) => ready.includes(w.handle)).map((w) => w.item));

async function select(ctx: Ctx, args: PyValue[], kwargs: Kwargs): Promise<PyValue> {
  if (kwargs.size > 0) throw pyError('TypeError', 'select.select() takes no keyword arguments');
  if (args.length < 3) throw pyError('TypeError', `select expected at least 3 arguments, got ${args.length}`);
  if (args.length > 4) throw pyError('TypeError', `select expected at most 4 arguments, got ${args.length}`);
  const timeout = timeoutSeconds(args[3] ?? NONE);
  const [r, w, x] = args.slice(0, 3).map(watched) as [
    ReturnType<typeof watched>,
    ReturnType<typeof watched>,
    ReturnType<typeof watched>,
  ];
  const got = await ctx.gateway({
    op: 'select',
    read: unique(r),
    write: unique(w),
    except: unique(x),
    timeout,
  });
  return pyTuple([readyOf(r, got.read), readyOf(w, got.write), readyOf(x, got.except)]);
}

export const SELECT_MODULE: PyModule = {
  kind: 'module',
  name: 'select',
  attrs: new Map<string, PyValue>([
    ['select', builtin('select', select)],
    // select.error has been OSError since Python 3.3.
    ['error', excType('OSError')],
  ]),
};
