/**
 * The HTTP Source document's complete example, unchanged but for the host, against a local
 * GitHub-style events API (Link-header pages, Accept and Bearer token checked, the token from
 * `${secrets:github/token}`): every event reaches Kafka exactly once, as the element's JSON. The
 * document's transforms (InsertField$Value static + timestamp, ValueToKey) on a second connector,
 * the metrics on /metrics, and the offsets on the REST API.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { githubEvent, startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const TOKEN = "ghp_example_token_0123456789";
const PER_PAGE = 30;
const PAGES = 3;

describe("HTTP Source document: complete example", () => {
  test("every event of a GitHub-style events API reaches Kafka exactly once", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    mkdirSync(dir.file("secrets/github"), { recursive: true });
    writeFileSync(dir.file("secrets/github/token"), `${TOKEN}\n`);
    using api = startApi((req) => {
      if (req.headers.get("authorization") !== `Bearer ${TOKEN}`) return new Response("{}", { status: 401 });
      if (req.headers.get("accept") !== "application/vnd.github+json") return new Response("{}", { status: 415 });
      const page = Number(req.url.searchParams.get("page") ?? "1");
      const events = Array.from({ length: PER_PAGE }, (_, i) => githubEvent((page - 1) * PER_PAGE + i));
      const url = (p: number) => `${api.base}/repos/apache/kafka/events?page=${p}`;
      const links = [page < PAGES ? `<${url(page + 1)}>; rel="next"` : "", `<${url(PAGES)}>; rel="last"`];
      return Response.json(events, { headers: { link: links.filter(Boolean).join(", ") } });
    });
    const topic = uniqueTopic("github-events");
    const keyed = uniqueTopic("github-keyed");
    const example = {
      name: "github-events-source",
      config: {
        "connector.class": "io.confluent.connect.http.HttpSourceConnector",
        "tasks.max": "1",
        "http.url": `${api.base}/repos/apache/kafka/events`,
        "http.method": "GET",
        "http.headers": "Accept: application/vnd.github+json, Authorization: Bearer ${secrets:github/token}",
        "kafka.topic": topic,
        "http.timer.interval.ms": "300000",
        "http.response.format": "JSON",
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.retry.max.attempts": "3",
        "http.retry.backoff.ms": "5000",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
      },
    };
    writeFileSync(dir.file("github.json"), JSON.stringify(example));
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "config.providers": "secrets",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.file("secrets"),
      },
      args: [dir.file("github.json")],
    });
    let passed = false;
    await using _log = {
      [Symbol.asyncDispose]: async () => {
        if (!passed) console.error(`gateway log (tail):\n${gw.output().slice(-6000)}`);
      },
    };

    const records = await readTopic(topic, PER_PAGE * PAGES);
    const values = records.map((r) => JSON.parse(r.value!.toString("utf8")));
    expect(values).toEqual(Array.from({ length: PER_PAGE * PAGES }, (_, n) => githubEvent(n)));
    expect(records.every((r) => r.key === null)).toBe(true);

    // The poll's final offset is committed: nothing is in flight any more, and nothing was repeated.
    const offsets = await waitFor(
      async () => {
        const body = (await gw.rest.get("/connectors/github-events-source/offsets")).body;
        return body.offsets?.[0]?.offset && !("skip" in body.offsets[0].offset) ? body : undefined;
      },
      { what: "the final offset of the poll" },
    );
    expect(offsets.offsets[0].partition).toEqual({ url: `${api.base}/repos/apache/kafka/events` });
    expect((await readAll(topic)).length).toBe(PER_PAGE * PAGES);
    expect(api.seen.map((s) => s.url.searchParams.get("page"))).toEqual([null, "2", "3"]);

    // The document's transforms on the same records.
    const created = await gw.rest.post("/connectors", {
      name: "github-keyed",
      config: {
        ...example.config,
        "connector.class": "HttpSource",
        "kafka.topic": keyed,
        transforms: "addSource,addTimestamp,extractKey",
        "transforms.addSource.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.addSource.static.field": "source",
        "transforms.addSource.static.value": "github-api",
        "transforms.addTimestamp.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        "transforms.addTimestamp.timestamp.field": "ingested_at",
        "transforms.extractKey.type": "org.apache.kafka.connect.transforms.ValueToKey",
        "transforms.extractKey.fields": "id",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    const transformed = await readTopic(keyed, PER_PAGE * PAGES);
    const first = JSON.parse(transformed[0]!.value!.toString("utf8"));
    expect(first).toEqual({ ...githubEvent(0), source: "github-api", ingested_at: expect.any(Number) });
    expect(Math.abs(first.ingested_at - Date.now())).toBeLessThan(10 * 60_000);
    expect(transformed.map((r) => JSON.parse(r.key!.toString("utf8")))).toEqual(
      Array.from({ length: PER_PAGE * PAGES }, (_, n) => ({ id: githubEvent(n).id })),
    );

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('http_source_requests_total{connector="github-events-source",task="0"} 3');
    expect(metrics).toContain('http_source_errors_total{connector="github-events-source",task="0"} 0');
    expect(metrics).toContain('http_source_records_polled_total{connector="github-events-source",task="0"} 90');
    expect(metrics).toContain(
      'http_source_request_duration_seconds_count{connector="github-events-source",task="0"} 3',
    );
    expect(gw.output()).not.toContain(TOKEN);
    expect(metrics).not.toContain(TOKEN);
    passed = true;
  });
});
