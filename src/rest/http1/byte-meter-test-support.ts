/**
 * For tests that show a parser's work grows with its input, without timing it: the bytes it reads,
 * counted (`request-head.test.ts`, `body-decoder.test.ts`).
 */

/**
 * `bytes` seen through a meter: every byte the parser reads counts (an index, or the span an
 * indexOf or a subarray covers), and any other use of the bytes throws, so none goes uncounted.
 */
export function metered(bytes: Uint8Array, meter: { reads: number }): Uint8Array {
  return new Proxy(bytes, {
    get(target, key) {
      if (typeof key === "string" && /^(?:0|[1-9]\d*)$/.test(key)) {
        meter.reads++;
        return target[Number(key)];
      }
      if (key === "length") return target.length;
      if (key === "indexOf") {
        return (value: number, from = 0) => {
          const found = target.indexOf(value, from);
          meter.reads += (found < 0 ? target.length : found + 1) - from;
          return found;
        };
      }
      if (key === "subarray") {
        return (from?: number, to?: number) => {
          const part = target.subarray(from, to);
          meter.reads += part.length;
          return part;
        };
      }
      throw new Error(`unmetered use of the bytes: ${String(key)}`);
    },
  });
}
