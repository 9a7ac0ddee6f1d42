/**
 * Limits of the ingest listener against hostile clients (security review of 2026-12-01), on the
 * gateway (the compiled binary when GATEWAY_BIN is set) with raw sockets: a repeated
 * Content-Length must not bypass `ingest.max.body.bytes` (P1.3), and Bun's own body limit is above the
 * largest route limit (bunBodyLimit); deeply nested JSON is refused and leaves the task running (P1.2); slow bodies
 * cannot hold a route's concurrency slots (P2.4); header values every record repeats count against the
 * body limit once per record (security hunt 2026-12-03), the stamped identity too (ingestp4).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { openRaw, parseResponse } from "./fixtures/connect-rest/raw-http.ts";
import { createIngestConnector } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const TOPIC = uniqueTopic("ingest-limits");
const COPIED_TOPIC = uniqueTopic("ingest-limits-copied");
const STAMPED_TOPIC = uniqueTopic("ingest-limits-stamped");
const issuer = await generateKeyPair("ES256", { extractable: true });
const keys = await tempDir("ingest-limits-");

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });

const createConnector = (name: string, config: Record<string, string>) =>
  createIngestConnector(suite.gw, name, { "kafka.topic": TOPIC, ...config });

beforeAll(async () => {
  await createConnector("small", { "ingest.path": "/ingest/small", "ingest.max.body.bytes": "1024" });
  await createConnector("big", { "ingest.path": "/ingest/big", "ingest.max.body.bytes": "65536" });
  await createConnector("slow", {
    "ingest.path": "/ingest/slow",
    "ingest.max.concurrent.requests": "2",
    "ingest.request.timeout.ms": "2500",
  });
  await createConnector("copied", {
    "ingest.path": "/ingest/copied",
    "kafka.topic": COPIED_TOPIC,
    "ingest.key.source": "header",
    "ingest.headers.allowlist": "X-Site",
  });
  await Bun.write(keys.file("issuer.pem"), await exportSPKI(issuer.publicKey));
  await createConnector("stamped", {
    "ingest.path": "/ingest/stamped",
    "kafka.topic": STAMPED_TOPIC,
    "ingest.auth.methods": "jwt",
    "ingest.auth.jwt.public.key.location": keys.file("issuer.pem"),
    "ingest.auth.jwt.algorithms": "ES256",
  });
  await createConnector("deep", {
    "ingest.path": "/ingest/deep",
    "ingest.max.body.bytes": "1048576",
    transforms: "via",
    "transforms.via.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.via.static.field": "via",
    "transforms.via.static.value": "gw",
  });
});

/** Opens a connection to the ingest listener, sends `head`, and collects everything until the server closes. */
function open(head: string): { socket: Socket; answer: Promise<Buffer> } {
  const ingest = new URL(suite.ingest);
  return openRaw(ingest.hostname, Number(ingest.port), head);
}

const post = (path: string, headers: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}\r\n`;

describe("P1.3: Content-Length", () => {
  test("a repeated Content-Length over the route's limit is 413 before any of the body is sent", async () => {
    // Without the fix the handler waited for all 60000 bytes (Number("60000, 60000") is NaN).
    const { answer } = open(post("/ingest/small", "Content-Length: 60000\r\nContent-Length: 60000\r\n"));
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({
      error_code: 413,
      message: "Request body is larger than the limit of 1024 bytes (ingest.max.body.bytes)",
    });
  });

  test("a body over every route's limit is refused by the listener itself (413, connection closed)", async () => {
    const { answer } = open(post("/ingest/big", "Content-Length: 52428800\r\nContent-Length: 52428800\r\n"));
    const r = parseResponse(await answer);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe("close");
  });

  test("a repeated Content-Length within the limit is read as that length, never past it", async () => {
    // What follows the 7 declared bytes is not part of the body (the server frames by the length).
    const { answer } = open(
      `${post("/ingest/small", "Content-Length: 7\r\nContent-Length: 7\r\nConnection: close\r\n")}{"a":1}${"x".repeat(4096)}`,
    );
    const r = parseResponse(await answer);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).offsets).toHaveLength(1);
  });
});

describe("P1.2: deeply nested JSON", () => {
  test("is 400 on a route with a transform, and the task keeps running", async () => {
    const body = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const deep = await fetch(`${suite.ingest}/ingest/deep`, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect({ status: deep.status, body: await deep.json() }).toEqual({
      status: 400,
      body: {
        error_code: 400,
        message: "The JSON body nests arrays and objects more than 100 levels deep (ingest.max.json.depth)",
      },
    });
    const ok = await fetch(`${suite.ingest}/ingest/deep`, {
      method: "POST",
      body: '{"a":[[1]]}',
      headers: { "Content-Type": "application/json" },
    });
    expect(ok.status).toBe(200);
    expect((await suite.gw.rest.get("/connectors/deep/status")).body.tasks[0].state).toBe("RUNNING");
  });
});

describe("P2.4: slow bodies", () => {
  test("are 408 after ingest.request.timeout.ms and closed, so they cannot hold the route's slots", async () => {
    // Both slots taken by bodies that never complete.
    const slow = [0, 1].map(() => open(post("/ingest/slow", "Content-Length: 100\r\n") + '{"a":'));
    // Both in the pipeline (each holds a slot) before anything else is sent: a request arriving
    // while they connect could take a slot first and leave one of them answered 503 instead.
    await waitFor(
      async () =>
        (await (await fetch(`${suite.gw.url}/metrics`)).text()).includes(
          'ingest_requests_in_flight{route="/ingest/slow"} 2',
        ),
      { what: "both slow requests in flight" },
    );
    await waitFor(
      async () =>
        (
          await fetch(`${suite.ingest}/ingest/slow`, {
            method: "POST",
            body: "{}",
            headers: { "Content-Type": "application/json" },
          })
        ).status === 503,
      { what: "both slots taken" },
    );
    for (const { answer } of slow) {
      const r = parseResponse(await answer);
      expect({ status: r.status, body: JSON.parse(r.body) }).toEqual({
        status: 408,
        body: {
          error_code: 408,
          message: "The request body did not arrive within 2500 ms (ingest.request.timeout.ms)",
        },
      });
    }
    const after = await fetch(`${suite.ingest}/ingest/slow`, {
      method: "POST",
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(after.status).toBe(200);
  });
});

describe("header values copied into every record", () => {
  test("count against ingest.max.body.bytes once per record: a small body of many records with a long key header or allow-listed header is 413, nothing written", async () => {
    // Before: 200 for 2 MB of records made from 4 KB sent (with a 15 KB header and 10,000 records:
    // 150 MB, which kept the gateway busy for 38 s and ended in a 500 "may still be written").
    const long = "k".repeat(1_000);
    const zeros = `[${Array(2_000).fill(0).join(",")}]`;
    const native = await fetch(`${suite.ingest}/ingest/copied`, {
      method: "POST",
      body: zeros,
      headers: { "Content-Type": "application/json", "X-Kafka-Key": long },
    });
    expect({ status: native.status, body: await native.json() }).toEqual({
      status: 413,
      body: {
        error_code: 413,
        message:
          "The request's 2000 records would each carry 1000 bytes of its header values (key, allow-listed headers, stamped content type and identity), 2000000 bytes in all, over the limit of 1048576 bytes (ingest.max.body.bytes); nothing was written",
      },
    });
    const v2 = await fetch(`${suite.ingest}/topics/${COPIED_TOPIC}`, {
      method: "POST",
      body: JSON.stringify({ records: Array(2_000).fill({ value: 0 }) }),
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json", "X-Site": long },
    });
    expect(v2.status).toBe(413);
    const few = await fetch(`${suite.ingest}/ingest/copied`, {
      method: "POST",
      body: "[1,2]",
      headers: { "Content-Type": "application/json", "X-Kafka-Key": long, "X-Site": "s1" },
    });
    expect(few.status).toBe(200);
    const written = await readAll(COPIED_TOPIC);
    // Only the two records of the last request (the key as JsonConverter writes a string).
    expect(written.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      [`"${long}"`, "1"],
      [`"${long}"`, "2"],
    ]);
  });
});

afterAll(async () => {
  await keys[Symbol.asyncDispose]();
});

describe("the stamped identity copied into every record", () => {
  test("counts against ingest.max.body.bytes with the header copies: a long token subject on many records is 413, nothing written", async () => {
    // Before: 200, 2 MB of ingest.identity headers made from a 4 KB body (the identity's copies were
    // left out of the check the other header copies pass).
    const device = "d".repeat(1_000);
    const token = await new SignJWT({ sub: device })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(issuer.privateKey);
    const authorization = `Bearer ${token}`;
    const zeros = `[${Array(2_000).fill(0).join(",")}]`;
    const native = await fetch(`${suite.ingest}/ingest/stamped`, {
      method: "POST",
      body: zeros,
      headers: { "Content-Type": "application/json", Authorization: authorization },
    });
    expect({ status: native.status, body: await native.json() }).toEqual({
      status: 413,
      body: {
        error_code: 413,
        message:
          "The request's 2000 records would each carry 1000 bytes of its header values (key, allow-listed headers, stamped content type and identity), 2000000 bytes in all, over the limit of 1048576 bytes (ingest.max.body.bytes); nothing was written",
      },
    });
    const v3 = await fetch(`${suite.ingest}/v3/clusters/c/topics/${STAMPED_TOPIC}/records`, {
      method: "POST",
      body: '{"value":{"type":"JSON","data":0}}'.repeat(2_000),
      headers: { "Content-Type": "application/json", Authorization: authorization },
    });
    expect(v3.status).toBe(413);
    const few = await fetch(`${suite.ingest}/ingest/stamped`, {
      method: "POST",
      body: "[1,2]",
      headers: { "Content-Type": "application/json", Authorization: authorization },
    });
    expect(few.status).toBe(200);
    const written = await readAll(STAMPED_TOPIC);
    expect(written.map((r) => [r.value?.toString(), r.headers?.["ingest.identity"]?.toString()])).toEqual([
      ["1", device],
      ["2", device],
    ]);
  });
});
