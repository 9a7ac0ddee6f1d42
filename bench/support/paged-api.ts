/**
 * The paginated JSON API the HTTP source benchmark polls: `GET /items?after=<id>&limit=100` answers
 * `{"items": [...], "next_after": <last id> | null}` with records of ~1 KB (`id`, epoch-ms `ts`,
 * text fields), `next_after` null on the last page. Records are serialized once up front, so the
 * server costs the same for every system.
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
  // Records are serialized once; a page is their concatenation, for any `after` (an API answers
  // `id > after`, page-aligned or not: castorm asks from its last committed record).
  const records = Array.from({ length: total }, (_, id) => JSON.stringify(record(id)));
  const page = (after: number, limit: number): string => {
    const from = Math.max(0, after + 1);
    const to = Math.min(total, from + limit);
    const next = to - from === limit && to < total ? to - 1 : null;
    return `{"items":[${records.slice(from, to).join(",")}],"next_after":${next}}`;
  };
  let count = 0;
  let first: number | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => {
      count++;
      first ??= performance.now();
      const params = new URL(req.url).searchParams;
      const body = page(Number(params.get("after") ?? "-1"), Number(params.get("limit") ?? String(pageSize)));
      return new Response(body, { headers: { "content-type": "application/json" } });
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
