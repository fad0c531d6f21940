/** Reproducible randomness for fault-injection tests: the same seed and key always draw the same number. */

/** A number in [0, 1) decided only by `seed` and `key` (FNV-1a mixed through mulberry32), so arrival order does not matter. */
export function seededDraw(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return mulberry32(hash >>> 0)();
}

/** The mulberry32 generator: small, fast, and good enough to script faults. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
