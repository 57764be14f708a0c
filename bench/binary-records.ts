// The record layout of bench/binary-floor.ts, shared with its client in bench/clients.ts.

export const WRITE = 1;
export const WRITTEN = 2;
export const ARRIVED = 3;
/** [kind][u32 seq][f64 t][u32 write id][u16 n] */
export const WRITTEN_HEAD = 19;
/** [kind][u32 seq][f64 t][u16 n] */
export const ARRIVED_HEAD = 15;

/** The bytes that arrived, summed over a frame's records. */
export function arrivedBytes(frame: Buffer): number {
  let arrived = 0;
  for (let o = 0; o < frame.length; ) {
    if (frame[o] === ARRIVED) {
      const n = frame.readUInt16LE(o + 13);
      arrived += n;
      o += ARRIVED_HEAD + n;
    } else if (frame[o] === WRITTEN) {
      o += WRITTEN_HEAD + frame.readUInt16LE(o + 17);
    } else {
      throw new Error(`binary floor: unknown record ${frame[o]} at ${o}`);
    }
  }
  return arrived;
}
