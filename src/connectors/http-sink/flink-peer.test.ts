/**
 * Differential test against getindata's flink-http-connector 0.25.0 (the HTTP sink the seed
 * document describes): test/fixtures/http-sink/fixtures.json holds what the peer's HttpSink put on
 * the wire for each case of cases.json (generate.sh runs it; this test needs no Java). The same
 * options and records go through HttpSinkTask to a wire recorder, and the requests must be the
 * same: method, path and query, header names with their casing and values, exact body bytes.
 *
 * Compared as multisets: the peer's writer sends a flush's requests concurrently, so they reach the
 * endpoint in any order; ours keep offset order per partition, which is checked on its own.
 * Intended differences (README, HTTP sink connector) are applied by name in INTENDED, with why.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TaskConverters } from "../../api/connector.ts";
import { ByteArrayConverter } from "../../converters/byte-array-converter.ts";
import { SimpleHeaderConverter } from "../../converters/simple-header-converter.ts";
import { crossKeyErrors } from "./cross-key-checks.ts";
import { harness, jsonConverters, record } from "./test-support.ts";
import { type WireRequest, wireRecorder } from "./wire-recorder.ts";

interface PeerCase {
  readonly name: string;
  readonly path: string;
  readonly values: string[];
  readonly options: Record<string, string>;
  readonly statuses?: number[];
}

interface PeerRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: [string, string][];
  readonly body: string;
}

interface PeerFixture {
  readonly name: string;
  readonly outcome: string;
  readonly requests: PeerRequest[];
}

const DIR = new URL("../../../test/fixtures/http-sink/", import.meta.url);
const cases: PeerCase[] = await Bun.file(new URL("cases.json", DIR)).json();
const fixtures: PeerFixture[] = await Bun.file(new URL("fixtures.json", DIR)).json();

interface Comparable {
  readonly method: string;
  readonly path: string;
  readonly headers: [string, string][];
  readonly body: string;
}

/** Header order is not chosen by a config (Java's HttpClient sorts them): compare by name. */
function comparable(r: WireRequest | PeerRequest): Comparable {
  const body = typeof r.body === "string" ? r.body : r.body.toString("base64");
  const headers = [...r.headers].sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  return { method: r.method, path: r.path, headers, body };
}

function multiset(rs: Comparable[]): string[] {
  return rs.map((r) => JSON.stringify(r)).sort();
}

const text = (r: Comparable) => Buffer.from(r.body, "base64").toString("utf8");

/**
 * What our sink does on purpose unlike getindata 0.25.0, per case: `adjust` turns our requests into
 * the peer's after checking the difference is exactly the documented one.
 */
const INTENDED: Record<string, { reason: string; extra: number; adjust: (ours: Comparable[]) => Comparable[] }> = {
  "Authorization Bearer with use-raw-authorization-header": {
    reason:
      "the seed document (and README, Authentication) sends the value as is with use-raw-authorization-header=true; getindata 0.25.0 reads that key only for its lookup source, so its sink still base64-encodes it",
    extra: 0,
    adjust: (ours) =>
      ours.map((r) => {
        expect(r.headers).toContainEqual(["Authorization", "Bearer tok"]);
        const headers = r.headers.map(([n, v]): [string, string] =>
          n === "Authorization" ? [n, `Basic ${Buffer.from(v).toString("base64")}`] : [n, v],
        );
        return { ...r, headers };
      }),
  },
  "lower-case content-type header, single mode": {
    reason:
      "Bun's fetch writes well-known header names (Content-Type, Authorization, …) in their usual casing whatever the config spells; other names keep the config's casing. Header names are case-insensitive (RFC 9110, 5.1)",
    extra: 0,
    adjust: (ours) =>
      ours.map((r) => {
        expect(r.headers).toEqual([["Content-Type", "application/x-ndjson"]]);
        return { ...r, headers: [["content-type", "application/x-ndjson"]] };
      }),
  },
  "500 then 200, default error codes": {
    reason:
      "README, Errors: a 5xx is retried (sink.retry.max-attempts); getindata 0.25.0 logs the failed request and drops its records",
    extra: 1,
    adjust: (ours) => {
      expect(ours[1]).toEqual(ours[0]!);
      return ours.filter((_, i) => i !== 1);
    },
  },
  "500 then 200, single mode": {
    reason: "as in batch mode: the 500 is retried, the peer drops the record",
    extra: 1,
    adjust: (ours) => {
      expect(ours[1]).toEqual(ours[0]!);
      return ours.filter((_, i) => i !== 1);
    },
  },
  "400 then 200, default error codes": {
    reason:
      "README, Errors: a batch refused with a non-retriable status is re-sent record by record so only refused records reach errors.tolerance / the DLQ; getindata 0.25.0 drops the whole batch",
    extra: 3,
    adjust: (ours) => {
      const first = JSON.parse(text(ours[0]!)) as unknown[];
      const singles = ours.slice(1, 1 + first.length);
      expect(singles.map((r) => JSON.parse(text(r)))).toEqual(first.map((v) => [v]));
      return [ours[0]!, ...ours.slice(1 + first.length)];
    },
  },
};

/**
 * Our Content-Type when no sink.header.Content-Type is set (README, Modes: a batch is a JSON array,
 * a single body has the value converter's type); the peer sends none.
 */
function defaultContentType(c: PeerCase): string {
  if (!single(c)) return "application/json";
  return json(c) ? "application/json" : "application/octet-stream";
}

function rawConverters(): TaskConverters {
  const value = new ByteArrayConverter();
  value.configure({}, false);
  const header = new SimpleHeaderConverter();
  header.configure({});
  return {
    key: value,
    keyClass: "org.apache.kafka.connect.converters.ByteArrayConverter",
    value,
    valueClass: "org.apache.kafka.connect.converters.ByteArrayConverter",
    header,
    headerClass: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
  };
}

/** `format=json`: JsonConverter (schemas.enable=false) writes the values; `raw`: their bytes as they are. */
const json = (c: PeerCase) => c.options.format === "json";
/** What the runtime hands a task that accepts JsonText for a consumed JSON value: its bytes, unparsed. */
const consumedJson = (v: string) =>
  jsonConverters().value.toConnectJsonText!("orders", undefined as never, new TextEncoder().encode(v))!.value;
const single = (c: PeerCase) => c.options["flink.connector.http.sink.writer.request.mode"] === "single";
const setsContentType = (c: PeerCase) => Object.keys(c.options).some((k) => k.toLowerCase().endsWith(".content-type"));

describe("HttpSinkTask against getindata's flink-http-connector 0.25.0", () => {
  test("every case of cases.json has a fixture", () => {
    expect(fixtures.map((f) => f.name)).toEqual(cases.map((c) => c.name));
  });

  // The peer fails the job at its first request (Java's HttpClient refuses the header); ours refuses
  // the config on the key at fault, so PUT /connectors/{name}/config and config/validate say why.
  test.each(fixtures.filter((f) => f.outcome !== "finished").map((f) => [f.name, f] as const))(
    "refused like the peer's failed job: %s",
    (_name, f) => {
      expect(f).toEqual({ name: f.name, outcome: "failed: IllegalArgumentException", requests: [] });
      expectRefused(f);
    },
  );

  // Intended: a Latin-1 value passes Java's check but goes out as "?" (HttpClient writes header
  // bytes as ASCII), so the peer garbles it silently; ours refuses it at validation instead.
  test("refused although the peer sends it garbled: header value with Latin-1", () => {
    const f = fixtures.find((x) => x.name === "header value with Latin-1")!;
    expect(f.requests.map((r) => r.headers)).toEqual([[["X-Unicode", "Zo?"]]]);
    expectRefused(f);
  });

  function expectRefused(f: PeerFixture) {
    const c = cases.find((x) => x.name === f.name)!;
    const headerKeys = Object.keys(c.options).filter((k) => k.includes("sink.header."));
    expect(crossKeyErrors({ ...c.options, url: "http://127.0.0.1:1/" }).map((e) => e.key)).toEqual(headerKeys);
  }

  const sent = cases.filter(
    (c) => fixtures.find((f) => f.name === c.name)?.outcome === "finished" && c.name !== "header value with Latin-1",
  );
  test.each(sent.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const peer = fixtures.find((f) => f.name === c.name)!;
    expect(crossKeyErrors({ ...c.options, url: "http://127.0.0.1:1/" })).toEqual([]);
    await using server = await wireRecorder(c.statuses);
    const config = { ...c.options, url: server.url(c.path), "sink.retry.backoff.initial.ms": "1" };
    const converters = json(c) ? jsonConverters() : rawConverters();
    await using h = harness(config, { converters, tolerance: "all" });
    await h.task.put(c.values.map((v, i) => record(0, i, json(c) ? consumedJson(v) : Buffer.from(v, "utf8"))));
    const intended = INTENDED[c.name];
    await waitFor(() => server.requests.length >= peer.requests.length + (intended?.extra ?? 0));
    await h.task.idle();
    expect(h.errant).toEqual([]);

    let ours = server.requests.map(comparable);
    if (!setsContentType(c)) {
      for (const r of ours) expect(r.headers).toContainEqual(["Content-Type", defaultContentType(c)]);
      ours = ours.map((r) => ({ ...r, headers: r.headers.filter(([n]) => n !== "Content-Type") }));
    }
    if (c.statuses === undefined) {
      // Ours keep offset order (one request in flight per partition).
      expect(joinedValues(ours, c)).toEqual(single(c) ? c.values : [c.values.join(",")]);
    }
    if (intended) ours = intended.adjust(ours);
    expect(multiset(ours)).toEqual(multiset(peer.requests.map(comparable)));
  });
});

/** The values of requests in order: batch bodies are `[` + values joined by `,` + `]`. */
function joinedValues(rs: readonly Comparable[], c: PeerCase): string[] {
  if (single(c)) return rs.map(text);
  return [rs.map((r) => text(r).slice(1, -1)).join(",")];
}
