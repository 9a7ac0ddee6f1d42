/**
 * The HTTP endpoint the HTTP sink benchmark delivers to: answers every POST with 200 and an empty
 * body, and counts the records that arrived: one per request in single mode, the elements of the
 * JSON array in batch mode (counted by the `{"id":` that starts every benchmark record, which costs
 * the same for every system and far less than parsing). Keeps the time of the first record and of
 * the moment the count reached a target, so a rate covers exactly the delivery of `target` records.
 */
export interface RecordEndpoint extends Disposable {
  readonly url: string;
  readonly records: () => number;
  readonly requests: () => number;
  /** Resets the counters and arms the target: `reached` resolves when `records() >= target`. */
  expect(target: number): { readonly reached: Promise<void>; firstAt: () => number | undefined };
  /** performance.now() when the target was reached. */
  readonly reachedAt: () => number | undefined;
}

const MARKER = Buffer.from('{"id":');

function countRecords(body: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(MARKER); at !== -1; at = body.indexOf(MARKER, at + MARKER.length)) n++;
  return n;
}

export function startRecordEndpoint(): RecordEndpoint {
  let records = 0;
  let requests = 0;
  let target = Number.POSITIVE_INFINITY;
  let firstAt: number | undefined;
  let reachedAt: number | undefined;
  let onReached: (() => void) | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: 64 * 1024 * 1024,
    fetch: async (req) => {
      const body = Buffer.from(await req.arrayBuffer());
      requests++;
      firstAt ??= performance.now();
      records += countRecords(body);
      if (records >= target && reachedAt === undefined) {
        reachedAt = performance.now();
        onReached?.();
      }
      return new Response(null, { status: 200 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/records`,
    records: () => records,
    requests: () => requests,
    reachedAt: () => reachedAt,
    expect(count) {
      records = 0;
      requests = 0;
      firstAt = undefined;
      reachedAt = undefined;
      target = count;
      const reached = new Promise<void>((resolve) => {
        onReached = resolve;
      });
      return { reached, firstAt: () => firstAt };
    },
    [Symbol.dispose]: () => server.stop(true),
  };
}
