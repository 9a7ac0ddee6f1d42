/**
 * Paths a bounded read (src/util/bounded-file.ts) must refuse at once, each with the reason its
 * message gives: a FIFO with no writer (a blocking read would never return), /dev/zero (endless)
 * and a regular file one byte over `maxBytes`.
 */

import { expect } from "bun:test";
import { join } from "node:path";

export async function unboundedFiles(dir: string, maxBytes: number, capText: string): Promise<[string, string][]> {
  const fifo = join(dir, "unbounded.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const big = join(dir, "unbounded-big.pem");
  await Bun.write(big, new Uint8Array(maxBytes + 1));
  return [
    [fifo, "not a regular file"],
    ["/dev/zero", "not a regular file"],
    [big, `larger than ${capText}`],
  ];
}
