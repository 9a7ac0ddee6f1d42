/**
 * The HTTP source where castorm's connector defines the behaviour, in the real gateway (the
 * compiled binary with GATEWAY_BIN) against loopback APIs and the shared broker: a records path to
 * a JSON null makes no record; an OAuth2 token endpoint answering a status outside 100..599 is
 * retried as a 5xx, as the API's own answer is; castorm's timestamp parser keys (a Java
 * DateTimeFormatter pattern and its zone) read a TIMESTAMP offset field; its record timestamp
 * pointer gives the records their Kafka timestamps, and its order direction their order.
 */
import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { startApi, type TestApi } from "./support/http-api.ts";
import { createTopic, kafkaBroker, readAll, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const source = (url: string, topic: string, extra: Record<string, string>) => ({
  "connector.class": "io.confluent.connect.http.HttpSourceConnector",
  "http.url": url,
  "kafka.topic": topic,
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  ...extra,
});

async function withGateway<T>(run: (gw: Gateway) => Promise<T>): Promise<T> {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("http-source-castorm-");
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "200" },
  });
  return await run(gw);
}

const values = async (topic: string, n: number) =>
  (await readTopic(topic, n)).map((r) => r.value?.toString("utf8") ?? "<tombstone>");

// Every case has a gateway, API and topic of its own (withGateway) and mostly waits (polls): they run at once.
test.concurrent("a records path that selects a JSON null ($.data on {data: null}) makes no record, as castorm's list pointer", async () => {
  using api = startApi((_req, n) => Response.json(n === 1 ? { data: null } : { data: { id: n } }));
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-null");
    const config = source(`${api.base}/e`, topic, {
      "http.response.records.path": "$.data",
      "http.timer.interval.ms": "100",
    });
    expect((await gw.rest.put("/connectors/null-data/config", config)).status).toBe(201);
    await waitFor(() => api.seen.length >= 2, { what: "a second poll" });
    // The first poll's {"data": null} made nothing: the topic starts with the second poll's record.
    expect((await values(topic, 1))[0]).toBe('{"id":2}');
    expect(gw.output()).not.toContain("selects nothing in the response");
  });
}, 60_000);

/** A token endpoint answering its first request with the raw status line `099 Low` (Bun's Response refuses it). */
async function lowStatusTokenEndpoint() {
  let requests = 0;
  const server = createServer((socket) => {
    let data = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      data += chunk.toString();
      const head = data.indexOf("\r\n\r\n");
      const length = Number(/content-length:\s*(\d+)/i.exec(data)?.[1] ?? 0);
      if (head < 0 || Buffer.byteLength(data) < head + 4 + length) return;
      const body = requests++ === 0 ? "{}" : '{"access_token":"t0k3n","token_type":"Bearer","expires_in":3600}';
      const line = requests === 1 ? "099 Low" : "200 OK";
      socket.end(
        `HTTP/1.1 ${line}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/token`, requests: () => requests, [Symbol.dispose]: () => server.close() };
}

test.concurrent("an OAuth2 token endpoint answering 099 is retried as a 5xx (the API's 099 is a 500): the task runs", async () => {
  using token = await lowStatusTokenEndpoint();
  using api = startApi((req) =>
    req.headers.get("authorization") === "Bearer t0k3n"
      ? Response.json([{ id: 1 }])
      : new Response("no", { status: 401 }),
  );
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-token");
    const config = source(`${api.base}/e`, topic, {
      "http.response.records.path": "$[*]",
      "http.timer.interval.ms": "3600000",
      "http.auth.type": "OAUTH2",
      "http.oauth2.token.url": token.url,
      "http.oauth2.client.id": "c",
      "http.oauth2.client.secret": "s3cr3t",
      "http.retry.backoff.ms": "10",
    });
    expect((await gw.rest.put("/connectors/token-099/config", config)).status).toBe(201);
    expect(await values(topic, 1)).toEqual(['{"id":1}']);
    expect(token.requests()).toBe(2);
    expect((await gw.rest.get("/connectors/token-099/status")).body.tasks[0].state).toBe("RUNNING");
  });
}, 60_000);

test.concurrent("castorm's timestamp parser pattern and zone read a TIMESTAMP offset field (dd/MM/yyyy in Madrid time)", async () => {
  // Day first, in Madrid time (UTC+2 in summer): 03/07 is July 3rd; a reading as month first
  // (March 7th) would put 02/07 and 03/07 before the initial offset, and UTC would move each by 2 h.
  const events = [
    { id: 1, ts: "01/07/2024 09:00:00" },
    { id: 2, ts: "02/07/2024 01:30:00" },
    { id: 3, ts: "03/07/2024 10:00:00" },
  ];
  const sinceAsked: string[] = [];
  using api = startApi((req) => {
    sinceAsked.push(req.url.searchParams.get("since") ?? "");
    return Response.json(events);
  });
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-ts");
    const config = source(`${api.base}/e?since=\${offset}`, topic, {
      "http.response.records.path": "$[*]",
      "http.timer.interval.ms": "100",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      // 2024-07-02T00:00:00+02:00 in Madrid: event 2 (01:30 local) is after it, event 1 before.
      "http.initial.offset": "2024-07-01T22:00:00Z",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
      "http.response.record.timestamp.parser.zone": "Europe/Madrid",
    });
    const validated = await gw.rest.put("/connector-plugins/HttpSource/config/validate", { ...config, name: "v" });
    expect(validated.body.error_count).toBe(0);
    expect((await gw.rest.put("/connectors/castorm-ts/config", config)).status).toBe(201);
    await waitFor(() => sinceAsked.length >= 3, { what: "three polls" });
    // The later polls start from event 3, the newest: nothing is delivered twice.
    expect((await values(topic, 2)).map((v) => JSON.parse(v).id)).toEqual([2, 3]);
    expect(await readAll(topic)).toHaveLength(2);
    expect(sinceAsked.at(-1)).toBe("03/07/2024 10:00:00");
  });
}, 60_000);

test.concurrent("a castorm example config carried over (connector.class and http.url ours): a WARN per castorm key it holds, naming ours", async () => {
  // castorm's kafka-connect-http-test connector1.json, with this connector's class and http.url.
  using api = startApi(() => Response.json({ issues: [{ key: "A-1", fields: { updated: "2024-01-01T00:00:00Z" } }] }));
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-keys");
    const config = {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": `${api.base}/rest/api`,
      "http.request.url": `${api.base}/rest/api`,
      "http.request.params": "updated=${offset.timestamp}",
      "http.request.headers": "Accept: application/json",
      "http.auth.type": "Basic",
      "http.auth.user": "user",
      "http.auth.password": "pa55-w0rd",
      "http.offset.initial": "key=TICKT-0001, timestamp=2020-01-01T00:00:01Z",
      "http.response.list.pointer": "/issues",
      "http.response.record.offset.pointer": "key=/key, timestamp=/fields/updated",
      "kafka.topic": topic,
      "http.timer.interval.millis": "0",
      "http.timer.catchup.interval.millis": "0",
      "http.client.read.timeout.millis": "0",
      "http.request.body": '{"since": "${offset.timestamp?datetime.iso?long}"}',
      "http.method": "POST",
    };
    expect((await gw.rest.put("/connectors/carried/config", config)).status).toBe(201);
    const castorm = [
      "http.request.url",
      "http.request.params",
      "http.request.headers",
      "http.offset.initial",
      "http.response.list.pointer",
      "http.response.record.offset.pointer",
      "http.timer.interval.millis",
      "http.timer.catchup.interval.millis",
      "http.client.read.timeout.millis",
    ];
    const warnings = () =>
      gw
        .output()
        .split("\n")
        .filter((l) => l.includes(" WARN [carried|worker] "));
    await waitFor(() => warnings().length === castorm.length + 1, { what: "the WARNs at start" });
    for (const key of castorm)
      expect(
        warnings().some((w) =>
          w.includes(`${key} is a key of castorm's HTTP source connector, not read by this one: use `),
        ),
      ).toBe(true);
    expect(warnings().join("\n")).toContain("http.response.records.path (JSONPath: /items is $.items[*])");
    expect(warnings().join("\n")).toContain(
      "http.request.body hold castorm's ${offset.…} template, which is sent as written: this connector replaces ${offset} alone",
    );
    expect(gw.output()).not.toContain("pa55-w0rd");
    await waitFor(async () => (await gw.rest.get("/connectors/carried/status")).body.tasks?.[0]?.state === "RUNNING", {
      what: "the task running as configured",
    });
  });
}, 60_000);

test.concurrent("castorm's http.response.record.timestamp.pointer: each record's Kafka timestamp is its field's instant", async () => {
  using api = startApi(() =>
    Response.json({
      items: [
        { id: 1, meta: { created: "2024-07-01T10:00:00.123Z" } },
        { id: 2, meta: { created: 1719835200456 } },
        { id: 3, meta: {} },
        // Two days ahead: the broker (Kafka 4's message.timestamp.after.max.ms) would refuse it and fail the task.
        { id: 4, meta: { created: new Date(Date.now() + 2 * 86_400_000).toISOString() } },
      ],
    }),
  );
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-record-ts");
    const config = source(`${api.base}/e`, topic, {
      "http.response.records.path": "$.items[*]",
      "http.response.record.timestamp.pointer": "/meta/created",
      "http.timer.interval.ms": "3600000",
    });
    const validated = await gw.rest.put("/connector-plugins/HttpSource/config/validate", { ...config, name: "v" });
    expect(validated.body.error_count).toBe(0);
    const before = Date.now();
    expect((await gw.rest.put("/connectors/castorm-record-ts/config", config)).status).toBe(201);
    const records = await readTopic(topic, 4);
    expect(valueIds(records)).toEqual([1, 2, 3, 4]);
    expect(records.slice(0, 2).map((r) => Number(r.timestamp))).toEqual([
      Date.parse("2024-07-01T10:00:00.123Z"),
      1719835200456,
    ]);
    // No timestamp at the pointer, or one too far ahead: the poll's time, as every record has without the key.
    for (const r of records.slice(2)) expect(Number(r.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(records[3]!.timestamp)).toBeLessThan(Date.now() + 3_600_000);
    expect((await gw.rest.get("/connectors/castorm-record-ts/status")).body.tasks[0].state).toBe("RUNNING");
    expect(gw.output()).not.toContain("http.response.record.timestamp.pointer is a key of castorm");
  });
}, 60_000);

test.concurrent("castorm's http.response.list.order.direction, IMPLICIT by default: a newest-first page with a timestamp pointer reaches Kafka oldest first", async () => {
  using api = startApi(() =>
    Response.json([
      { id: 3, at: "2024-07-03T00:00:00Z" },
      { id: 2, at: "2024-07-02T00:00:00Z" },
      { id: 1, at: "2024-07-01T00:00:00Z" },
    ]),
  );
  await withGateway(async (gw) => {
    const topic = uniqueTopic("castorm-order");
    // Every record is from 2024, older than the broker's default retention.ms: the topic keeps them
    // (else the broker's retention check, every 5 minutes, may delete them before they are read).
    await createTopic(topic, 1, [{ name: "retention.ms", value: "-1" }]);
    const config = source(`${api.base}/e`, topic, {
      "http.response.records.path": "$[*]",
      "http.response.record.timestamp.pointer": "/at",
      "http.timer.interval.ms": "3600000",
    });
    expect((await gw.rest.put("/connectors/castorm-order/config", config)).status).toBe(201);
    const records = await readTopic(topic, 3);
    expect(valueIds(records)).toEqual([1, 2, 3]);
    expect(records.map((r) => new Date(Number(r.timestamp)).toISOString())).toEqual([
      "2024-07-01T00:00:00.000Z",
      "2024-07-02T00:00:00.000Z",
      "2024-07-03T00:00:00.000Z",
    ]);
  });
}, 60_000);

/**
 * Runs the CURSOR source `connector` (offset field `id` from 0, record timestamps at `/ts`, a poll
 * every 100 ms) of `api`'s `/items?<param>=${offset}` into a new topic, until it polled twice asking
 * after `last` and committed `last` (so Kafka acknowledged every record): the values of `param` the
 * first three polls asked, and the ids of the topic's records in order.
 */
async function cursorRun(
  api: TestApi,
  connector: string,
  param: string,
  last: number,
): Promise<{ asked: (string | null)[]; ids: number[] }> {
  return withGateway(async (gw) => {
    const topic = uniqueTopic(connector);
    // Records dated 2024, older than the broker's default retention.ms: the topic keeps them.
    await createTopic(topic, 1, [{ name: "retention.ms", value: "-1" }]);
    const config = source(`${api.base}/items?${param}=\${offset}`, topic, {
      "http.response.records.path": "$.items[*]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "id",
      "http.initial.offset": "0",
      "http.response.record.timestamp.pointer": "/ts",
      "http.timer.interval.ms": "100",
    });
    expect((await gw.rest.put(`/connectors/${connector}/config`, config)).status).toBe(201);
    const asked = () => api.seen.map((s) => s.url.searchParams.get(param));
    await waitFor(() => asked().filter((s) => s === String(last)).length >= 2, {
      what: `two polls after the cursor ${last}`,
    });
    await waitFor(
      async () => (await gw.rest.get(`/connectors/${connector}/offsets`)).body.offsets?.[0]?.offset?.offset === last,
      { what: `the cursor ${last} committed` },
    );
    return {
      asked: asked().slice(0, 3),
      ids: valueIds(await readAll(topic)),
    };
  });
}

test.concurrent("CURSOR with a timestamp pointer on pages IMPLICIT reverses (explore16 F1): the cursor is the page's greatest id, each record written once", async () => {
  // Ids ascending, event times descending (id 1 the latest), 5 a page after `since`: every page reversed.
  const items = Array.from({ length: 10 }, (_, i) => ({
    id: i + 1,
    ts: new Date(Date.UTC(2024, 6, 1, 12, -i)).toISOString(),
  }));
  using api = startApi((req) =>
    Response.json({ items: items.filter((e) => e.id > Number(req.url.searchParams.get("since"))).slice(0, 5) }),
  );
  expect(await cursorRun(api, "castorm-cursor", "since", 10)).toEqual({
    asked: ["0", "5", "10"],
    ids: [5, 4, 3, 2, 1, 10, 9, 8, 7, 6],
  });
}, 60_000);

test.concurrent("CURSOR on a newest-first API asked since_id, pages IMPLICIT reverses: the cursor is the newest id, the next poll asks after it, each record written once", async () => {
  const ids = [1, 2, 3];
  using api = startApi((req) => {
    const since = req.url.searchParams.get("since_id");
    // Two items arrive once the first poll's cursor is asked for.
    if (since === "3" && ids.length === 3) ids.push(4, 5);
    const newer = ids.filter((id) => id > Number(since)).toReversed();
    return Response.json({
      items: newer.map((id) => ({ id, ts: new Date(Date.UTC(2024, 6, 1, 12, id)).toISOString() })),
    });
  });
  expect(await cursorRun(api, "castorm-since-id", "since_id", 5)).toEqual({
    asked: ["0", "3", "5"],
    ids: [1, 2, 3, 4, 5],
  });
}, 60_000);
