import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { WRITE_SLICE_BYTES, writeResponse } from "./fetch-bridge.ts";

/** A node response that records its writes and reports backpressure on every other one. */
function recordingResponse() {
  const writes: number[] = [];
  let ended = false;
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writeHead: () => res,
    write(chunk: Uint8Array) {
      writes.push(chunk.length);
      const full = writes.length % 2 === 0;
      if (full) queueMicrotask(() => res.emit("drain"));
      return !full;
    },
    end: () => {
      ended = true;
    },
    destroy: () => {},
  });
  return { res: res as unknown as ServerResponse, writes, ended: () => ended };
}

describe("writeResponse", () => {
  test("hands a big body chunk to the socket in slices (progress seen per slice, one slice buffered)", async () => {
    const size = 3 * 1024 * 1024 + 5;
    const { res, writes, ended } = recordingResponse();
    await writeResponse(res, new Response(new Uint8Array(size)), "GET");
    expect(ended()).toBe(true);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(size);
    expect(Math.max(...writes)).toBeLessThanOrEqual(WRITE_SLICE_BYTES);
  });
});
