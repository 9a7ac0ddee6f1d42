/**
 * Device load for the ingest kill -9 tests (test/ingest-crash*.test.ts): a gateway with one
 * HttpIngestSource route (spool or kafka mode, the shared broker or none), concurrent clients POST
 * numbered records to an HttpIngestSource route, one record or a JSON array of a few per request,
 * and sort every record by what its request got: a 2xx answer (acknowledged), another answer, or
 * none (the connection died with the gateway). `delivery` then compares the acknowledged records
 * with what a topic holds; `spoolRows` counts what the spool file keeps once the gateway is gone.
 */
import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { type Gateway, ingestUrlOf, startGateway, taskState } from "./gateway.ts";
import { kafkaBroker, readAll } from "./kafka.ts";
import type { TempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export const NAME = "crash";
export const PATH = "/ingest/crash";

export function ingestConnector(topic: string, mode: "spool" | "kafka") {
  return {
    "connector.class": "HttpIngestSource",
    "ingest.path": PATH,
    "kafka.topic": topic,
    "ingest.ack.mode": mode,
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
  };
}

/** The worker keys of the kill -9 tests' gateways: the shared broker, or a port nothing listens on (Kafka unreachable). */
export async function crashWorker(dir: TempDir, kafka: "up" | "down"): Promise<Record<string, string>> {
  return {
    "bootstrap.servers": kafka === "up" ? (await kafkaBroker()).bootstrap : "127.0.0.1:1",
    "socket.connection.setup.timeout.ms": "500",
    "data.dir": dir.file("data"),
    "offset.flush.interval.ms": "200",
    "ingest.listeners": "http://127.0.0.1:0",
  };
}

/** Starts the kill -9 tests' gateway on `dir` (a spool or kafka mode route NAME at PATH when `create` is its config; `extra` worker keys) and waits for the route (an empty batch: 422, nothing written) and a RUNNING task. */
export async function startCrashIngestGateway(
  dir: TempDir,
  kafka: "up" | "down",
  create?: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<Gateway> {
  const gw = await startGateway({ dir: dir.path, worker: { ...(await crashWorker(dir, kafka)), ...extra } });
  if (create) expect((await gw.rest.post("/connectors", { name: NAME, config: create })).status).toBe(201);
  const url = `${await ingestUrlOf(gw)}${PATH}`;
  const empty = () => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "[]" });
  await waitFor(async () => (await empty()).status === 422 && (await taskState(gw, NAME)) === "RUNNING", {
    what: "the ingest route and a RUNNING task",
  });
  return gw;
}

/** A record's value: client `c`, its number `n` (unique per client across restarts). */
export interface LoadRecord {
  readonly c: number;
  readonly n: number;
}

const idOf = (r: LoadRecord) => `${r.c}/${r.n}`;

/** A request answered 2xx with an Idempotency-Key (`keyed` loads): what a retry sends, and the answer. */
export interface KeyedAnswer {
  readonly key: string;
  readonly body: string;
  readonly status: number;
  readonly text: string;
  readonly ids: readonly string[];
}

export interface IngestLoad {
  /** Ids (`c/n`) of records whose request was answered 2xx. */
  readonly acked: string[];
  /** Ids of records whose request got another answer or none: no claim either way. */
  readonly unsure: string[];
  /** The keyed requests answered 2xx, in the order of their answers. */
  readonly answers: KeyedAnswer[];
  /** Requests answered 2xx so far. */
  readonly requestsAcked: () => number;
  /** Sends `clients` loops to `url` (the route's full URL) until `stop()`, which awaits them. */
  start(url: string): void;
  stop(): Promise<void>;
}

/**
 * `clients` concurrent loops; every third request of a client is a JSON array of 4 records, the
 * others one record. Numbers go on across `start`s, so a record's id is unique in a test. `keyed`:
 * each request carries an Idempotency-Key of its own (`key-c-n`, n its first record's number).
 * `onAcked` runs as soon as a 2xx answer is read (before the next request), e.g. to kill the gateway.
 */
export function ingestLoad(clients = 8, o: { keyed?: boolean; onAcked?: (requests: number) => void } = {}): IngestLoad {
  const acked: string[] = [];
  const answers: KeyedAnswer[] = [];
  const unsure: string[] = [];
  const next = Array.from({ length: clients }, () => 0);
  let requests = 0;
  let running: Promise<void>[] = [];
  let stopped = true;
  const send = async (url: string, c: number) => {
    for (let i = 0; !stopped; i++) {
      const size = i % 3 === 2 ? 4 : 1;
      const records = Array.from({ length: size }, () => ({ c, n: next[c]!++ }));
      const ids = records.map(idOf);
      const key = `key-${c}-${records[0]!.n}`;
      const body = JSON.stringify(size === 1 ? records[0] : records);
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...(o.keyed ? { "Idempotency-Key": key } : {}) },
          body,
        });
        const text = await response.text();
        if (response.status >= 200 && response.status < 300) {
          requests++;
          acked.push(...ids);
          if (o.keyed) answers.push({ key, body, status: response.status, text, ids });
          o.onAcked?.(requests);
        } else unsure.push(...ids);
      } catch {
        unsure.push(...ids);
      }
    }
  };
  return {
    acked,
    unsure,
    answers,
    requestsAcked: () => requests,
    start(url) {
      stopped = false;
      running = Array.from({ length: clients }, (_, c) => send(url, c));
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** What `topic` holds compared with the acknowledged records. */
export async function delivery(topic: string, load: Pick<IngestLoad, "acked" | "unsure">) {
  const ids = (await readAll(topic)).map((r) => idOf(JSON.parse(r.value!.toString("utf8")) as LoadRecord));
  const found = new Set(ids);
  const unsureFound = load.unsure.filter((id) => found.has(id)).length;
  return {
    acked: load.acked.length,
    inKafka: ids.length,
    lost: load.acked.filter((id) => !found.has(id)),
    duplicates: ids.length - found.size,
    unsureFound,
    unsureAbsent: load.unsure.length - unsureFound,
  };
}

/** Rows of the spool, its per-record acknowledgement marks and its quarantine (gateway stopped). */
export function spoolRows(spoolFile: string): { spool: number; acked: number; quarantine: number } {
  const db = new Database(spoolFile, { readonly: true });
  const count = (table: string) => (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  try {
    return { spool: count("spool"), acked: count("spool_acked"), quarantine: count("spool_quarantine") };
  } finally {
    db.close();
  }
}
