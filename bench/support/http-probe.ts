/**
 * Small HTTP helpers for benchmarks: a free loopback port (Apache Connect cannot listen on port
 * 0 and report it back the way the gateway does), JSON requests with a timeout, and polling until
 * a condition holds or a deadline passes.
 */
import { createServer } from "node:net";

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One request with a JSON body (if any) and a JSON (or text) answer. */
export async function requestJson(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: response.status, body: parsed };
}

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly what: string;
  /** Checked before every attempt; a message here aborts the wait (for example: the process exited). */
  readonly abortIf?: () => string | undefined;
}

/**
 * Calls `probe` until it returns a value other than undefined; errors thrown by `probe` count as
 * "not yet" (connection refused while a server starts), except after the deadline.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let last = "nothing yet";
  for (;;) {
    const abort = options.abortIf?.();
    if (abort) throw new Error(`${abort} while waiting for ${options.what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what} (last: ${last})`);
    }
    await Bun.sleep(options.intervalMs);
  }
}
