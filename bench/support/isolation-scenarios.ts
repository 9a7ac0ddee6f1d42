import type { Gateway } from "../../test/support/gateway.ts";
import { startApi } from "../../test/support/http-api.ts";
import { uniqueTopic } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Healthy } from "./isolation-probe.ts";

export interface Scenario {
  readonly name: string;
  /** Builds what the scenario needs before the clock starts (bodies, files); returns `run`. */
  prepare(dir: string): () => (h: Healthy) => Promise<void>;
}

const STRING = "org.apache.kafka.connect.storage.StringConverter";
const JSON_SCHEMALESS = {
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter.schemas.enable": "false",
};

async function polled(gw: Gateway, name: string, count: number): Promise<void> {
  const line = `http_source_records_polled{connector="${name}",task="0"} ${count}`;
  await waitFor(async () => (await gw.rest.get("/metrics")).text.includes(line), {
    what: `${name} polled ${count}`,
    timeoutMs: 300_000,
    intervalMs: 100,
  });
}

/** An HTTP source reading one page `body` with `path`, done when `count` records were polled. */
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
        await polled(h.gw, "bad", count);
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
];
