import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { BodyRead, declaredLength, readBody } from "./body-reader.ts";
import { RequestDeadlines } from "./request-deadlines.ts";

/** What `read`'s body came to so far: "still waiting", "read" or "failed <status>". */
function outcomeOf(read: BodyRead): { now: string } {
  const outcome = { now: "still waiting" };
  read.body.then(
    () => {
      outcome.now = "read";
    },
    (error: { status?: number }) => {
      outcome.now = `failed ${error.status}`;
    },
  );
  return outcome;
}

function streaming(chunks: string[], pulled: { count: number }): Request {
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[pulled.count++];
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

/** A request declaring `length` bytes whose body is `chunks`, counting the chunks read. */
function declaring(length: number, chunks: string[], pulled: { count: number }): Request {
  const request = streaming(chunks, pulled);
  return new Request(request, { headers: { "Content-Length": String(length) } });
}

/** An endless body of 64 KiB chunks. */
function endless(pulled: { count: number }): Request {
  const chunk = new Uint8Array(65_536);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.count++;
      controller.enqueue(chunk);
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBody", () => {
  // The 413 and the close come after the client's last byte: a server closing while the client
  // still writes fails that write, and Java's HttpClient then reports the failure ("HTTP/1.1 header
  // parser received no bytes"), not the 413 already in its socket (device-clients test, plain listener).
  test("a declared Content-Length over the limit is 413, after the body was read to its end and dropped", async () => {
    const pulled = { count: 0 };
    const chunks = Array.from({ length: 20 }, () => "0123456789");
    await expect(readBody(declaring(200, chunks, pulled), 10)).rejects.toMatchObject({ status: 413, errorCode: 413 });
    expect(pulled.count).toBe(21); // every chunk, and the end
  });

  test("with Expect: 100-continue a declared Content-Length over the limit is refused before reading (no 100 asked for)", async () => {
    const pulled = { count: 0 };
    const request = new Request(endless(pulled), { headers: { "Content-Length": "5000", Expect: "100-Continue" } });
    await expect(readBody(request, 1000)).rejects.toMatchObject({ status: 413, errorCode: 413 });
    expect(pulled.count).toBeLessThan(3); // the stream's own read-ahead only
  });

  test("a declared Content-Length over twice the limit plus 1 MiB is refused before reading", async () => {
    const pulled = { count: 0 };
    const request = new Request(endless(pulled), { headers: { "Content-Length": String(2 * 10 + 1_048_576 + 1) } });
    await expect(readBody(request, 10)).rejects.toMatchObject({ status: 413, errorCode: 413 });
    expect(pulled.count).toBeLessThan(3); // the stream's own read-ahead only
  });

  test("a chunked body over the limit is 413, after the rest was read and dropped", async () => {
    const pulled = { count: 0 };
    const chunks = Array.from({ length: 100 }, () => "0123456789");
    await expect(readBody(streaming(chunks, pulled), 25)).rejects.toMatchObject({ status: 413 });
    expect(pulled.count).toBe(101);
  });

  test("a body over the limit that stalls is 413 after 2 s of waiting for its rest", async () => {
    const body = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    const stalled = new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
    const request = new Request(stalled, { headers: { "Content-Length": "5000" } });
    await expect(readBody(request, 1000)).rejects.toMatchObject({ status: 413 });
  });

  test("a chunked body is read no further than twice the limit plus 1 MiB", async () => {
    const pulled = { count: 0 };
    await expect(readBody(endless(pulled), 25)).rejects.toMatchObject({ status: 413 });
    // 1 MiB and 50 bytes in 64 KiB chunks: 17 of them, give or take the stream's read-ahead.
    expect(pulled.count).toBeGreaterThanOrEqual(17);
    expect(pulled.count).toBeLessThan(20);
  });

  test("bodies within the limit are read whole", async () => {
    const pulled = { count: 0 };
    expect(new TextDecoder().decode(await readBody(streaming(["ab", "cd"], pulled), 4))).toBe("abcd");
  });
});

describe("Content-Encoding (a gzipped request body is never taken as the body)", () => {
  const encoded = (encoding: string) =>
    new Request("http://x/", { method: "POST", body: "{}", headers: { "Content-Encoding": encoding } });

  test("gzip, deflate, br or a list of codings is 415 with Accept-Encoding: identity, before reading", async () => {
    for (const encoding of ["gzip", "GZIP", "deflate", "br", "gzip, identity", "x-gzip"]) {
      await expect(readBody(encoded(encoding), 100)).rejects.toMatchObject({
        status: 415,
        errorCode: 415,
        options: { headers: { "Accept-Encoding": "identity" } },
      });
    }
  });

  test("identity (any case) and an empty value read the body as it is", async () => {
    for (const encoding of ["identity", " Identity ", ""])
      expect(new TextDecoder().decode(await readBody(encoded(encoding), 100))).toBe("{}");
  });
});

describe("Content-Length (P1.3: a repeated header must not skip the limit)", () => {
  const declared = (value: string, body = "x".repeat(20)) =>
    new Request("http://x/", { method: "POST", body, headers: { "Content-Length": value } });

  test.each([
    ["20", 20],
    ["020", 20],
    ["20, 20", 20],
    ["20,20 ,20", 20],
    ["x", -1],
    ["", -1],
    ["+20", -1],
    ["20, 21", -1],
    ["20,", -1],
    ["-1", -1],
    ["2e1", -1],
    [" 20", -1],
  ])("%p reads as %p", (value, expected) => {
    expect(declaredLength(value)).toBe(expected);
  });

  test("a repeated length over the limit (Bun merges it into `N, N`) is refused before reading", async () => {
    await expect(readBody(declared("20, 20"), 10)).rejects.toMatchObject({ status: 413, errorCode: 413 });
  });

  test("an unreadable length is 400 in REST Proxy's shape and closes the connection", async () => {
    await expect(readBody(declared("20, 21"), 100)).rejects.toMatchObject({
      status: 400,
      errorCode: 400,
      message: 'Invalid Content-Length: "20, 21"',
      options: { headers: { Connection: "close" } },
    });
  });
});

describe("BodyRead of a chunked body whose client is already gone", () => {
  test("fails at once (the watch's abort reaches it), rather than waiting on a body that never ends", async () => {
    const deadlines = new RequestDeadlines(new ManualClock(1000));
    const gone = new AbortController();
    gone.abort();
    // A chunked body (no Content-Length) that never delivers a byte nor ends.
    const body = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    const request = new Request("http://x/", {
      method: "POST",
      body,
      duplex: "half",
      signal: gone.signal,
    } as RequestInit);
    const signal = deadlines.start(30_000, request);
    const read = new BodyRead(request, 1000, signal, 30_000);
    const outcome = outcomeOf(read);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome.now).toBe("failed 408");
  });
});

describe("BodyRead of a body over the limit", () => {
  test("the deadline passing while the rest of the body is dropped answers its 413, not 408 (a device retries a 408)", async () => {
    const clock = new ManualClock(1000);
    const deadlines = new RequestDeadlines(clock);
    // Declares more than the limit, then never delivers a byte nor ends.
    const body = new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) });
    const stalled = new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
    const request = new Request(stalled, { headers: { "Content-Length": "5000" } });
    const signal = deadlines.start(30_000, request);
    const read = new BodyRead(request, 1000, signal, 30_000);
    const outcome = outcomeOf(read);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome.now).toBe("still waiting");
    while (outcome.now === "still waiting" && clock.advanceToNext()) await Promise.resolve();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome.now).toBe("failed 413");
    read.done();
  });
});
