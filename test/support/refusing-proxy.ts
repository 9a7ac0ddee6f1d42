/**
 * An HTTP proxy on 127.0.0.1 that answers every CONNECT with a status (`HTTP/1.1 407 <reason>`: a tunnel refused),
 * and `withHttpsProxy`, which runs a test with HTTPS_PROXY naming it (Bun's fetch follows it), restoring the
 * environment after. For the tests of how a proxy's refusal reads (`await using`).
 */
import { createServer } from "node:net";

export interface RefusingProxy extends AsyncDisposable {
  /** `http://svc:pr0xy-s3cret@127.0.0.1:<port>`: the URL HTTPS_PROXY names it by (a failure must not show it). */
  readonly url: string;
}

export async function refusingProxy(status: number, reason: string): Promise<RefusingProxy> {
  const server = createServer((client) => {
    // A client that resets the connection after the answer (fetch giving up on it) is no failure of the test. Bun
    // emits no such error today (a reset after a 1 MB answer gave none); Node's net does.
    client.on("error", () => {});
    client.once("data", () =>
      client.end(`HTTP/1.1 ${status} ${reason}\r\nproxy-authenticate: Basic\r\ncontent-length: 0\r\n\r\n`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://svc:pr0xy-s3cret@127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The variables withHttpsProxy clears: one would name another proxy, or (NO_PROXY, as CI may set) bypass it. */
const CLEARED = ["https_proxy", "NO_PROXY", "no_proxy"] as const;

/** `run` with HTTPS_PROXY set to `url` (and not https_proxy, NO_PROXY, no_proxy), the four as they were after. */
export async function withHttpsProxy<T>(url: string, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(["HTTPS_PROXY", ...CLEARED].map((name) => [name, process.env[name]]));
  process.env.HTTPS_PROXY = url;
  for (const name of CLEARED) delete process.env[name];
  try {
    return await run();
  } finally {
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  }
}
