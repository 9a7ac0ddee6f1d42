/**
 * The paginated JSON API the HTTP source benchmark polls: `GET /items?after=<id>&limit=100` answers
 * `{"items": [...], "next_after": <last id> | null}` with records of ~1 KB (`id`, epoch-ms `ts`,
 * text fields). Bodies are built once up front so the server costs the same for every system.
 */
export interface PagedApi extends Disposable {
  readonly base: string;
  readonly requests: () => number;
  /** performance.now() of the first request since the last `reset`. */
  readonly firstRequestAt: () => number | undefined;
  reset(): void;
}

const EPOCH = Date.UTC(2020, 0, 1);

export function record(id: number): Record<string, unknown> {
  return {
    id,
    ts: EPOCH + id,
    name: `item-${id}`,
    status: id % 2 === 0 ? "open" : "closed",
    payload: "x".repeat(920 - String(id).length),
  };
}

export function startPagedApi(total: number, pageSize: number): PagedApi {
  const pages = new Map<number, Uint8Array>();
  const encoder = new TextEncoder();
  for (let start = 0; start < total; start += pageSize) {
    const items = [];
    for (let id = start; id < Math.min(total, start + pageSize); id++) items.push(record(id));
    const last = items.at(-1)!.id as number;
    pages.set(
      start - 1,
      encoder.encode(JSON.stringify({ items, next_after: items.length === pageSize ? last : null })),
    );
  }
  const empty = encoder.encode(JSON.stringify({ items: [], next_after: null }));
  let count = 0;
  let first: number | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => {
      count++;
      first ??= performance.now();
      const after = Number(new URL(req.url).searchParams.get("after") ?? "-1");
      return new Response(pages.get(after) ?? empty, { headers: { "content-type": "application/json" } });
    },
  });
  return {
    base: `http://127.0.0.1:${server.port}`,
    requests: () => count,
    firstRequestAt: () => first,
    reset: () => {
      count = 0;
      first = undefined;
    },
    [Symbol.dispose]: () => server.stop(true),
  };
}
