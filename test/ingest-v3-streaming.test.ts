/**
 * REST Proxy v3 streaming mode that streams (shared/rest-proxy-api.md §2), on the whole gateway
 * (the compiled binary when GATEWAY_BIN is set) and the real broker: a client on a raw socket
 * writes records to one chunked `POST …/records` and reads each delivery report before it writes
 * the next, over the http and the mTLS https ingest listener; records sent together; a bad record and
 * a body that is no JSON mid-stream; a client that goes away mid-stream (every acknowledged record
 * is in Kafka, the slot is freed, the gateway serves on); the stream's duration limit and its idle
 * limit (408 reports); its metrics; a pause ending it; spool mode; and what stays whole-body (an
 * Idempotency-Key, a record not sent chunked).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector, INGEST_WORKER } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { makeTls, type TlsFiles } from "./support/tls.ts";
import { splitReports, V3StreamClient } from "./support/v3-stream-client.ts";
import { waitFor } from "./support/wait-for.ts";

const T_STREAM = uniqueTopic("v3-stream");
const T_GONE = uniqueTopic("v3-stream-gone");
const T_LIMITS = uniqueTopic("v3-stream-limits");
const T_PAUSE = uniqueTopic("v3-stream-pause");
const T_SPOOL = uniqueTopic("v3-stream-spool");
const T_TASKS = uniqueTopic("v3-stream-tasks");

/** A sample of the gateway's /metrics for the v3 records route; 0 when absent. */
async function v3Metric(name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{route="/v3/…/records"${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

let tls: TlsFiles;
const suite = suiteGateway(async (dir) => {
  tls = await makeTls(dir.path);
  return {
    ...INGEST_WORKER,
    "ingest.listeners": "http://127.0.0.1:0,https://127.0.0.1:0",
    "ingest.listeners.https.ssl.keystore.location": tls.serverPem,
    "ingest.listeners.https.ssl.truststore.location": tls.caCert,
    "ingest.listeners.https.ssl.client.auth": "required",
  };
});

/** The https listener asks for a client certificate (mTLS): the test's client has one. */
const clientTls = () => ({
  ca: readFileSync(tls.caCert, "utf8"),
  cert: readFileSync(tls.clientCert, "utf8"),
  key: readFileSync(tls.clientKey, "utf8"),
});

const record = (data: string) => JSON.stringify({ value: { type: "STRING", data } });
const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString("utf8"));

describe("REST Proxy v3 streaming mode", () => {
  let https = "";

  beforeAll(async () => {
    const connectors: [string, string, Record<string, string>][] = [
      ["stream", T_STREAM, {}],
      ["pause", T_PAUSE, {}],
      ["spooled", T_SPOOL, { "ingest.ack.mode": "spool" }],
      ["gone", T_GONE, { "ingest.max.concurrent.requests": "1" }],
      ["tasks", T_TASKS, { "tasks.max": "2" }],
      ["limits", T_LIMITS, { "ingest.streaming.max.duration.ms": "3000", "ingest.request.timeout.ms": "1500" }],
    ];
    for (const [name, topic, keys] of connectors) {
      await createTopic(topic, 1);
      await createIngestConnector(suite.gw, name, { "ingest.path": `/ingest/${name}`, "kafka.topic": topic, ...keys });
    }
    https = (await suite.gw.waitForOutput(/Ingest listener open at (https:\/\/\S+?)\/?\s/))[1]!;
  }, 60_000);

  test("each record's report arrives before the next record is written, over http and mTLS https", async () => {
    for (const [base, ca, tag] of [
      [suite.ingest, undefined, "http"],
      [https, clientTls(), "https"],
    ] as const) {
      const client = await V3StreamClient.open(`${base}/v3/clusters/c/topics/${T_STREAM}/records`, ca);
      for (let i = 0; i < 3; i++) {
        client.write(record(`${tag}-${i}`));
        const reports = await client.reportsUntil(i + 1);
        expect(reports[i]).toMatchObject({ error_code: 200, partition_id: 0 });
      }
      expect(await client.status()).toBe(200);
      expect(client.headers.toLowerCase()).toContain("content-type: application/json");
      client.end();
      expect((await client.finished()).length).toBe(3);
    }
    const written = await readTopic(T_STREAM, 6);
    expect(values(written)).toEqual(
      ["http-0", "http-1", "http-2", "https-0", "https-1", "https-2"].map((v) => JSON.stringify(v)),
    );
  }, 60_000);

  test("records in one chunk get their reports in order; a bad record fails alone; a body that is no JSON ends the stream", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`);
    client.write(`${record("a")}\n${record("b")}${record("c")}`);
    expect((await client.reportsUntil(3)).map((r) => [r.error_code, r.offset])).toEqual([
      [200, 6],
      [200, 7],
      [200, 8],
    ]);
    // As the whole-body path: a record that cannot be read has its own report, exactly.
    client.write(`{"value":{"type":"BINARY","data":"1"}}${record("d")}`);
    const [bad, d] = (await client.reportsUntil(5)).slice(3);
    expect(bad).toEqual({ error_code: 400, message: "Bad Request: data=1 is not a base64 string." });
    expect(d).toMatchObject({ error_code: 200, offset: 9 });
    // A record whose text begins a half-written record, then a stray `}`: the rest is one malformed value.
    client.write(`${record("e")}}{"value":`);
    const reports = await client.finished();
    expect(reports.length).toBe(7);
    expect(reports[5]).toMatchObject({ error_code: 200, offset: 10 });
    expect(reports[6]!.error_code).toBe(400);
    expect(reports[6]!.message).toStartWith("Bad Request: malformed JSON: ");
    expect(values(await readTopic(T_STREAM, 11)).slice(6)).toEqual(
      ["a", "b", "c", "d", "e"].map((v) => JSON.stringify(v)),
    );
  }, 60_000);

  test("with tasks.max=2 a stream's records reach Kafka in the stream's order, many records read at once or one", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_TASKS}/records`);
    // 300 records then 1, 20 times: a task holding the many (route.writer's fill-first bound) does not
    // send the one after them to the other task's producer.
    const sent: string[] = [];
    for (let round = 0; round < 20; round++) {
      let many = "";
      for (let i = 0; i < 300; i++) {
        sent.push(`r${sent.length}`);
        many += record(sent.at(-1)!);
      }
      client.write(many);
      sent.push(`r${sent.length}`);
      client.write(record(sent.at(-1)!));
    }
    client.end();
    const reports = await client.finished();
    expect(reports.filter((r) => r.error_code === 200).length).toBe(sent.length);
    expect(values(await readTopic(T_TASKS, sent.length))).toEqual(sent.map((v) => JSON.stringify(v)));
  }, 60_000);

  test("a client that goes away mid-stream: its acknowledged records are in Kafka, its slot is freed, the gateway serves on", async () => {
    const url = `${suite.ingest}/v3/clusters/c/topics/${T_GONE}/records`;
    const client = await V3StreamClient.open(url);
    client.write(record("g1"));
    client.write(record("g2"));
    const acknowledged = await client.reportsUntil(2);
    expect(acknowledged.map((r) => r.error_code)).toEqual([200, 200]);
    // Its one slot (ingest.max.concurrent.requests=1) is held while the stream is open.
    const refused = await curlPost(url, record("refused"), "application/json");
    expect(refused.status).toBe(503);
    client.write(`${record("g3")}{"value":{"type":"STRING","da`);
    client.destroy();
    const after = await waitFor(
      async () => {
        const r = await curlPost(url, record("after"), "application/json");
        return r.status === 200 ? r : undefined;
      },
      { what: "the slot back" },
    );
    expect(after.json()).toMatchObject({ error_code: 200 });
    // g3 was submitted before the client left: it may be written too (at least once).
    const written = values(await readTopic(T_GONE, after.json().offset + 1));
    expect(written.slice(0, 2)).toEqual(['"g1"', '"g2"']);
    expect(written.at(-1)).toBe('"after"');
    expect(written.length === 3 || written[2] === '"g3"').toBe(true);
  }, 60_000);

  test("a stream idle for ingest.request.timeout.ms ends with a 408 report after its records' reports", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_LIMITS}/records`);
    client.write(record("idle"));
    const reports = await client.finished();
    expect(reports).toEqual([
      expect.objectContaining({ error_code: 200, offset: 0 }),
      { error_code: 408, message: "No byte of the stream arrived within 1500 ms (ingest.request.timeout.ms)" },
    ]);
  }, 60_000);

  test("a stream open for ingest.streaming.max.duration.ms ends with REST Proxy's 408 report, over http and mTLS https", async () => {
    const streams = [suite.ingest, https].map(async (base) => {
      const client = await V3StreamClient.open(
        `${base}/v3/clusters/c/topics/${T_LIMITS}/records`,
        base === https ? clientTls() : undefined,
      );
      let sent = 0;
      // Bytes keep coming (never idle) until the stream ends: white space between records.
      const keepAlive = setInterval(() => client.write(sent++ % 2 === 0 ? " " : record(`k${sent}`)), 200);
      try {
        return await client.finished();
      } finally {
        clearInterval(keepAlive);
      }
    });
    for (const reports of await Promise.all(streams)) {
      expect(reports.at(-1)).toEqual({ error_code: 408, message: "Streaming connection open for longer than allowed" });
      expect(reports.length).toBeGreaterThan(2);
      expect(reports.slice(0, -1).every((r) => r.error_code === 200)).toBe(true);
    }
  }, 60_000);

  test("a stream counts as one request in flight while open, and its records when it ends", async () => {
    const accepted = await v3Metric("ingest_records_accepted_total");
    const answered = await v3Metric("ingest_requests_total", ',status_class="2xx"');
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`);
    client.write(record("m1") + record("m2"));
    await client.reportsUntil(2);
    expect(await v3Metric("ingest_requests_in_flight")).toBe(1);
    client.end();
    await client.finished();
    await waitFor(async () => (await v3Metric("ingest_requests_in_flight")) === 0, {
      what: "the stream counted as ended",
    });
    expect(await v3Metric("ingest_records_accepted_total")).toBe(accepted + 2);
    expect(await v3Metric("ingest_requests_total", ',status_class="2xx"')).toBe(answered + 1);
  }, 60_000);

  test("pausing the connector ends an open stream with its 503 report, after the reports of its records", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_PAUSE}/records`);
    client.write(record("p1"));
    await client.reportsUntil(1);
    expect((await suite.gw.rest.put("/connectors/pause/pause")).status).toBe(202);
    const reports = await client.finished();
    expect(reports.map((r) => r.error_code)).toEqual([200, 503]);
    expect(reports[1]!.message).toBe("The ingest connector pause is paused");
    expect(values(await readTopic(T_PAUSE, 1))).toEqual(['"p1"']);
  }, 60_000);

  test("in spool mode each record's report arrives once it is spooled, before the next is written; Kafka gets them all", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_SPOOL}/records`);
    for (let i = 0; i < 2; i++) {
      client.write(record(`s${i}`));
      expect((await client.reportsUntil(i + 1))[i]).toMatchObject({ error_code: 200, topic_name: T_SPOOL });
    }
    client.end();
    expect((await client.finished()).length).toBe(2);
    expect(values(await readTopic(T_SPOOL, 2))).toEqual(['"s0"', '"s1"']);
  }, 60_000);

  test("a chunked request with an Idempotency-Key is read whole and its answer replayed, not streamed", async () => {
    const url = `${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`;
    const send = () =>
      curlPost(url, record("keyed-1") + record("keyed-2"), "application/json", {
        "Transfer-Encoding": "chunked",
        "Idempotency-Key": "v3-stream-keyed",
      });
    const first = await send();
    expect(first.status).toBe(200);
    const offsets = splitReports(first.body).map((r) => r.offset);
    expect(offsets.length).toBe(2);
    const again = await send();
    expect([again.status, again.body]).toEqual([200, first.body]);
    const written = values(await readTopic(T_STREAM, offsets[1]! + 1));
    expect(written.filter((v) => v?.startsWith('"keyed-'))).toEqual(['"keyed-1"', '"keyed-2"']);
  }, 60_000);

  test("a record not sent chunked keeps its own answer", async () => {
    const one = await curlPost(
      `${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`,
      record("whole"),
      "application/json",
    );
    expect(one.status).toBe(200);
    expect(one.json()).toMatchObject({ error_code: 200, topic_name: T_STREAM, partition_id: 0 });
    const bad = await curlPost(
      `${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`,
      '{"value":{"type":"BINARY","data":"1"}}',
      "application/json",
    );
    expect([bad.status, bad.body]).toEqual([
      400,
      '{"error_code":400,"message":"Bad Request: data=1 is not a base64 string."}',
    ]);
  }, 60_000);

  // Last: it stops the suite's gateway.
  test("stopping the gateway ends an open stream with a 503 report after its records' reports, not at the drain's end", async () => {
    const client = await V3StreamClient.open(`${suite.ingest}/v3/clusters/c/topics/${T_STREAM}/records`);
    client.write(record("before-stop"));
    await client.reportsUntil(1);
    const stopping = suite.gw.stop(20_000);
    const reports = await client.finished();
    expect(reports).toEqual([
      expect.objectContaining({ error_code: 200, topic_name: T_STREAM }),
      {
        error_code: 503,
        message: "The gateway is stopping; send the rest of the stream again once it is back",
      },
    ]);
    expect(await stopping).toBe(0);
  }, 60_000);
});
