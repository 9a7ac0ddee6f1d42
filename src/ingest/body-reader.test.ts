import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { BodyRead, declaredLength, readBody } from "./body-reader.ts";
import { RequestDeadlines } from "./request-deadlines.ts";

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

describe("readBody", () => {
  test("a declared Content-Length over the limit is refused before reading", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "x".repeat(20),
      headers: { "Content-Length": "20" },
    });
    await expect(readBody(request, 10)).rejects.toMatchObject({ status: 413, errorCode: 413 });
  });

  test("a chunked body stops being read once it crosses the limit", async () => {
    const pulled = { count: 0 };
    const chunks = Array.from({ length: 100 }, () => "0123456789");
    await expect(readBody(streaming(chunks, pulled), 25)).rejects.toMatchObject({ status: 413 });
    expect(pulled.count).toBeLessThan(6);
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
    let outcome = "still waiting";
    read.body.then(
      () => {
        outcome = "read";
      },
      (error: { status?: number }) => {
        outcome = `failed ${error.status}`;
      },
    );
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(outcome).toBe("failed 408");
  });
});
