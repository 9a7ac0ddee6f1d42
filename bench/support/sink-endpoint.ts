/**
 * The endpoint of the HTTP sink benchmark: answers 200 to every POST and counts the records it
 * received (occurrences of `"seq":` in the body, so it works for a JSON array and for one value
 * alike, without parsing). It notes when the first request arrived and when the count reached the
 * target, so a run is timed from the first request the system under test sends to its last record.
 */
export interface SinkEndpoint extends Disposable {
  readonly url: string;
  reset(target: number): void;
  readonly records: number;
  readonly requests: number;
  readonly firstRequestAt: number | undefined;
  readonly doneAt: number | undefined;
}

const MARK = '"seq":';

function countMarks(body: string): number {
  let n = 0;
  for (let at = body.indexOf(MARK); at >= 0; at = body.indexOf(MARK, at + MARK.length)) n++;
  return n;
}

/** `delayMs`: each answer waits that long after the body was read (a slow endpoint). */
export function startSinkEndpoint(delayMs = 0): SinkEndpoint {
  let records = 0;
  let requests = 0;
  let target = Number.POSITIVE_INFINITY;
  let firstRequestAt: number | undefined;
  let doneAt: number | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      firstRequestAt ??= performance.now();
      requests++;
      // Read the body first: `records += countMarks(await …)` would add to a stale `records`.
      const body = await req.text();
      records += countMarks(body);
      if (doneAt === undefined && records >= target) doneAt = performance.now();
      if (delayMs > 0) await Bun.sleep(delayMs);
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/events`,
    reset(t) {
      records = 0;
      requests = 0;
      target = t;
      firstRequestAt = undefined;
      doneAt = undefined;
    },
    get records() {
      return records;
    },
    get requests() {
      return requests;
    },
    get firstRequestAt() {
      return firstRequestAt;
    },
    get doneAt() {
      return doneAt;
    },
    [Symbol.dispose]() {
      server.stop(true);
    },
  };
}
