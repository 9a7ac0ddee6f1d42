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
import { type ParsedFamily, parsePrometheus, sampleValue, samplesLabelled } from "./support/prometheus-text.ts";
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

/** Waits until `name{labels}` is `value`; returns the scrape. */
async function until(name: string, labels: Record<string, string>, value: number) {
  return waitFor(
    async () => {
      const m = await scrape();
      const now = sampleValue(m, name, labels);
      if (now !== value) throw new Error(`${name}${JSON.stringify(labels)} is ${now}, not ${value}`);
      return m;
    },
    { what: `${name}${JSON.stringify(labels)} = ${value}` },
  );
}

async function create(name: string, config: Record<string, string>) {
  const r = await suite.gw.rest.put(`/connectors/${encodeURIComponent(name)}/config`, config);
  expect(r.status).toBe(201);
}

async function remove(name: string) {
  expect((await suite.gw.rest.request("DELETE", `/connectors/${encodeURIComponent(name)}`)).status).toBe(204);
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
    await create("mx-snk", { "connector.class": "FileStreamSink", file: output, topics: topic });
    appendFileSync(input, Array.from({ length: 7 }, (_, i) => `line-${i}\n`).join(""));
    await waitFor(() => lines(output).length === 7, { what: "7 lines out" });
    await until(`${K}sink_task_metrics_sink_record_send_total`, task("mx-snk"), 7);
    const m = await until(`${K}source_task_metrics_source_record_write_total`, task("mx-src"), 7);
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, task("mx-src"))).toBe(7);
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, task("mx-snk"))).toBe(7);
    // The source's series are not in the sink groups and the other way round.
    expect(sampleValue(m, `${K}sink_task_metrics_sink_record_read_total`, task("mx-src"))).toBeUndefined();
    expect(sampleValue(m, `${K}source_task_metrics_source_record_poll_total`, task("mx-snk"))).toBeUndefined();
    for (const c of ["mx-src", "mx-snk"]) {
      expect(sampleValue(m, `${K}task_error_metrics_total_record_errors`, task(c))).toBe(0);
      expect(sampleValue(m, `${K}connect_worker_metrics_connector_running_task_count`, { connector: c })).toBe(1);
    }
    // Connect counts an offset commit with nothing new to commit as a success (each interval).
    for (const c of ["mx-src", "mx-snk"]) {
      const now = sampleValue(m, `${K}connector_task_metrics_offset_commit_success_total`, task(c))!;
      await waitFor(
        async () =>
          (sampleValue(await scrape(), `${K}connector_task_metrics_offset_commit_success_total`, task(c)) ?? 0) >
          now + 1,
        { what: `${c}: idle offset commits counted as successes` },
      );
    }
    await remove("mx-src");
    await remove("mx-snk");
  });
});
