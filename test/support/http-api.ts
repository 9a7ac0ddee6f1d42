/**
 * Loopback HTTP APIs for the HTTP connector tests: a Bun server on port 0 that records every
 * request it answers. `await using`/`using` stops it.
 */
export interface SeenRequest {
  /** Aborts when the client gives up on the request (closes the connection). */
  readonly signal: AbortSignal;
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string;
}

export interface TestApi extends Disposable {
  readonly base: string;
  readonly port: number;
  readonly seen: SeenRequest[];
}

export function startApi(
  handler: (req: SeenRequest, n: number) => Response | Promise<Response>,
  tls?: Parameters<typeof Bun.serve>[0]["tls"],
): TestApi {
  const seen: SeenRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls,
    idleTimeout: 0,
    fetch: async (req) => {
      const entry = {
        signal: req.signal,
        method: req.method,
        url: new URL(req.url),
        headers: req.headers,
        body: await req.text(),
      };
      seen.push(entry);
      return handler(entry, seen.length);
    },
  });
  return {
    base: `${tls ? "https" : "http"}://127.0.0.1:${server.port}`,
    port: server.port!,
    seen,
    [Symbol.dispose]: () => server.stop(true),
  };
}

/** A GitHub-style event: string id, type, actor, repo, payload, created_at. */
export function githubEvent(n: number): Record<string, unknown> {
  return {
    id: String(40_000_000_000 + n),
    type: n % 3 === 0 ? "PushEvent" : n % 3 === 1 ? "WatchEvent" : "IssuesEvent",
    actor: { id: 1000 + (n % 7), login: `user${n % 7}` },
    repo: { id: 2211243, name: "apache/kafka" },
    payload: { n, text: 'é ✓ "quoted"' },
    public: true,
    created_at: new Date(Date.UTC(2026, 0, 1) - n * 1000).toISOString(),
  };
}
