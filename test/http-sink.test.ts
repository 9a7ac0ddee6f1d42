/**
 * The HTTP sink connector in the whole gateway (the compiled binary with GATEWAY_BIN), against the
 * real Kafka broker and loopback endpoints started here: records of 4 partitions reach the
 * endpoint in order per partition and none is lost across a kill -9, nothing whose offset was
 * committed is sent again; an OIDC token endpoint is asked once per token lifetime under load; a
 * poison record goes to the dead letter queue with the HTTP status and response excerpt in its
 * `__connect.errors.*` headers while the rest flow; with tolerance none the task fails readably;
 * JSON values reach the endpoint as the bytes in Kafka (long integers, number spelling) while a
 * value that is not JSON goes to the dead letter queue from the converter, as before.
 */
import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

interface Event {
  readonly p: number;
  readonly i: number;
  readonly pad?: string;
}

/** A loopback endpoint collecting the events of every request it accepts. */
function sinkEndpoint(answer: (body: string, req: Request) => Response | Promise<Response> = () => new Response("ok")) {
  const accepted: Event[] = [];
  let requests = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      requests++;
      const body = await req.text();
      const response = await answer(body, req);
      if (response.status < 300) {
        const parsed = JSON.parse(body) as Event | Event[];
        accepted.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      }
      return response;
    },
  });
  return {
    accepted,
    requests: () => requests,
    url: `http://127.0.0.1:${server.port}/events`,
    [Symbol.dispose]() {
      server.stop(true);
    },
  };
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: partitions }]);
  } finally {
    await admin.disconnect();
  }
}

/** `count` events per partition, `{p, i}` where i is also the record's offset. */
async function produceEvents(topic: string, partitions: number, count: number, pad = 0): Promise<void> {
  const producer = (await testClient()).producer();
  await producer.connect();
  try {
    for (let p = 0; p < partitions; p++) {
      const messages = Array.from({ length: count }, (_, i) => ({
        partition: p,
        value: JSON.stringify(pad > 0 ? { p, i, pad: "x".repeat(pad) } : { p, i }),
      }));
      for (let at = 0; at < messages.length; at += 500) {
        await producer.send({ topic, acks: -1, messages: messages.slice(at, at + 500) });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

async function committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

async function gatewayIn(dir: TempDir): Promise<{ options: Parameters<typeof startGateway>[0] }> {
  const kafka = await kafkaBroker();
  return {
    options: {
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "60000",
      },
    },
  };
}

const JSON_VALUES = {
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
};

/** Batches of 10 flushed after 20 ms, failed records to `dlq` with context headers, JSON values. */
const smallBatchesWithDlq = (dlq: string) => ({
  "sink.batch.max-size": "10",
  "sink.request.batch.size": "10",
  "sink.flush-buffer.timeout": "20",
  "errors.tolerance": "all",
  "errors.deadletterqueue.topic.name": dlq,
  "errors.deadletterqueue.topic.replication.factor": "1",
  "errors.deadletterqueue.context.headers.enable": "true",
  ...JSON_VALUES,
});

/** Stops (SIGKILL) whichever gateway is current at scope end and shows its log if the test failed. */
function cleanup(current: () => Gateway | undefined, passed: () => boolean): AsyncDisposable {
  return {
    [Symbol.asyncDispose]: async () => {
      const gw = current();
      if (!gw) return;
      if (!passed()) console.error(`gateway log (tail):\n${gw.output().slice(-8000)}`);
      if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
    },
  };
}

describe("HTTP sink connector in the gateway", () => {
  test("4 partitions in order per partition; kill -9 loses nothing and re-sends nothing committed", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-crash");
    const PER_PARTITION = 1500;
    await createTopic(topic, 4);
    await produceEvents(topic, 4, PER_PARTITION, 64);
    // The first gateway's requests are held once 1500 events were accepted, so the kill lands
    // mid-stream however fast it delivers; the held ones are refused after the kill.
    let firstRun = true;
    let killed!: () => void;
    const firstGatewayKilled = new Promise<void>((resolve) => {
      killed = resolve;
    });
    using endpoint = sinkEndpoint(async () => {
      if (firstRun && endpoint.accepted.length >= 1500) {
        await firstGatewayKilled;
        return new Response("the first gateway is gone", { status: 503 });
      }
      return new Response("ok");
    });
    const { options } = await gatewayIn(dir);
    let gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("crash-sink"); // a consumer group of its own on the shared broker
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "tasks.max": "1",
        "flink.connector.http.url": endpoint.url,
        "sink.batch.max-size": "50",
        "http.sink.request.batch.size": "50",
        "sink.flush-buffer.timeout": "20",
        "flink.connector.http.sink.writer.thread-pool.size": "4",
        ...JSON_VALUES,
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => endpoint.accepted.length >= 1500, { what: "1500 events before the kill", timeoutMs: 60_000 });
    await gw.kill();
    const atKill = endpoint.accepted.length;
    firstRun = false;
    killed();
    const committed = await committedOffsets(`connect-${name}`, topic);
    expect(atKill).toBeLessThan(4 * PER_PARTITION);

    gw = await startGateway(options);
    await waitFor(() => new Set(endpoint.accepted.map((e) => `${e.p}:${e.i}`)).size === 4 * PER_PARTITION, {
      what: "every event delivered",
      timeoutMs: 90_000,
    });
    const before = endpoint.accepted.slice(0, atKill);
    const after = endpoint.accepted.slice(atKill);
    for (let p = 0; p < 4; p++) {
      const run1 = before.filter((e) => e.p === p).map((e) => e.i);
      const run2 = after.filter((e) => e.p === p).map((e) => e.i);
      // In order within each run (no gaps, no repeats): the second run continues at or before where the first stopped.
      expect(run1).toEqual(Array.from({ length: run1.length }, (_, k) => k));
      const from = run2[0] ?? PER_PARTITION;
      expect(run2).toEqual(Array.from({ length: PER_PARTITION - from }, (_, k) => from + k));
      // The restart resumes at the committed offset: nothing committed is sent again, nothing skipped.
      expect(from).toBe(Math.max(0, committed.get(p) ?? 0));
      expect(from).toBeLessThanOrEqual(run1.length);
    }
    // The restarted task commits everything it delivered.
    await waitFor(
      async () => {
        const offsets = await committedOffsets(`connect-${name}`, topic);
        return [0, 1, 2, 3].every((p) => offsets.get(p) === PER_PARTITION);
      },
      { what: "all offsets committed" },
    );
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 180_000);

  test("OIDC: one token request per token lifetime under load, one renewal after a 401", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-oidc");
    await createTopic(topic, 4);
    const signingKey = new TextEncoder().encode("gateway-test-signing-key-0123456789abcdef");
    const issued: string[] = [];
    const tokenRequests: string[] = [];
    const tokenServer = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        tokenRequests.push(await req.text());
        const token = await new SignJWT({ scope: "ingest" })
          .setProtectedHeader({ alg: "HS256" })
          .setExpirationTime("1h")
          .sign(signingKey);
        issued.push(token);
        return Response.json({ access_token: token, token_type: "Bearer", expires_in: 3600 });
      },
    });
    using _tokens = { [Symbol.dispose]: () => tokenServer.stop(true) };
    let revokeFirstAfter = 1000;
    using endpoint = sinkEndpoint((_body, req) => {
      const presented = req.headers.get("authorization");
      // The first token is revoked part-way: the sink must renew it once and go on.
      if (issued.length === 1 && --revokeFirstAfter <= 0) return new Response("revoked", { status: 401 });
      return presented === `Bearer ${issued.at(-1)}` ? new Response("ok") : new Response("", { status: 401 });
    });
    const { options } = await gatewayIn(dir);
    const gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("oidc-sink"); // a consumer group of its own on the shared broker
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
        topics: topic,
        url: endpoint.url,
        "sink.writer.request.mode": "single",
        "sink.writer.thread-pool.size": "8",
        "sink.flush-buffer.timeout": "10",
        "flink.connector.http.security.oidc.token.endpoint.url": `http://127.0.0.1:${tokenServer.port}/token`,
        "flink.connector.http.security.oidc.token.request":
          "grant_type=client_credentials&client_id=gateway&client_secret=top-secret-value",
        "errors.tolerance": "none",
        ...JSON_VALUES,
      },
    });
    expect(created.status).toBe(201);
    await produceEvents(topic, 4, 1000);
    await waitFor(() => new Set(endpoint.accepted.map((e) => `${e.p}:${e.i}`)).size === 4000, {
      what: "4000 events",
      timeoutMs: 90_000,
    });
    expect(tokenRequests).toEqual([
      "grant_type=client_credentials&client_id=gateway&client_secret=top-secret-value",
      "grant_type=client_credentials&client_id=gateway&client_secret=top-secret-value",
    ]);
    expect((await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0].state).toBe("RUNNING");
    const metrics = (await gw.rest.get("/metrics")).text;
    expect(metrics).toMatch(
      new RegExp(`http_sink_requests_total\\{connector="${name}",task="0",status_class="2xx"\\} \\d+`),
    );
    expect(metrics).toMatch(
      new RegExp(`http_sink_requests_total\\{connector="${name}",task="0",status_class="4xx"\\} [1-9]`),
    );
    expect(metrics).toContain(`http_sink_records_sent_total{connector="${name}",task="0"} 4000`);
    expect(metrics).toContain(`http_sink_request_duration_seconds_bucket{connector="${name}",task="0",le="+Inf"}`);
    expect(metrics).toContain(`http_sink_requests_in_flight{connector="${name}",task="0"}`);
    const log = gw.output();
    for (const token of issued) expect(log).not.toContain(token);
    expect(log).not.toContain("top-secret-value");
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);

  test("a poison record goes to the dead letter queue with status and excerpt while the rest flow", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-poison");
    const dlq = uniqueTopic("http-sink-dlq");
    await createTopic(topic, 1);
    using endpoint = sinkEndpoint((body) =>
      body.includes('"i":17,') || body.includes('"i":17}')
        ? Response.json({ error: "i=17 is not allowed" }, { status: 422 })
        : new Response("ok"),
    );
    const { options } = await gatewayIn(dir);
    const gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("poison-sink"); // a consumer group of its own on the shared broker
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: endpoint.url,
        ...smallBatchesWithDlq(dlq),
      },
    });
    expect(created.status).toBe(201);
    await produceEvents(topic, 1, 40);
    await waitFor(() => endpoint.accepted.length === 39, { what: "39 events delivered" });
    expect(endpoint.accepted.map((e) => e.i)).toEqual([
      ...Array.from({ length: 17 }, (_, k) => k),
      ...Array.from({ length: 22 }, (_, k) => 18 + k),
    ]);
    const [dead] = await readTopic(dlq, 1);
    expect(JSON.parse(dead!.value!.toString())).toEqual({ p: 0, i: 17 });
    const header = (key: string) => dead!.headers[`__connect.errors.${key}`]?.toString();
    expect(header("topic")).toBe(topic);
    expect(header("offset")).toBe("17");
    expect(header("stage")).toBe("TASK_PUT");
    expect(header("http.status.code")).toBe("422");
    expect(header("http.response.body")).toBe('{"error":"i=17 is not allowed"}');
    expect(header("exception.message")).toBe(
      `HTTP 422 from POST ${endpoint.url} after 1 attempt(s): {"error":"i=17 is not allowed"}`,
    );
    await waitFor(async () => (await committedOffsets(`connect-${name}`, topic)).get(0) === 40, {
      what: "offset 40 committed",
    });
    const metrics = (await gw.rest.get("/metrics")).text;
    expect(metrics).toContain(`http_sink_records_dlq_total{connector="${name}",task="0"} 1`);
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);

  test("JSON values reach the endpoint byte-exact (issue 7.4); a value that is not JSON goes to the DLQ", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-exact");
    const dlq = uniqueTopic("http-sink-exact-dlq");
    await createTopic(topic, 1);
    const bodies: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        bodies.push(await req.text());
        return new Response("ok");
      },
    });
    await using _server = { [Symbol.asyncDispose]: () => server.stop(true) };
    const { options } = await gatewayIn(dir);
    const gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("exact-sink"); // a consumer group of its own on the shared broker
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${server.port}/events`,
        ...smallBatchesWithDlq(dlq),
      },
    });
    expect(created.status).toBe(201);
    const values = [
      '{"ts": 1700000000123456789, "big":12345678901234567890, "price":1.50, "e":1E3}',
      "not json",
      '[9007199254740993, -9223372036854775809, "\u00e9"]',
    ];
    const producer = (await testClient()).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
    await waitFor(() => bodies.join("").includes("9007199254740993"), { what: "the third value delivered" });
    // One request or two (the records may come in separate fetches): the elements are the bytes in Kafka.
    expect(bodies.join("|")).toBeOneOf([`[${values[0]},${values[2]}]`, `[${values[0]}]|[${values[2]}]`]);
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.value!.toString()).toBe("not json");
    expect(dead!.headers["__connect.errors.stage"]?.toString()).toBe("VALUE_CONVERTER");
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);

  test("with errors.tolerance=none a rejected record fails the task with a readable trace", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("http-sink-fail");
    await createTopic(topic, 1);
    using endpoint = sinkEndpoint(() => new Response("payload too large for plan", { status: 413 }));
    const { options } = await gatewayIn(dir);
    const gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("failing-sink"); // a consumer group of its own on the shared broker
    await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: endpoint.url,
        "sink.flush-buffer.timeout": "10",
        ...JSON_VALUES,
      },
    });
    await produceEvents(topic, 1, 3);
    const task = await waitFor(
      async () => {
        const t = (await gw!.rest.get(`/connectors/${name}/status`)).body.tasks?.[0];
        return t?.state === "FAILED" ? t : undefined;
      },
      { what: "the task FAILED" },
    );
    // No DLQ topic nor errors.log.enable: as in Connect the task has no errant record reporter, so the
    // sink's own error fails it (no "Tolerance exceeded in error handler" wrapper).
    expect(task.trace).not.toContain("Tolerance exceeded in error handler");
    expect(task.trace).toStartWith("org.apache.kafka.connect.errors.ConnectException: HTTP 413");
    expect(task.trace).toContain(`HTTP 413 from POST ${endpoint.url} after 1 attempt(s): payload too large for plan`);
    expect((await committedOffsets(`connect-${name}`, topic)).get(0) ?? -1).toBeLessThanOrEqual(0);
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);

  test("mTLS endpoint with a CA-signed certificate; config/validate names a bad key file, a key of another certificate, an option under two spellings", async () => {
    await using dir = await tempDir();
    const tls = await makeTls(dir.path);
    const topic = uniqueTopic("http-sink-mtls");
    await createTopic(topic, 1);
    const accepted: string[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      tls: {
        cert: Bun.file(tls.serverCert),
        key: Bun.file(tls.serverKey),
        ca: Bun.file(tls.caCert),
        requestCert: true,
        rejectUnauthorized: true,
      },
      async fetch(req) {
        accepted.push(await req.text());
        return new Response("ok");
      },
    });
    using _server = { [Symbol.dispose]: () => server.stop(true) };
    const { options } = await gatewayIn(dir);
    const gw: Gateway | undefined = await startGateway(options);
    let passed = false;
    await using _cleanup = cleanup(
      () => gw,
      () => passed,
    );
    const name = uniqueTopic("mtls-sink"); // a consumer group of its own on the shared broker
    const config = {
      "connector.class": "HttpSink",
      name,
      topics: topic,
      url: `https://127.0.0.1:${server.port}/in`,
      "sink.flush-buffer.timeout": "10",
      "flink.connector.http.security.cert.server": tls.caCert,
      "flink.connector.http.security.cert.client": tls.clientCert,
      "flink.connector.http.security.key.client": tls.clientCert,
      ...JSON_VALUES,
    };
    const validation = await gw.rest.put("/connector-plugins/HttpSink/config/validate", config);
    expect(validation.body.error_count).toBe(1);
    const bad = validation.body.configs.find((c: { value: { errors: string[] } }) => c.value.errors.length > 0);
    expect(bad.value.name).toBe("security.key.client");
    expect(bad.value.errors[0]).toContain("holds no readable unencrypted PKCS8 private key");
    expect((await gw.rest.put(`/connectors/${name}/config`, config)).status).toBe(400);
    // The server's key is a key, but not the client certificate's: no TLS connection could be opened.
    const mismatched = { ...config, "flink.connector.http.security.key.client": tls.serverKey };
    const pair = await gw.rest.put("/connector-plugins/HttpSink/config/validate", mismatched);
    expect(pair.body.error_count).toBe(1);
    expect(
      pair.body.configs.find((c: { value: { name: string } }) => c.value.name === "security.key.client").value.errors,
    ).toEqual([
      `${tls.serverKey} is not the private key of the first certificate in ${tls.clientCert} (set as flink.connector.http.security.key.client)`,
    ]);
    // explore15 F1, F2: one option under two spellings with different values is refused, naming the keys
    // as written; a prefixed key's error names the key as written, in the 400 of a PUT too.
    const twice = {
      ...config,
      "flink.connector.http.security.key.client": tls.clientKey,
      "sink.request.batch.size": "2",
      "http.sink.request.batch.size": "3",
    };
    const conflict = await gw.rest.put("/connector-plugins/HttpSink/config/validate", twice);
    expect(conflict.body.error_count).toBe(1);
    expect(
      conflict.body.configs.find((c: { value: { name: string } }) => c.value.name === "sink.request.batch.size").value
        .errors,
    ).toEqual([
      "sink.request.batch.size and http.sink.request.batch.size name one option with different values (sink.request.batch.size is the one used): set it once",
    ]);
    expect((await gw.rest.put(`/connectors/${name}/config`, twice)).status).toBe(400);
    const written = await gw.rest.put(`/connectors/${name}/config`, {
      ...config,
      "flink.connector.http.security.key.client": tls.clientKey,
      "flink.connector.http.sink.request.batch.size": "abc",
    });
    expect(written.status).toBe(400);
    expect(written.body.message).toContain(
      "Invalid value abc for configuration sink.request.batch.size: Not a number of type INT (set as flink.connector.http.sink.request.batch.size)",
    );

    const good = { ...config, "flink.connector.http.security.key.client": tls.clientKey };
    expect((await gw.rest.put(`/connectors/${name}/config`, good)).status).toBe(201);
    await produceEvents(topic, 1, 5);
    await waitFor(() => accepted.length > 0 && accepted.flatMap((b) => JSON.parse(b) as Event[]).length === 5, {
      what: "5 events over mTLS",
    });
    expect(accepted.flatMap((b) => (JSON.parse(b) as Event[]).map((e) => e.i))).toEqual([0, 1, 2, 3, 4]);
    expect(await gw.stop()).toBe(0);
    passed = true;
  }, 120_000);
});
