/**
 * The HTTP source connector in the running gateway against loopback APIs and the real broker:
 * TLS and mTLS endpoints with openssl/keytool-made JKS, PKCS12 and PEM stores; validation of
 * cross-key rules and stores; failures (error status with behavior.on.error=fail → FAILED with a
 * readable trace, garbage tolerated, a hanging server timing out, 429 with Retry-After and
 * rate-limit headers); offsets through GET/PATCH/DELETE /connectors/{c}/offsets; records with long
 * integers reach the topic byte-exact, and a long cursor and offset keep their digits.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeClientStores } from "./support/tls-stores.ts";
import { waitFor } from "./support/wait-for.ts";

const values = (records: { value: Buffer | null }[]) => records.map((r) => JSON.parse(r.value!.toString("utf8")));

async function taskState(gw: Gateway, name: string): Promise<{ state: string; trace?: string } | undefined> {
  return (await gw.rest.get(`/connectors/${name}/status`)).body?.tasks?.[0];
}

/** readTopic that, when the records do not come, says why: the connector's status and the gateway's log. */
async function readConnectorTopic(gw: Gateway, connector: string, topic: string, count: number, context = () => "") {
  try {
    return await readTopic(topic, count);
  } catch (error) {
    const status = (await gw.rest.get(`/connectors/${connector}/status`)).text;
    throw new Error(
      `${(error as Error).message}\n${context()}status of ${connector}: ${status}\ngateway log (tail):\n${gw.output().slice(-6000)}`,
    );
  }
}

// Every case has a gateway, API and topic of its own and mostly waits (polls): they run at once.
describe.concurrent("HTTP source connector in the gateway", () => {
  test("polls TLS and mTLS endpoints with JKS, PKCS12 and PEM stores; validation names bad stores and cross-key errors", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const s = await makeClientStores(dir.path);
    using api = startApi(() => Response.json([{ secure: true }]), {
      cert: Bun.file(s.serverCert),
      key: Bun.file(s.serverKey),
      ca: Bun.file(s.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const stores = {
      JKS: { trust: s.trustJks, keys: s.clientJks },
      PKCS12: { trust: s.trustP12, keys: s.clientP12 },
      PEM: { trust: s.caCert, keys: s.clientPem },
    };
    const topics: Record<string, string> = {};
    for (const [type, { trust, keys }] of Object.entries(stores)) {
      topics[type] = uniqueTopic(`tls-${type}`);
      const res = await gw.rest.put(`/connectors/tls-${type}/config`, {
        "connector.class": "HttpSourceConnector",
        "http.url": `${api.base}/data/${type}`,
        "kafka.topic": topics[type]!,
        "http.response.records.path": "$[*]",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "http.ssl.enabled": "true",
        "http.ssl.truststore.location": trust,
        "http.ssl.truststore.password": s.password,
        "http.ssl.keystore.location": keys,
        "http.ssl.keystore.password": s.password,
      });
      expect(res.status).toBe(201);
    }
    for (const type of Object.keys(stores)) {
      const requests = () =>
        `requests to /data/${type}: ${api.seen.filter((r) => r.url.pathname.endsWith(type)).length}\n`;
      expect(values(await readConnectorTopic(gw, `tls-${type}`, topics[type]!, 1, requests))).toEqual([
        { secure: true },
      ]);
    }

    const validate = async (config: Record<string, string>) => {
      const res = await gw.rest.put("/connector-plugins/HttpSource/config/validate", {
        "connector.class": "HttpSource",
        name: "validated",
        "http.url": `${api.base}/data`,
        "kafka.topic": "t",
        ...config,
      });
      expect(res.status).toBe(200);
      const errors: Record<string, string[]> = {};
      for (const { value } of res.body.configs) if (value.errors.length > 0) errors[value.name] = value.errors;
      return { count: res.body.error_count, errors };
    };
    expect(
      await validate({
        "http.ssl.enabled": "true",
        "http.ssl.truststore.location": s.trustJks,
        "http.ssl.truststore.password": "not-the-password",
      }),
    ).toEqual({ count: 1, errors: { "http.ssl.truststore.password": [expect.stringContaining("wrong password")] } });
    expect(
      await validate({
        "http.auth.type": "OAUTH2",
        "http.oauth2.client.id": "c",
        "http.pagination.type": "CURSOR",
        "http.timer.type": "cron",
        "http.timer.cron.expression": "0 0 25 * * ?",
      }),
    ).toEqual({
      count: 3,
      errors: {
        "http.timer.cron.expression": [expect.stringContaining("Invalid cron expression")],
        "http.pagination.cursor.path": ["http.pagination.cursor.path is required when http.pagination.type=CURSOR"],
        "http.oauth2.token.url": ["http.oauth2.token.url is required when http.auth.type=OAUTH2"],
      },
    });
    // Cross-key rules run once every key is valid on its own, as Connect's Connector.validate.
    expect(await validate({ "http.response.records.path": "data[*]" })).toEqual({
      count: 1,
      errors: { "http.response.records.path": [expect.stringContaining("must start with $")] },
    });
    // A filter or script JSONPath is refused on its key (review P3.9), not at the first poll.
    expect(
      await validate({
        "http.response.records.path": "$.data[?(@.a==1)]",
        "http.pagination.type": "CURSOR",
        "http.pagination.cursor.path": "$.next[(@.length-1)]",
      }),
    ).toEqual({
      count: 1,
      errors: {
        "http.response.records.path": [expect.stringContaining("Filter and script expressions such as [?(@.a==1)]")],
      },
    });
    expect(
      await validate({ "http.pagination.type": "CURSOR", "http.pagination.cursor.path": "$.next[(@.length-1)]" }),
    ).toEqual({
      count: 1,
      errors: {
        "http.pagination.cursor.path": [
          expect.stringContaining("Filter and script expressions such as [(@.length-1)]"),
        ],
      },
    });
    const rejected = await gw.rest.put("/connectors/bad/config", {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/data`,
      "kafka.topic": "t",
      "http.pagination.type": "CURSOR",
    });
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toContain("http.pagination.cursor.path");
  });

  test("error statuses, garbage, hanging servers and 429s behave as configured", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using failing = startApi(() => new Response("internal trouble", { status: 500 }));
    using garbage = startApi(() => new Response("<html>definitely not json", { status: 200 }));
    using hanging = startApi(() => new Promise<Response>(() => undefined));
    using limited = startApi((_req, n) =>
      n === 1
        ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
        : Response.json([{ n }], { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3600" } }),
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const limitedTopic = uniqueTopic("limited");
    const common = {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.response.records.path": "$[*]",
      "http.retry.backoff.ms": "10",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    const create = (name: string, config: Record<string, string>) =>
      gw.rest.put(`/connectors/${name}/config`, { ...common, "kafka.topic": uniqueTopic(name), ...config });
    await create("failing", {
      "http.url": `${failing.base}/e?api_key=k-123456`,
      "http.retry.max.attempts": "2",
      "http.response.error.codes": "400,401,403,404,500,502,503",
      "behavior.on.error": "fail",
    });
    await create("garbage", {
      "http.url": `${garbage.base}/e`,
      "errors.tolerance": "all",
      "errors.log.enable": "true",
    });
    await create("hanging", {
      "http.url": `${hanging.base}/e`,
      "http.request.timeout.ms": "300",
      "http.retry.max.attempts": "2",
    });
    await gw.rest.put("/connectors/limited/config", {
      ...common,
      "kafka.topic": limitedTopic,
      "http.url": `${limited.base}/e`,
      "http.timer.interval.ms": "100",
      "http.rate.limit.header": "X-RateLimit-Remaining",
      "http.rate.limit.reset.header": "X-RateLimit-Reset",
    });

    const failed = await waitFor(async () => {
      const t = await taskState(gw, "failing");
      return t?.state === "FAILED" ? t : undefined;
    });
    expect(failed.trace).toStartWith(
      `org.apache.kafka.connect.errors.ConnectException: HTTP 500 from GET ${failing.base}/e?api_key=*** after 2 attempts: internal trouble`,
    );
    expect(failed.trace).not.toContain("k-123456");
    expect(failing.seen.length).toBe(2);

    const timedOut = await waitFor(async () => {
      const t = await taskState(gw, "hanging");
      return t?.state === "FAILED" ? t : undefined;
    });
    expect(timedOut.trace).toContain(`GET ${hanging.base}/e failed after 2 attempts`);
    expect(timedOut.trace).toContain("timed out");

    await gw.waitForOutput(/\[garbage\|task-0\].*not valid JSON.*behavior\.on\.error=log/);
    expect((await taskState(gw, "garbage"))?.state).toBe("RUNNING");

    // 429 + Retry-After: 1 s, then the record; then 0 requests remain until the reset an hour away.
    expect(values(await readTopic(limitedTopic, 1))).toEqual([{ n: 2 }]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('http_source_requests_total{connector="limited",task="0"} 2');
    expect(metrics).toContain('http_source_errors_total{connector="limited",task="0"} 1');
    expect(metrics).toContain('http_source_errors_total{connector="failing",task="0"} 2');
    expect(limited.seen.length).toBe(2);
    expect((await taskState(gw, "limited"))?.state).toBe("RUNNING");
  });

  test("OAuth2: one JWT access token (no expires_in) for many polls, renewed once after a 401; no secret in logs or status", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const jwt = (n: number) =>
      `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "svc", n, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    const issued: string[] = [];
    using tokens = startApi((req) => {
      const form = new URLSearchParams(req.body);
      if (req.headers.get("authorization") !== `Basic ${btoa("client-a:client-secret-xyz")}`)
        return Response.json({ error: "invalid_client" }, { status: 401 });
      if (form.get("grant_type") !== "client_credentials" || form.get("scope") !== "read:events")
        return Response.json({ error: "invalid_request" }, { status: 400 });
      issued.push(jwt(issued.length + 1));
      return Response.json({ access_token: issued.at(-1), token_type: "Bearer" });
    });
    let rejected = false;
    using api = startApi((req) => {
      const auth = req.headers.get("authorization");
      if (auth !== `Bearer ${issued.at(-1)}`) return new Response("unknown token", { status: 401 });
      if (api.seen.length === 4 && !rejected) {
        rejected = true;
        return new Response("revoked", { status: 401 });
      }
      return Response.json([{ poll: api.seen.length }]);
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("oauth");
    const created = await gw.rest.put("/connectors/oauth/config", {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": `${api.base}/events`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "100",
      "http.response.records.path": "$[*]",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": `${tokens.base}/oauth/token`,
      "http.oauth2.client.id": "client-a",
      "http.oauth2.client.secret": "client-secret-xyz",
      "http.oauth2.scope": "read:events",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    expect(created.status).toBe(201);
    const polled = values(await readTopic(topic, 6)).map((v) => v.poll);
    expect(polled.slice(0, 6)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(tokens.seen.length).toBe(2);
    const status = (await gw.rest.get("/connectors/oauth/status")).text;
    for (const secret of ["client-secret-xyz", ...issued]) {
      expect(gw.output()).not.toContain(secret);
      expect(status).not.toContain(secret);
    }
  });

  test("pause aborts an in-flight request at once; resume polls again; delete does not wait for the schedule", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let hang = true;
    using api = startApi(() => (hang ? new Promise<Response>(() => undefined) : Response.json([{ ok: true }])));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("paused");
    await gw.rest.put("/connectors/paused/config", {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/slow`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "3600000",
      "http.response.records.path": "$[*]",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    await waitFor(() => api.seen.length === 1, { what: "the first request" });
    expect((await gw.rest.put("/connectors/paused/pause")).status).toBe(202);
    await waitFor(() => api.seen[0]!.signal.aborted, { what: "the in-flight request aborted by the pause" });
    await waitFor(async () => (await taskState(gw, "paused"))?.state === "PAUSED");
    hang = false;
    expect((await gw.rest.put("/connectors/paused/resume")).status).toBe(202);
    expect(values(await readTopic(topic, 1))).toEqual([{ ok: true }]);
    expect(api.seen.length).toBe(2);
    // The next poll is an hour away: deleting the connector must not wait for it.
    expect((await gw.rest.delete("/connectors/paused")).status).toBe(204);
    await waitFor(async () => (await gw.rest.get("/connectors")).body.length === 0, { timeoutMs: 10_000 });
  });

  test("offsets: TIMESTAMP offset in the URL, visible and editable through the offsets API", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const events = [
      { id: 1, updated_at: "2024-03-01T10:00:00Z" },
      { id: 2, updated_at: "2024-03-02T10:00:00Z" },
    ];
    using api = startApi((req) => {
      const since = Date.parse(req.url.searchParams.get("since") ?? "");
      return Response.json({ data: events.filter((e) => Date.parse(e.updated_at) > since) });
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const topic = uniqueTopic("ts");
    const config = {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/events?since=\${offset}`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "200",
      "http.response.records.path": "$.data[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "updated_at",
      "http.initial.offset": "2024-01-01T00:00:00Z",
      "http.record.key.field": "id",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.put("/connectors/ts/config", config)).status).toBe(201);
    const first = await readTopic(topic, 2);
    expect(values(first).map((v) => v.id)).toEqual([1, 2]);
    // http.record.key.field: the field's text is the record key (re-review P2-b).
    expect(first.map((r) => r.key?.toString())).toEqual(["1", "2"]);
    const partition = { url: `${api.base}/events?since=\${offset}` };
    await waitFor(async () => {
      const body = (await gw.rest.get("/connectors/ts/offsets")).body;
      return body.offsets?.[0]?.offset?.offset === "2024-03-02T10:00:00Z" ? body : undefined;
    });
    expect((await gw.rest.get("/connectors/ts/offsets")).body.offsets[0].offset.offset_seen).toHaveLength(1);
    await waitFor(() => api.seen.some((s) => s.url.searchParams.get("since") === "2024-03-02T10:00:00Z"));

    expect((await gw.rest.put("/connectors/ts/stop")).status).toBe(204);
    await waitFor(async () => (await gw.rest.get("/connectors/ts/status")).body.connector.state === "STOPPED");
    const bad = await gw.rest.patch("/connectors/ts/offsets", {
      offsets: [{ partition, offset: { offset: "someday" } }],
    });
    // As Connect: the connector's alterOffsets rejecting the offsets is a 500 with its message.
    expect(bad.status).toBe(500);
    expect(bad.body.message).toContain("is not a timestamp");
    // explore F9: a partition of another URL was stored (and listed), never read.
    const other = await gw.rest.patch("/connectors/ts/offsets", {
      offsets: [{ partition: { url: "http://other" }, offset: { offset: "2024-03-01T12:00:00Z" } }],
    });
    expect({ status: other.status, message: other.body.message }).toEqual({
      status: 500,
      message: "Partition objects should contain the key 'url' with the connector's URL",
    });
    const altered = await gw.rest.patch("/connectors/ts/offsets", {
      offsets: [{ partition, offset: { offset: "2024-03-01T12:00:00Z" } }],
    });
    expect(altered.status).toBe(200);
    const before = api.seen.length;
    expect((await gw.rest.put("/connectors/ts/resume")).status).toBe(202);
    await waitFor(() => api.seen.length > before);
    expect(api.seen[before]!.url.searchParams.get("since")).toBe("2024-03-01T12:00:00Z");
    // Only event 2 is newer than the altered offset: it is delivered again, event 1 is not.
    expect(values(await readTopic(topic, 3)).map((v) => v.id)).toEqual([1, 2, 2]);

    expect((await gw.rest.put("/connectors/ts/stop")).status).toBe(204);
    await waitFor(async () => (await gw.rest.get("/connectors/ts/status")).body.connector.state === "STOPPED");
    expect((await gw.rest.delete("/connectors/ts/offsets")).status).toBe(200);
    expect((await gw.rest.get("/connectors/ts/offsets")).body).toEqual({ offsets: [] });
  });

  test("records reach Kafka byte-exact: long integers and number spelling, a long cursor and offset keep their digits (issue 7.4)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const first = [
      '{"seq":12345678901234567890, "ts": 1700000000123456789,"price":1.50}',
      '{ "seq" : 12345678901234567891, "v":[9007199254740993, -9223372036854775809, 1E3] }',
    ];
    const second = ['{"seq":12345678901234567892,"note":"caf\u00e9"}'];
    using api = startApi((req) => {
      const body =
        req.url.searchParams.get("after") === null
          ? `{"items":[${first.join(" , ")}],"next":18446744073709551615}`
          : `{"items":[\n${second[0]}\n]}`;
      return new Response(body, { headers: { "content-type": "application/json" } });
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const topic = uniqueTopic("exact");
    const config = {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/events?from=\${offset}`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "60000",
      "http.response.records.path": "$.items[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.param": "after",
      "http.pagination.cursor.path": "$.next",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "seq",
      "http.initial.offset": "0",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.put("/connectors/exact/config", config)).status).toBe(201);
    const records = await readTopic(topic, 3);
    expect(records.map((r) => r.value!.toString("utf8"))).toEqual([...first, ...second]);
    expect(api.seen.map((s) => s.url.searchParams.get("after"))).toEqual([null, "18446744073709551615"]);
    await waitFor(async () => {
      const body = (await gw.rest.get("/connectors/exact/offsets")).body;
      return body.offsets?.[0]?.offset?.offset === "12345678901234567892" ? body : undefined;
    });
  });

  test("http.record.key.field naming an object or array: the key is its JSON text as sent, not null (explore12 F4)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi(
      () =>
        new Response(
          '{"items":[{"id":{"b":1,"a":2,"10":3},"v":1}, {"id": { "b" : 1.50, "a" : 2 },"v":2},' +
            '{"id":[{"z":1,"2":0}],"v":3},{"id":"s-4","v":4},{"id":true,"v":5}]}',
          { headers: { "content-type": "application/json" } },
        ),
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("object-key");
    const config = {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/items`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "600000",
      "http.response.records.path": "$.items[*]",
      "http.record.key.field": "$.id",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.put("/connectors/object-key/config", config)).status).toBe(201);
    const records = await readConnectorTopic(gw, "object-key", topic, 5);
    expect(records.map((r) => [r.key?.toString("utf8") ?? null, values([r])[0].v])).toEqual([
      ['{"b":1,"a":2,"10":3}', 1],
      ['{"b":1.50,"a":2}', 2],
      ['[{"z":1,"2":0}]', 3],
      ["s-4", 4],
      [null, 5],
    ]);
  });

  test("a relative next link after a redirect is followed from the redirect's target; a null item is the text null, no tombstone", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    using api = startApi((req) => {
      if (req.url.pathname === "/v1/events") return Response.redirect(`${req.url.origin}/v2/events`, 302);
      if (req.url.pathname !== "/v2/events") return new Response("not found", { status: 404 });
      if (req.url.searchParams.get("page") === "2") return Response.json([{ id: 2 }]);
      return new Response('[{"id":1},null]', { headers: { link: '<events?page=2>; rel="next"' } });
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("moved");
    const config = {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/v1/events`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "600000",
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "behavior.on.error": "fail",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.put("/connectors/moved/config", config)).status).toBe(201);
    const records = await readConnectorTopic(gw, "moved", topic, 3);
    expect(records.map((r) => r.value?.toString("utf8") ?? "tombstone")).toEqual(['{"id":1}', "null", '{"id":2}']);
    expect(api.seen.map((s) => s.url.pathname + s.url.search)).toEqual([
      "/v1/events",
      "/v2/events",
      "/v2/events?page=2",
    ]);
  });
});
