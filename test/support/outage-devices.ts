/**
 * The device clients of test/chaos-outage.test.ts: `clients` loops POSTing numbered records `{c, n}` (ids `c/n`) to
 * an ingest route in one of four shapes (one JSON document, a JSON array, REST Proxy v2, REST Proxy v3) chosen by a
 * seeded generator per client, an Idempotency-Key on some. Each request's answer sorts its records: acknowledged (the
 * request's success answer, every record reported written), refused (503, or no connection: nothing written) or
 * unsure (a reset mid-request, another status). A keyed request not acknowledged is sent again, same key and body;
 * an acknowledged keyed one is now and then replayed, which must answer its first answer without writing again
 * (`Idempotent-Replayed: true`). After an answer that is not an acknowledgement a client waits for `wake()` (the next
 * chaos step); while the gateway is down (`url` undefined) every client waits.
 */
import { DeviceGate } from "./device-gate.ts";
import { prng } from "./prng.ts";

export type Outcome = "acked" | "refused" | "unsure";

type Shape = "single" | "array" | "v2" | "v3";

interface Request {
  readonly ids: string[];
  readonly shape: Shape;
  readonly key?: string;
}

/** How `shape` sends `records` to `base` (the ingest listener) for the route `path` writing to `topic`. */
function requestOf(base: string, path: string, topic: string, shape: Shape, records: { c: number; n: number }[]) {
  switch (shape) {
    case "single":
      return { url: `${base}${path}`, type: "application/json", body: records[0] };
    case "array":
      return { url: `${base}${path}`, type: "application/json", body: records };
    case "v2":
      return {
        url: `${base}/topics/${topic}`,
        type: "application/vnd.kafka.json.v2+json",
        body: { records: records.map((value) => ({ value })) },
      };
    case "v3":
      return {
        url: `${base}/v3/clusters/chaos/topics/${topic}/records`,
        type: "application/json",
        body: { value: { type: "JSON", data: records[0] } },
      };
  }
}

/** Whether a 200 of `shape` reports every record written (REST Proxy answers 200 with per-record errors too). */
function allWritten(shape: Shape, body: unknown): boolean {
  if (shape === "v2")
    return (body as { offsets: { error_code: unknown }[] }).offsets.every((o) => o.error_code === null);
  if (shape === "v3") return (body as { error_code: number }).error_code === 200;
  return true;
}

export function outageDevices(o: { clients: number; seed: number; path: string; topic: string }) {
  const outcome = new Map<string, Outcome>();
  /** When each record's request was first answered as acknowledged (performance.now()). */
  const ackedAt = new Map<string, number>();
  /** Records of a request that got an unsure answer at least once (a retry with its key may write it again). */
  const everUnsure = new Set<string>();
  /** When a request of each record got no answer at all (performance.now() of the failure): a reset, a hang. */
  const unansweredAt = new Map<string, number>();
  const statuses = new Map<string, number>();
  /** Replays of an acknowledged keyed request that were not answered as a replay: written again. */
  const replayWrote: string[] = [];
  let replays = 0;
  let url: string | undefined;
  const gate = new DeviceGate();
  let acks = 0;

  const post = async (base: string, c: number, r: Request) => {
    const records = r.ids.map((id) => ({ c, n: Number(id.split("/")[1]) }));
    const { url: to, type, body } = requestOf(base, o.path, o.topic, r.shape, records);
    try {
      const response = await fetch(to, {
        method: "POST",
        headers: { "Content-Type": type, ...(r.key ? { "Idempotency-Key": r.key } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(40_000),
      });
      const text = await response.text();
      const label = `${r.shape} ${response.status}`;
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      if (response.status === 200 && allWritten(r.shape, JSON.parse(text)))
        return { kind: "acked" as const, replayed: response.headers.get("Idempotent-Replayed") === "true" };
      return { kind: response.status === 503 ? ("refused" as const) : ("unsure" as const), replayed: false };
    } catch (error) {
      const refused = (error as { code?: string }).code === "ConnectionRefused";
      const label = `${r.shape} ${refused ? "connection refused" : "no answer"}`;
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      if (!refused) for (const id of r.ids) unansweredAt.set(id, performance.now());
      return { kind: refused ? ("refused" as const) : ("unsure" as const), replayed: false };
    }
  };

  const client = async (c: number) => {
    const rnd = prng(o.seed * 7919 + c);
    let pending: Request | undefined;
    let lastKeyed: Request | undefined;
    for (let n = 0, i = 0; gate.running; i++) {
      const base = url;
      if (base === undefined) {
        await gate.wait();
        continue;
      }
      if (!pending && lastKeyed && rnd.random() < 0.1) {
        replays++;
        const replay = lastKeyed;
        lastKeyed = undefined;
        const answer = await post(base, c, replay);
        if (answer.kind === "acked" && !answer.replayed) replayWrote.push(...replay.ids);
        continue;
      }
      if (!pending) {
        const shape = rnd.pick<Shape>(["single", "array", "v2", "v3"]);
        const size = shape === "array" || shape === "v2" ? 1 + Math.floor(rnd.random() * 3) : 1;
        const ids = Array.from({ length: size }, () => `${c}/${n++}`);
        pending = { ids, shape, key: rnd.random() < 0.4 ? `k-${c}-${i}` : undefined };
      }
      const request = pending;
      const answer = await post(base, c, request);
      for (const id of request.ids) {
        if (outcome.get(id) !== "acked") outcome.set(id, answer.kind);
        if (answer.kind === "unsure") everUnsure.add(id);
      }
      if (answer.kind === "acked") {
        acks++;
        for (const id of request.ids) if (!ackedAt.has(id)) ackedAt.set(id, performance.now());
        if (request.key) lastKeyed = request;
        pending = undefined;
        continue;
      }
      if (!request.key) pending = undefined;
      await gate.wait();
    }
  };
  const loops = Array.from({ length: o.clients }, (_, c) => client(c));
  return {
    outcome,
    ackedAt,
    everUnsure,
    unansweredAt,
    statuses,
    replayWrote,
    replays: () => replays,
    acks: () => acks,
    allWaiting: () => gate.waiting === o.clients,
    /** The ingest listener's URL from now on (undefined: the gateway is down). */
    setUrl(next: string | undefined) {
      url = next;
    },
    wake: () => gate.wake(),
    async stop() {
      gate.stop();
      await Promise.all(loops);
    },
  };
}
