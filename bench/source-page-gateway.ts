/**
 * The worker's REST API while the compiled gateway reads one large HTTP source page: serves a page
 * of N small JSON objects, asks the REST API every 20 ms until every record is polled and its
 * offset committed and notes the slowest answer, and the gateway's peak RSS. Needs GATEWAY_BIN and KAFKA_INFO_FILE.
 * Usage: bun bench/source-page-gateway.ts [records=800000]
 */
import { readFileSync } from "node:fs";
import { startGateway } from "../test/support/gateway.ts";
import { startApi } from "../test/support/http-api.ts";
import { kafkaBroker, uniqueTopic } from "../test/support/kafka.ts";
import { tempDir } from "../test/support/temp-dir.ts";

const count = Number(process.argv[2] ?? 800_000);
const item = (i: number) => `{"id":${i},"device":"sensor-${i % 97}","ts":"2024-01-01T00:00:00Z","v":${i * 0.5}}`;
const body = `[${Array.from({ length: count }, (_, i) => item(i)).join(",")}]`;
const kafka = await kafkaBroker();
await using dir = await tempDir();
using api = startApi(() => new Response(body));
await using gw = await startGateway({
  dir: dir.path,
  worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "200" },
});
const rssOf = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const started = performance.now();
await gw.rest.put("/connectors/bulk/config", {
  "connector.class": "HttpSource",
  "http.url": `${api.base}/export`,
  "kafka.topic": uniqueTopic("bulk"),
  "http.timer.interval.ms": "3600000",
  "http.response.records.path": "$[*]",
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
});
let slowest = 0;
for (;;) {
  const t = performance.now();
  const metrics = (await gw.rest.get("/metrics")).text;
  slowest = Math.max(slowest, performance.now() - t);
  if (metrics.includes(`http_source_records_polled_total{connector="bulk",task="0"} ${count}`)) break;
  if (performance.now() - started > 300_000) throw new Error("the page was not polled in 5 minutes");
  await Bun.sleep(20);
}
const polledAfter = performance.now() - started;
// Then until the poll's final offset is committed (its records in Kafka), still asking.
for (;;) {
  const t = performance.now();
  const offsets = (await gw.rest.get("/connectors/bulk/offsets")).body.offsets;
  slowest = Math.max(slowest, performance.now() - t);
  if (offsets?.[0]?.offset?.poll_time !== undefined) break;
  if (performance.now() - started > 300_000) throw new Error("the page was not committed in 5 minutes");
  await Bun.sleep(20);
}
console.log(
  `records=${count} bytes=${body.length} polled_after=${polledAfter.toFixed(0)}ms committed_after=${(performance.now() - started).toFixed(0)}ms slowest_rest_answer=${slowest.toFixed(0)}ms` +
    ` peak_rss=${rssOf(gw.proc.pid).toFixed(0)}MiB`,
);
