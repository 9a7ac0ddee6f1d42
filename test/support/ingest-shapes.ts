/**
 * Every ingest request shape a device or REST Proxy client sends (the connector's own path: one
 * JSON document, a JSON array, NDJSON; REST Proxy v2 json; v3 one record, v3 streaming
 * (concatenated records sent chunked, one report each), v3 batch), and what each record's answer
 * says: "acked" (2xx and its own report a success), "refused" (503, or a report saying it was not
 * written), "maybe" (500 "may still be written", or no answer). A native 500 or 503 is read per
 * record from its offsets, a REST Proxy 200/207 from its reports. Records carry `{"id": …}` values.
 */

export const SHAPES = ["single", "array", "ndjson", "v2", "v3one", "v3stream", "v3batch"] as const;
export type Shape = (typeof SHAPES)[number];
export type Verdict = "acked" | "refused" | "maybe" | "unexpected";

export interface RecordAnswer {
  readonly id: string;
  readonly verdict: Verdict;
  readonly why: string;
}

/** The records `shape` sends in one request. */
export const recordsPerRequest = (shape: Shape): number => (shape === "single" || shape === "v3one" ? 1 : 3);

/** A failed record's verdict from its message: "may still be written" or not written. */
const failed = (message: string): Verdict => (message.includes("may still be written") ? "maybe" : "refused");

/** Splits concatenated JSON objects (a v3 streaming answer). */
function objects(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" && depth++ === 0) start = i;
    else if (c === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

function request(base: string, path: string, shape: Shape, topic: string, ids: string[]): [string, RequestInit] {
  const json = (contentType: string, body: RequestInit["body"]): RequestInit => ({
    method: "POST",
    headers: { "Content-Type": contentType },
    body,
  });
  const v3 = (id: string) => JSON.stringify({ value: { type: "JSON", data: { id } } });
  switch (shape) {
    case "single":
      return [`${base}${path}`, json("application/json", JSON.stringify({ id: ids[0] }))];
    case "array":
      return [`${base}${path}`, json("application/json", JSON.stringify(ids.map((id) => ({ id }))))];
    case "ndjson":
      return [`${base}${path}`, json("application/x-ndjson", ids.map((id) => `${JSON.stringify({ id })}\n`).join(""))];
    case "v2":
      return [
        `${base}/topics/${topic}`,
        json("application/vnd.kafka.json.v2+json", JSON.stringify({ records: ids.map((id) => ({ value: { id } })) })),
      ];
    case "v3one":
      return [`${base}/v3/clusters/c/topics/${topic}/records`, json("application/json", v3(ids[0]!))];
    case "v3stream": {
      // A stream body is sent chunked: REST Proxy's streaming mode, one report per record.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const id of ids) controller.enqueue(new TextEncoder().encode(v3(id)));
          controller.close();
        },
      });
      return [`${base}/v3/clusters/c/topics/${topic}/records`, json("application/json", stream)];
    }
    case "v3batch": {
      const entries = ids.map((id) => ({ id, value: { type: "JSON", data: { id } } }));
      return [
        `${base}/v3/clusters/c/topics/${topic}/records:batch`,
        json("application/json", JSON.stringify({ entries })),
      ];
    }
  }
}

const NATIVE: ReadonlySet<Shape> = new Set(["single", "array", "ndjson"]);

/** The per-record entries (`offsets`) of a native answer's body; undefined when it has none. */
function nativeEntries(text: string): { offset: number | null; error?: string }[] | undefined {
  try {
    return (JSON.parse(text) as { offsets?: { offset: number | null; error?: string }[] }).offsets;
  } catch {
    return undefined;
  }
}

/** Each record's answer from the response (status `status`, body `text`). */
function verdicts(shape: Shape, ids: string[], status: number, text: string): RecordAnswer[] {
  const all = (verdict: Verdict) => ids.map((id) => ({ id, verdict, why: `${status} ${text.slice(0, 300)}` }));
  const whole = (): RecordAnswer[] =>
    all(
      status >= 200 && status < 300
        ? "acked"
        : status === 503
          ? "refused"
          : status === 500
            ? failed(text)
            : "unexpected",
    );
  if (NATIVE.has(shape) && (status === 500 || status === 503)) {
    // Each record's own entry: a 500 also answers a request partly written ("the others were
    // written"), whose written records a whole-request verdict would call not written.
    const entries = nativeEntries(text);
    if (entries?.length === ids.length)
      return ids.map((id, i) => {
        const e = entries[i]!;
        const verdict = e.error !== undefined ? failed(e.error) : e.offset !== null ? "acked" : "unexpected";
        return { id, verdict, why: `${status} ${JSON.stringify(e)}` };
      });
  }
  if (shape === "v2" && status === 200) {
    const { offsets } = JSON.parse(text) as { offsets: { error_code: number | null; error: string | null }[] };
    return ids.map((id, i) => {
      const o = offsets[i]!;
      return { id, verdict: o.error_code === null ? "acked" : failed(o.error ?? ""), why: `v2 ${o.error}` };
    });
  }
  if (shape === "v3stream" && status === 200) {
    const reports = objects(text);
    if (reports.length !== ids.length) return all("unexpected");
    return ids.map((id, i) => {
      const r = reports[i] as { error_code: number; message?: string };
      return { id, verdict: r.error_code === 200 ? "acked" : failed(r.message ?? ""), why: JSON.stringify(r) };
    });
  }
  if (shape === "v3batch" && status === 207) {
    const body = JSON.parse(text) as { successes: { id: string }[]; failures: { id: string; message: string }[] };
    const ok = new Set(body.successes.map((s) => s.id));
    return ids.map((id) => {
      const failure = body.failures.find((f) => f.id === id);
      const why =
        failure === undefined
          ? `207 ${ok.has(id) ? "a success" : "neither a success nor a failure"}`
          : JSON.stringify(failure);
      return { id, verdict: ok.has(id) ? "acked" : failed(failure?.message ?? ""), why };
    });
  }
  return whole();
}

/** Sends `ids` as one request of `shape` (native shapes to `path`) and says what each record was told. */
export async function sendShape(
  base: string,
  path: string,
  topic: string,
  shape: Shape,
  ids: string[],
): Promise<RecordAnswer[]> {
  const [url, init] = request(base, path, shape, topic, ids);
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    return verdicts(shape, ids, response.status, await response.text());
  } catch (error) {
    return ids.map((id) => ({ id, verdict: "maybe", why: `no answer: ${(error as Error).message}` }));
  }
}
