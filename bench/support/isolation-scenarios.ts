import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Gateway } from "../../test/support/gateway.ts";
import { startApi } from "../../test/support/http-api.ts";
import { uniqueTopic } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Healthy } from "./isolation-probe.ts";

export interface Scenario {
  readonly name: string;
  /** Builds what the scenario needs before the clock starts (bodies, files); returns `run`. */
  prepare(dir: string): () => (h: Healthy) => Promise<void>;
  /** Runs once the gateway is up, before the clock starts. */
  setup?(h: Healthy): Promise<void>;
}

const STRING = "org.apache.kafka.connect.storage.StringConverter";
const JSON_SCHEMALESS = {
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
};

/** Until the source task `name` wrote `count` records to Kafka (acknowledged). */
async function written(gw: Gateway, name: string, count: number): Promise<void> {
  const line = `kafka_connect_source_task_metrics_source_record_write_total{connector="${name}",task="0"} ${count}`;
  await waitFor(async () => (await gw.rest.get("/metrics")).text.includes(line), {
    what: `${name} wrote ${count}`,
    timeoutMs: 300_000,
    intervalMs: 100,
  });
}

/** An HTTP source reading one page `body` with `path`, done when `count` records were written. */
function sourcePage(name: string, body: () => string, path: string, count: number, extra = {}): Scenario {
  return {
    name,
    prepare: () => {
      const page = body();
      return () => async (h) => {
        using api = startApi(() => new Response(page));
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "HttpSource",
          "http.url": `${api.base}/page`,
          "kafka.topic": uniqueTopic("iso-bad"),
          "http.timer.interval.ms": "3600000",
          "http.response.records.path": path,
          "http.response.max.bytes": String(200 * 1024 * 1024),
          "value.converter": STRING,
          ...extra,
        });
        await written(h.gw, "bad", count);
      };
    },
  };
}

const small = (i: number) => `{"id":${i},"device":"sensor-${i % 97}","ts":"2024-01-01T00:00:00Z","v":${i * 0.5}}`;
const wide = (i: number, fields: number) =>
  `{${Array.from({ length: fields }, (_, f) => `"f${f}":${(i + f) % 1000}`).join(",")}}`;
const array = (n: number, item: (i: number) => string) => `[${Array.from({ length: n }, (_, i) => item(i)).join(",")}]`;

export const SCENARIOS: Scenario[] = [
  { name: "baseline (nothing misbehaves)", prepare: () => () => () => Bun.sleep(8000) },
  sourcePage("HTTP source: 1M small records, one page (59 MB)", () => array(1_000_000, small), "$[*]", 1_000_000),
  sourcePage(
    "HTTP source: 100k records of 800 B, `$.data[*]` (84 MB)",
    () => `{"data":${array(100_000, (i) => `{"id":${i},"pad":"${"x".repeat(780)}"}`)}}`,
    "$.data[*]",
    100_000,
  ),
  sourcePage(
    "HTTP source: 2,000 records of 1,000 fields, ReplaceField + Cast",
    () => array(2000, (i) => wide(i, 1000)),
    "$[*]",
    2000,
    {
      ...JSON_SCHEMALESS,
      transforms: "drop,cast",
      "transforms.drop.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
      "transforms.drop.exclude": Array.from({ length: 100 }, (_, f) => `f${f * 7}`).join(","),
      "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
      "transforms.cast.spec": Array.from({ length: 100 }, (_, f) => `f${f * 7 + 1}:string`).join(","),
    },
  ),
  {
    name: "HTTP source: page nested 900 deep, polled every 100 ms",
    prepare: () => {
      const page = `[${"[".repeat(900)}1${"]".repeat(900)}]`;
      return () => async (h) => {
        using api = startApi(() => new Response(page));
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "HttpSource",
          "http.url": `${api.base}/page`,
          "kafka.topic": uniqueTopic("iso-bad"),
          "http.timer.interval.ms": "100",
          "http.response.records.path": "$[*]",
          ...JSON_SCHEMALESS,
        });
        await Bun.sleep(8000);
      };
    },
  },
  {
    name: "HTTP sink: endpoint answers every request after 2 s with a 50 MB body",
    prepare: () => {
      const huge = "x".repeat(50 * 1024 * 1024);
      return () => async (h) => {
        using api = startApi(async () => {
          await Bun.sleep(2000);
          return new Response(huge);
        });
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
          url: `${api.base}/in`,
          topics: h.topic,
          "sink.flush-buffer.timeout": "50",
          ...JSON_SCHEMALESS,
        });
        await Bun.sleep(10_000);
      };
    },
  },
  {
    name: "HTTP sink: endpoint answers every request at once with a 50 MB body",
    prepare: () => {
      const huge = "x".repeat(50 * 1024 * 1024);
      return () => async (h) => {
        using api = startApi(() => new Response(huge));
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
          url: `${api.base}/in`,
          topics: h.topic,
          "sink.flush-buffer.timeout": "50",
          ...JSON_SCHEMALESS,
        });
        await Bun.sleep(10_000);
      };
    },
  },
  {
    name: "RegexRouter `(a+)+b` on a topic of 26 `a` (catastrophic backtracking), a record every 500 ms",
    prepare: () => () => async (h) => {
      using api = startApi(() => new Response('[{"id":1}]'));
      await h.gw.rest.put("/connectors/bad/config", {
        "connector.class": "HttpSource",
        "http.url": `${api.base}/page`,
        "kafka.topic": "a".repeat(26),
        "http.timer.interval.ms": "500",
        "http.response.records.path": "$[*]",
        "value.converter": STRING,
        transforms: "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "(a+)+b",
        "transforms.route.replacement": "x",
      });
      await Bun.sleep(8000);
    },
  },
  {
    name: "FileStreamSource: one 200 MB line without a line end",
    prepare: (dir) => {
      const file = join(dir, "one-line.txt");
      writeFileSync(file, Buffer.alloc(200 * 1024 * 1024, 0x61));
      return () => async (h) => {
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "FileStreamSource",
          file,
          topic: uniqueTopic("iso-bad"),
        });
        await Bun.sleep(10_000);
      };
    },
  },
  {
    name: "Ingest: one device POSTs batches of 10,000 records (~0.9 MB) back to back, 2 at a time",
    prepare: () => {
      const body = array(10_000, small);
      return () => async (h) => {
        await h.gw.rest.put("/connectors/bad/config", {
          "connector.class": "HttpIngestSource",
          "ingest.path": "/b",
          "kafka.topic": uniqueTopic("iso-bad"),
          "ingest.mode": "batch",
        });
        const until = performance.now() + 10_000;
        const device = async () => {
          while (performance.now() < until) {
            const r = await fetch(`${h.ingestUrl}/b`, { method: "POST", body });
            await r.arrayBuffer();
          }
        };
        await Promise.all([device(), device()]);
      };
    },
  },
  {
    name: "REST: GET /connectors?expand=status&expand=info with 200 connectors, back to back for 8 s",
    setup: async (h) => {
      for (let i = 0; i < 200; i++)
        await h.gw.rest.put(`/connectors/many-${i}/config`, {
          "connector.class": "HttpIngestSource",
          "ingest.path": `/m${i}`,
          "kafka.topic": uniqueTopic("iso-many"),
        });
    },
    prepare: () => () => async (h) => {
      const until = performance.now() + 8000;
      while (performance.now() < until) await h.gw.rest.get("/connectors?expand=status&expand=info");
    },
  },
];
