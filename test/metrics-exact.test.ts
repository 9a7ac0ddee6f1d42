/**
 * /metrics against reality: known record counts through each connector kind on the real broker
 * (FileStreamSource → Kafka → FileStreamSink, an HTTP sink whose endpoint refuses some records
 * with errors.tolerance=all and a DLQ, an HTTP source, ingest requests answered 2xx/4xx/5xx), then
 * the exact counter values, Connect 4.3.1's error-metric semantics, the status metrics through
 * pause/stop/resume, a connector name that needs label escaping, and no series left behind by a
 * deleted connector. Every scrape is read with a strict exposition-format parser.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { startApi } from "./support/http-api.ts";
import { createTopic, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { type ParsedFamily, parsePrometheus, samplesLabelled, sampleValue } from "./support/prometheus-text.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({
  "ingest.listeners": "http://127.0.0.1:0",
  "offset.flush.interval.ms": "200",
  "offset.commit.interval.ms": "200",
});

async function scrape(): Promise<Map<string, ParsedFamily>> {
  const r = await fetch(`${suite.gw.url}/metrics`);
  expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheus(await r.text());
}

const task = (connector: string) => ({ connector, task: "0" });
const K = "kafka_connect_";
/** Sink connectors are named per run: their consumer groups (connect-<name>) are on the shared broker. */
const SNK = uniqueTopic("mx-snk");
const HTTP_SINK = uniqueTopic("mx-http-sink");
const SHRINK = uniqueTopic("mx-shrink");
const FAIL = uniqueTopic("mx-fail");
const START = uniqueTopic("mx-start");

/** Waits until `name{labels}` is `value`; returns the scrape. */
async function until(name: string, labels: Record<string, string>, value: number, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const m = await scrape();
      const now = sampleValue(m, name, labels);
      if (now !== value) throw new Error(`${name}${JSON.stringify(labels)} is ${now}, not ${value}`);
      return m;
    },
    { what: `${name}${JSON.stringify(labels)} = ${value}`, timeoutMs },
  );
}

async function create(name: string, config: Record<string, string>) {
  const r = await suite.gw.rest.post("/connectors", { name, config });
  expect({ status: r.status, body: r.body }).toMatchObject({ status: 201 });
}

/** Deletes the connector; its series (every family, by its connector label) go. */
async function remove(name: string) {
  expect((await suite.gw.rest.request("DELETE", `/connectors/${encodeURIComponent(name)}`)).status).toBe(204);
  await waitFor(async () => samplesLabelled(await scrape(), "connector", name).length === 0, {
    what: `no series of the deleted connector ${name}`,
  });
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

describe("/metrics exact values", () => {
  test("FileStreamSource → Kafka → FileStreamSink: poll, write, read, send and commits", async () => {
    const topic = uniqueTopic("mx-file");
    await createTopic(topic, 1);
    const input = suite.dir.file("mx-in.txt");
    const output = suite.dir.file("mx-out.txt");
    writeFileSync(input, "");
    await create("mx-src", { "connector.class": "FileStreamSource", file: input, topic });
    await create(SNK, { "connector.class": "FileStreamSink", file: output, topics: topic });
    appendFileSync(input, Array.from({ length: 7 }, (_, i) => `line-${i}\n`).join(""));
    await waitFor(() => lines(output).length === 7, { what: "7 lines out" });
    await until(`${K}sink_task_metrics_sink_record_send_total`, task(SNK), 7);
    const m = await until(`${K}source_task_metrics_source_record_write_total`, task("mx-src"), 7);
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, task("mx-src"))).toBe(7);
    // Every polled record is written: none active; the most at once between 1 and 7.
    expect(sampleValue(m, `${K}source_task_metrics_source_record_active_count`, task("mx-src"))).toBe(0);
    const activeMax = sampleValue(m, `${K}source_task_metrics_source_record_active_count_max`, task("mx-src"))!;
    expect(activeMax).toBeGreaterThanOrEqual(1);
    expect(activeMax).toBeLessThanOrEqual(7);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, task(SNK))).toBe(7);
    // The source's series are not in the sink groups and the other way round.
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, task("mx-src"))).toBeUndefined();
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, task(SNK))).toBeUndefined();
    for (const c of ["mx-src", SNK]) {
      // Connect's batch-size-max/avg: records per poll (source) or per put (sink).
      const max = sampleValue(m, `${K}connector_task_metrics_batch_size_max`, task(c))!;
      expect(max).toBeGreaterThan(0);
      expect(max).toBeLessThanOrEqual(7);
      expect(sampleValue(m, `${K}connector_task_metrics_batch_size_avg`, task(c))).toBeGreaterThan(0);
      expect(sampleValue(m, `${K}task_error_metrics_total_record_errors`, task(c))).toBe(0);
      expect(sampleValue(m, `${K}connect_worker_metrics_connector_running_task_count`, { connector: c })).toBe(1);
    }
    // The sink's offset-commit-completion-total counts its successful commits too (Connect's sink group).
    expect(sampleValue(m, `${K}sink_task_metrics_offset_commit_completion_total`, task(SNK))).toBe(
      sampleValue(m, `${K}connector_task_metrics_offset_commit_success_total`, task(SNK)),
    );
    // Connect counts an offset commit with nothing new to commit as a success (each interval).
    for (const c of ["mx-src", SNK]) {
      const now = sampleValue(m, `${K}connector_task_metrics_offset_commit_success_total`, task(c))!;
      await waitFor(
        async () =>
          (sampleValue(await scrape(), `${K}connector_task_metrics_offset_commit_success_total`, task(c)) ?? 0) >
          now + 1,
        { what: `${c}: idle offset commits counted as successes` },
      );
    }
    await remove("mx-src");
    await remove(SNK);
  });

  test("HTTP sink refusing 2 of 10 records (errors.tolerance=all, DLQ): Connect's executeFailed counts", async () => {
    const topic = uniqueTopic("mx-http-sink");
    const dlq = uniqueTopic("mx-http-dlq");
    await createTopic(topic, 1);
    using api = startApi((req) =>
      /"i":(3|7)\b/.test(req.body) ? Response.json({ error: "no" }, { status: 422 }) : new Response("ok"),
    );
    await create(HTTP_SINK, {
      "connector.class": "HttpSink",
      topics: topic,
      url: `${api.base}/events`,
      "sink.batch.max-size": "10",
      "sink.flush-buffer.timeout": "20",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": dlq,
      "errors.deadletterqueue.topic.replication.factor": "1",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    await produce(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ i }) })),
    );
    await readTopic(dlq, 2);
    const c = task(HTTP_SINK);
    await until(`${K}sink_task_metrics_sink_record_send_total`, c, 10);
    const m = await until("http_sink_records_sent_total", c, 8);
    expect(sampleValue(m, "http_sink_records_dlq_total", c)).toBe(2);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, c)).toBe(10);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_send_total`, c)).toBe(10);
    // A record the task reports as errant is a record failure, not an error nor a skip (Connect 4.3.1).
    expect(sampleValue(m, `${K}task_error_metrics_total_record_failures`, c)).toBe(2);
    expect(sampleValue(m, `${K}task_error_metrics_total_record_errors`, c)).toBe(0);
    expect(sampleValue(m, `${K}task_error_metrics_total_records_skipped`, c)).toBe(0);
    expect(sampleValue(m, `${K}task_error_metrics_deadletterqueue_produce_requests`, c)).toBe(2);
    expect(sampleValue(m, `${K}task_error_metrics_deadletterqueue_produce_failures`, c)).toBe(0);
    expect(sampleValue(m, `${K}task_error_metrics_last_error_timestamp`, c)).toBeGreaterThan(0);
    await remove(HTTP_SINK);
  });

  test("ingest: requests by route and status class, records and bytes accepted, latency count", async () => {
    const topic = uniqueTopic("mx-ingest");
    await createTopic(topic, 1);
    await create("mx-ingest", { "connector.class": "HttpIngest", "ingest.path": "/ingest/mx", "kafka.topic": topic });
    await waitFor(
      async () => (await suite.gw.rest.get("/connectors/mx-ingest/status")).body?.tasks?.[0]?.state === "RUNNING",
    );
    const url = `${suite.ingest}/ingest/mx`;
    const post = (body: string) =>
      fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect((await post('{"n":1}')).status).toBe(200);
    expect((await post('[{"n":2},{"n":3}]')).status).toBe(200);
    expect((await post("{")).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(`${suite.ingest}/ingest/none`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await suite.gw.rest.put("/connectors/mx-ingest/pause", {})).status).toBe(202);
    // The pause takes effect soon after its 202: a request before that is still written.
    let early = 0;
    await waitFor(
      async () => {
        const status = (await post('{"n":4}')).status;
        if (status === 200) early++;
        return status === 503;
      },
      { what: "503 while paused" },
    );
    const route = { route: "/ingest/mx" };
    const m = await scrape();
    expect(sampleValue(m, "ingest_requests_total", { ...route, status_class: "2xx" })).toBe(2 + early);
    expect(sampleValue(m, "ingest_requests_total", { ...route, status_class: "4xx" })).toBe(2);
    expect(sampleValue(m, "ingest_requests_total", { ...route, status_class: "5xx" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, "ingest_requests_total", { route: "unmatched", status_class: "4xx" })).toBe(1);
    expect(sampleValue(m, "ingest_records_accepted_total", route)).toBe(3 + early);
    expect(sampleValue(m, "ingest_bytes_accepted_total", route)).toBe(21 + 7 * early);
    expect(sampleValue(m, "ingest_requests_in_flight", route)).toBe(0);
    const answered = m.get("ingest_requests_total")!.samples.filter((x) => x.labels.route === "/ingest/mx");
    // Every request the pipeline handled is timed; the 405 is refused before it.
    expect(sampleValue(m, "ingest_request_duration_seconds_count", route)).toBe(
      answered.reduce((n, x) => n + x.value, 0) - 1,
    );
    await remove("mx-ingest");
    await waitFor(async () => samplesLabelled(await scrape(), "route", "/ingest/mx").length === 0, {
      what: "the deleted route's series gone",
    });
  });

  test("status metrics through pause, stop, resume and delete; a name that needs escaping; no leftovers", async () => {
    const input = suite.dir.file("mx-odd.txt");
    writeFileSync(input, "a\nb\n");
    // Label escaping: quotes here, a backslash below (the REST API refuses an encoded backslash in
    // a path, as Connect's Jetty: that connector cannot be paused by URL).
    const name = 'mx "odd" name';
    const [back, odd] = [uniqueTopic("mx-back"), uniqueTopic("mx-odd")];
    await createTopic(back, 1);
    await createTopic(odd, 1);
    await create("mx \\ back", { "connector.class": "FileStreamSource", file: input, topic: back });
    await create(name, { "connector.class": "FileStreamSource", file: input, topic: odd });
    const c = { connector: name };
    const W = `${K}connect_worker_metrics_connector_`;
    await until(`${K}source_task_metrics_source_record_write_total`, task("mx \\ back"), 2);
    let m = await until(`${K}source_task_metrics_source_record_write_total`, task(name), 2);
    expect(sampleValue(m, `${W}running_task_count`, c)).toBe(1);
    expect(sampleValue(m, `${W}total_task_count`, c)).toBe(1);
    expect(sampleValue(m, `${K}connector_metrics_status`, { ...c, status: "running" })).toBe(1);

    expect((await suite.gw.rest.put(`/connectors/${encodeURIComponent(name)}/pause`, {})).status).toBe(202);
    await until(`${W}paused_task_count`, c, 1);
    m = await until(`${K}connector_metrics_status`, { ...c, status: "paused" }, 1);
    expect(sampleValue(m, `${W}running_task_count`, c)).toBe(0);
    expect(sampleValue(m, `${W}paused_task_count`, c)).toBe(1);
    expect(sampleValue(m, `${K}connector_metrics_status`, { ...c, status: "running" })).toBe(0);
    expect(sampleValue(m, `${K}connector_task_metrics_status`, { ...task(name), status: "paused" })).toBe(1);
    // Connect's running-ratio and pause-ratio: the task has run, and is paused now.
    await waitFor(async () => {
      const now = await scrape();
      const running = sampleValue(now, `${K}connector_task_metrics_running_ratio`, task(name))!;
      const paused = sampleValue(now, `${K}connector_task_metrics_pause_ratio`, task(name))!;
      return running > 0 && paused > 0 && Math.abs(running + paused - 1) < 1e-9;
    });

    expect((await suite.gw.rest.put(`/connectors/${encodeURIComponent(name)}/stop`, {})).status).toBe(204);
    m = await until(`${K}connector_metrics_status`, { ...c, status: "stopped" }, 1);
    m = await until(`${W}total_task_count`, c, 0);
    expect(sampleValue(m, `${W}paused_task_count`, c)).toBe(0);
    // A stopped connector has no tasks: no task series (once its task has stopped).
    await waitFor(
      async () => samplesLabelled(await scrape(), "connector", name).every((x) => x.labels.task === undefined),
      { what: "no task series of the stopped connector" },
    );

    expect((await suite.gw.rest.put(`/connectors/${encodeURIComponent(name)}/resume`, {})).status).toBe(202);
    m = await until(`${W}running_task_count`, c, 1);
    expect(sampleValue(m, `${K}connector_metrics_status`, { ...c, status: "stopped" })).toBe(0);

    await remove(name);
  });
  test("fewer tasks after a reconfiguration: the removed tasks' series go", async () => {
    const topic = uniqueTopic("mx-shrink");
    await createTopic(topic, 3);
    const config = (tasks: number) => ({
      "connector.class": "FileStreamSink",
      file: suite.dir.file("mx-shrink.out"),
      topics: topic,
      "tasks.max": String(tasks),
    });
    await create(SHRINK, config(3));
    const c = { connector: SHRINK };
    const W = `${K}connect_worker_metrics_connector_`;
    await until(`${W}running_task_count`, c, 3);
    // Connect's partition-count: the 3 partitions spread over the 3 tasks.
    const spread = await waitFor(
      async () => {
        const now = await scrape();
        const counts = ["0", "1", "2"].map((t) =>
          sampleValue(now, `${K}sink_task_metrics_partition_count`, { connector: SHRINK, task: t }),
        );
        return counts.every((n) => n === 1) ? counts : undefined;
      },
      { what: "one partition per task", timeoutMs: 45_000 },
    );
    expect(spread).toEqual([1, 1, 1]);
    expect((await suite.gw.rest.put(`/connectors/${SHRINK}/config`, config(1))).status).toBe(200);
    await until(`${K}sink_task_metrics_partition_count`, { connector: SHRINK, task: "0" }, 3, 45_000);
    const m = await until(`${W}total_task_count`, c, 1);
    expect(sampleValue(m, `${W}running_task_count`, c)).toBe(1);
    expect(sampleValue(m, `${K}connect_worker_metrics_task_count`, {})).toBeGreaterThanOrEqual(1);
    const leftovers = samplesLabelled(m, "connector", SHRINK).filter((x) => x.labels.task && x.labels.task !== "0");
    expect(leftovers).toEqual([]);
    await remove(SHRINK);
  });
  test("HTTP source: one request of 3 records and one refused with 500", async () => {
    const topic = uniqueTopic("mx-http-source");
    await createTopic(topic, 1);
    using api = startApi((req) =>
      req.url.pathname === "/down"
        ? new Response("down", { status: 500 })
        : Response.json([{ n: 1 }, { n: 2 }, { n: 3 }]),
    );
    const source = (name: string, path: string) =>
      create(name, {
        "connector.class": "HttpSource",
        "http.url": `${api.base}${path}`,
        "kafka.topic": topic,
        "http.response.records.path": "$[*]",
        "http.timer.interval.ms": "300000",
        "http.retry.max.attempts": "1",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      });
    await source("mx-http-up", "/data");
    await source("mx-http-down", "/down");
    const up = task("mx-http-up");
    const m = await until(`${K}source_task_metrics_source_record_write_total`, up, 3);
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, up)).toBe(3);
    expect(sampleValue(m, "http_source_requests_total", up)).toBe(1);
    expect(sampleValue(m, "http_source_errors_total", up)).toBe(0);
    expect(sampleValue(m, "http_source_records_polled_total", up)).toBe(3);
    expect(sampleValue(m, "http_source_request_duration_seconds_count", up)).toBe(1);
    const down = task("mx-http-down");
    const d = await until("http_source_errors_total", down, 1);
    expect(sampleValue(d, "http_source_requests_total", down)).toBe(1);
    expect(sampleValue(d, "http_source_records_polled_total", down)).toBe(0);
    await remove("mx-http-up");
    await remove("mx-http-down");
  });
  test("a task failed by a bad record (errors.tolerance=none) keeps its series, counted as Connect counts them", async () => {
    const topic = uniqueTopic("mx-fail");
    await createTopic(topic, 1);
    await produce(topic, [{ value: '{"ok":1}' }, { value: "{broken" }]);
    await create(FAIL, {
      "connector.class": "FileStreamSink",
      file: suite.dir.file("mx-fail.out"),
      topics: topic,
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    const c = { connector: FAIL };
    const m = await until(`${K}connect_worker_metrics_connector_failed_task_count`, c, 1);
    expect(sampleValue(m, `${K}connect_worker_metrics_connector_running_task_count`, c)).toBe(0);
    expect(sampleValue(m, `${K}connector_task_metrics_status`, { ...task(FAIL), status: "failed" })).toBe(1);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, task(FAIL))).toBe(2);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_send_total`, task(FAIL))).toBe(0);
    expect(sampleValue(m, `${K}task_error_metrics_total_record_failures`, task(FAIL))).toBe(1);
    expect(sampleValue(m, `${K}task_error_metrics_total_record_errors`, task(FAIL))).toBe(1);
    expect(sampleValue(m, `${K}task_error_metrics_total_records_skipped`, task(FAIL))).toBe(0);
    await remove(FAIL);
  });
  test("worker startup metrics, as Connect 4.3.1: a task whose start throws is no task startup, one that cannot be built a failure", async () => {
    // Connect's Worker.startTask hands WorkerMetricsGroup's wrapped listener only to its build's
    // catch: a task that starts (or whose start throws) counts nothing, one it fails to build fails.
    const W = `${K}connect_worker_metrics_`;
    const at = (m: Map<string, ParsedFamily>, name: string) => sampleValue(m, `${W}${name}`, {}) ?? Number.NaN;
    const tasks = (m: Map<string, ParsedFamily>) =>
      ["attempts", "success", "failure"].map((n) => at(m, `task_startup_${n}_total`));
    const before = await scrape();
    const config = {
      "connector.class": "FileStreamSink",
      file: suite.dir.file("no-such-dir/out.txt"),
      topics: uniqueTopic("mx-start"),
    };
    await create(START, config);
    await waitFor(
      async () => (await suite.gw.rest.get(`/connectors/${START}/status`)).body.tasks?.[0]?.state === "FAILED",
      { what: "the task FAILED at start" },
    );
    const started = await scrape();
    expect(tasks(started)).toEqual(tasks(before));
    expect(at(started, "connector_startup_success_total")).toBe(at(before, "connector_startup_success_total") + 1);
    expect(at(started, "connector_startup_failure_total")).toBe(at(before, "connector_startup_failure_total"));
    // A JSON null in the connector's config fails the task's build (Connect's originalsStrings()).
    const nulled = { ...config, file: null };
    expect((await suite.gw.rest.put(`/connectors/${START}/config`, nulled)).status).toBe(200);
    expect((await suite.gw.rest.post(`/connectors/${START}/tasks/0/restart`, undefined)).status).toBe(500);
    const m = await scrape();
    const [attempts, success, failure] = tasks(before);
    expect(tasks(m)).toEqual([attempts! + 1, success!, failure! + 1]);
    expect(at(m, "task_startup_failure_percentage")).toBe(1);
    expect(at(m, "task_startup_success_percentage")).toBe(0);
    expect(m.get(`${W}task_startup_attempts_total`)!.type).toBe("counter");
    expect(m.get(`${W}task_startup_failure_percentage`)!.type).toBe("gauge");
    await remove(START);
  });
  test("FileStreamSource to a compacted topic (keyless records refused, errors.tolerance=all): nothing written", async () => {
    const topic = uniqueTopic("mx-compacted");
    await createTopic(topic, 1, [{ name: "cleanup.policy", value: "compact" }]);
    const input = suite.dir.file("mx-compacted.txt");
    writeFileSync(input, "a\nb\nc\n");
    await create("mx-compacted", {
      "connector.class": "FileStreamSource",
      file: input,
      topic,
      "errors.tolerance": "all",
    });
    const c = task("mx-compacted");
    const m = await until(`${K}task_error_metrics_total_record_failures`, c, 3);
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, c)).toBe(3);
    expect(sampleValue(m, `${K}source_task_metrics_source_record_write_total`, c)).toBe(0);
    await until(`${K}source_task_metrics_source_record_active_count`, c, 0);
    expect(sampleValue(m, `${K}task_error_metrics_total_record_errors`, c)).toBe(0);
    expect(sampleValue(m, `${K}task_error_metrics_total_records_skipped`, c)).toBe(0);
    await remove("mx-compacted");
  });
});
