/**
 * The HTTP source in the running gateway against a newest-first events API paged by OFFSET, on the
 * real broker, with what such an API does to a poll: exactly a page of new events arrives between
 * two page requests (the next page is the one just read again), GitHub's rate limit answers a page
 * 403 with `X-RateLimit-Remaining: 0` (no rate-limit key configured), and "nothing more" is a 200
 * with an empty body. The request carries a header whose value holds `, https://`. Every event
 * reaches Kafka exactly once, the task RUNNING under behavior.on.error=fail.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readAll, readTopic, uniqueTopic, valueIds } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const LIMIT = 5;
const CALLBACKS = "https://a.example/x, https://b.example/y";
const event = (id: number) => ({ id, at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString() });

describe("HTTP source and a newest-first API paged by OFFSET", () => {
  test("new events between pages, a GitHub rate-limit 403 and an empty 200: every event once", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let count = 15;
    let limited = false;
    using api = startApi((req) => {
      if (req.headers.get("x-callbacks") !== CALLBACKS) return new Response("bad x-callbacks", { status: 400 });
      const offset = Number(req.url.searchParams.get("offset"));
      const newestFirst = Array.from({ length: count }, (_, i) => count - 1 - i);
      const page = newestFirst.slice(offset, offset + LIMIT).map(event);
      // The first poll: a page of new events arrives once its first page is read, and GitHub's
      // limit is spent at position 15 (reset a second away).
      if (offset === 0 && count === 15) count = 20;
      else if (offset === 15 && !limited) {
        limited = true;
        const reset = String(Math.ceil(Date.now() / 1000) + 1);
        return new Response("API rate limit exceeded", {
          status: 403,
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
        });
      }
      return page.length === 0 ? new Response("", { status: 200 }) : Response.json(page);
    });
    const topic = uniqueTopic("newest-first");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    });
    const created = await gw.rest.put("/connectors/newest-first/config", {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": `${api.base}/events`,
      "http.headers": `Accept: application/json, X-Callbacks: ${CALLBACKS}`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "300",
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": String(LIMIT),
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.initial.offset": "2025-01-01T00:00:00Z",
      // The error codes of the document without 403, and fail: an error fails the task.
      "http.response.error.codes": "400,401,404,500,502,503",
      "behavior.on.error": "fail",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    expect(created.status).toBe(201);
    const records = await readTopic(topic, 20, 60_000);
    expect(valueIds(records).toSorted((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Two more polls read every page after the last event: nothing is delivered again.
    const polled = () => api.seen.filter((s) => s.url.searchParams.get("offset") === "0").length;
    const after = polled();
    await waitFor(() => polled() >= after + 2, { what: "two more polls", timeoutMs: 30_000 });
    expect((await readAll(topic)).length).toBe(20);
    const first = api.seen.slice(0, 7).map((s) => s.url.searchParams.get("offset"));
    expect(first).toEqual(["0", "5", "10", "15", "15", "20", "0"]);
    expect((await gw.rest.get("/connectors/newest-first/status")).body.tasks[0].state).toBe("RUNNING");
    expect(gw.output()).toContain("reading the next page");
    expect(gw.output()).toMatch(/HTTP 403 from GET .* the next poll at .* retries this page/);
  }, 120_000);
});
