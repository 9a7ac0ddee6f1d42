/**
 * The dead letter queue's context headers (`__connect.errors.exception.message`, `.stacktrace`)
 * hide secrets as log lines and status traces do, on the real binary and broker: a config
 * provider's value that an SMT's per-record error quotes (ExtractField naming a field the record
 * lacks), and the credentials an HTTP endpoint echoes JSON-escaped (explore25 F1), for the HTTP
 * sink (DLQ headers, log) and the HTTP source (FAILED trace, log).
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { deadLetterKeys } from "./support/dead-letter-keys.ts";
import { startFileProviderGateway, startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { createTopic, kafkaBroker, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const SECRET = "dlq-pr0vider-s3cret";

describe("dead letter queue context headers", () => {
  test("a resolved value quoted by a record's error shows as [hidden]", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
      },
      env: { DLQ_FIELD: SECRET },
    });
    const topic = uniqueTopic("dlq-secret");
    const dlq = `${topic}-dlq`;
    // A name (so a consumer group) of its own: overlapping runs on the shared broker would otherwise
    // share the group.
    const name = uniqueTopic("dlq-secret");
    await createTopic(topic);
    const struct = { schema: { type: "struct", fields: [{ field: "n", type: "int32" }] }, payload: { n: 1 } };
    await produce(topic, [{ value: JSON.stringify(struct) }]);
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: dir.file("out.txt"),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
        transforms: "pick",
        "transforms.pick.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
        "transforms.pick.field": "${env:DLQ_FIELD}",
        ...deadLetterKeys(dlq),
      },
    });
    expect(created.status).toBe(201);
    const [dead] = await readTopic(dlq, 1);
    const headers = Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, String(v)]));
    expect(headers).toMatchObject({
      "__connect.errors.stage": "TRANSFORMATION",
      "__connect.errors.exception.message": "Unknown field: [hidden]",
    });
    expect(headers["__connect.errors.exception.stacktrace"]).toContain("Unknown field: [hidden]");
    const status = await gw.rest.get(`/connectors/${name}/status`);
    expect(status.body.tasks[0].state).toBe("RUNNING");
    for (const shown of [JSON.stringify(headers), status.text, gw.output()]) expect(shown).not.toContain(SECRET);
  });

  // explore25 F1: JSON escaping changed the credentials' text, and only exact matches were hidden.
  test("credentials an endpoint echoes JSON-escaped (PHP's json_encode also escapes /) show as [hidden]", async () => {
    const MARK = "e25canary";
    const password = `${MARK}-B64_??`;
    const basic = btoa(`u:${password}`);
    expect(basic).toContain("/");
    await using dir = await tempDir();
    const secrets = dir.file("secrets.properties");
    // A properties file: `\\` is one backslash; the quote is a value's own.
    writeFileSync(
      secrets,
      `b64pw=${password}\nslashkey=${MARK}/SLK51\nquotekey=${MARK}-Q"UOTE57\nspacekey=${MARK} SP67\n`,
    );
    const ref = (key: string) => `\${file:${secrets}:${key}}`;
    // The request echoed as JSON with the status its path names (/s400); a path with "php" escapes "/".
    using echo = startApi((req) => {
      const json = JSON.stringify({ url: req.url.href, headers: Object.fromEntries(req.headers), body: req.body });
      const status = Number(/\/s(\d{3})/.exec(req.url.pathname)?.[1] ?? 200);
      return new Response(req.url.pathname.includes("php") ? json.replaceAll("/", "\\/") : json, { status });
    });
    await using gw = await startFileProviderGateway(dir, { "log.level": "TRACE" });
    const topic = uniqueTopic("echo-secret");
    const dlq = `${topic}-dlq`;
    await createTopic(topic);
    await produce(topic, [{ value: JSON.stringify({ n: 1 }) }]);
    const [sink, source, quoting] = ["sink", "source", "quoting"].map((n) => uniqueTopic(`echo-secret-${n}`));
    const sinkCreated = await gw.rest.post("/connectors", {
      name: sink,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `${echo.base}/s400/php`,
        "sink.header.Authorization": `u:${ref("b64pw")}`,
        "sink.header.X-Api-Key": ref("slashkey"),
        "sink.header.X-Auth-Token": ref("quotekey"),
        "consumer.override.auto.offset.reset": "earliest",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
      },
    });
    expect(sinkCreated.status).toBe(201);
    const sourceConfig = (path: string, more: Record<string, string>) => ({
      "connector.class": "HttpSource",
      "http.url": `${echo.base}${path}`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "60000",
      "http.retry.max.attempts": "1",
      "behavior.on.error": "fail",
      ...more,
    });
    for (const [name, config] of [
      [
        source,
        sourceConfig("/s401/php", {
          "http.auth.type": "BASIC",
          "http.auth.user": "u",
          "http.auth.password": ref("b64pw"),
          "http.headers": `X-Api-Key: ${ref("slashkey")}`,
        }),
      ],
      // explore25 F3: a value in the URL's path shows percent-encoded in "HTTP 400 from GET <url>".
      [quoting, sourceConfig(`/s400/${ref("spacekey")}/x`, { "http.headers": `X-Api-Key: ${ref("quotekey")}` })],
    ] as const) {
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    }

    const [dead] = await readTopic(dlq, 1);
    const headers = Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, String(v)]));
    const echoed = '"authorization":"Basic [hidden]","connection"';
    expect(headers["__connect.errors.http.response.body"]).toContain(echoed);
    expect(headers["__connect.errors.http.response.body"]).toContain(
      '"x-api-key":"[hidden]","x-auth-token":"[hidden]"',
    );
    expect(headers["__connect.errors.exception.message"]).toContain(echoed);
    const traces = await Promise.all(
      [source, quoting].map((name) =>
        waitFor(async () => {
          const r = await gw.rest.get(`/connectors/${name}/status`);
          return r.body.tasks?.[0]?.state === "FAILED" ? (r.body.tasks[0].trace as string) : undefined;
        }),
      ),
    );
    expect(traces[0]).toContain('"authorization":"[hidden]"');
    expect(traces[0]).toContain('"x-api-key":"[hidden]"');
    expect(traces[1]).toContain('"x-api-key":"[hidden]"');
    // A URL composed around a provider value shows its origin only (http/shown-url.ts).
    expect(traces[1]).toContain(`HTTP 400 from GET ${echo.base}/…:`);
    for (const shown of [JSON.stringify(headers), ...traces, gw.output()]) {
      expect(shown).not.toContain(MARK);
      expect(shown).not.toContain(basic.slice(0, 12));
    }
  });
});
