/**
 * The requests each device client of test/ingest-device-clients.test.ts sends, in order over one
 * keep-alive client, with the answer the README promises and the records a consumer must find:
 * single JSON, a batch with an Idempotency-Key and its retry, NDJSON, raw bytes, REST Proxy v2
 * (json, binary) and v3 (single, streaming, :batch), refused requests (gzip Content-Encoding, over
 * the body limit, a wrong Content-Type), a body of exactly the limit, and one more record after them.
 */
import { gzipSync } from "node:zlib";

/** The connectors' ingest.max.body.bytes. */
export const LIMIT = 16_384;
const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");
const text = (value: string) => new TextEncoder().encode(value);
const json = (value: unknown) => text(JSON.stringify(value));

export interface Expected {
  readonly key: string;
  readonly value: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Case {
  readonly name: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  readonly status: number;
  /** A pattern of the whole answer, or the index of an earlier case whose answer it repeats. */
  readonly answer: RegExp | number;
  readonly records: readonly Expected[];
}

const nativeOk = (topic: string, n: number) =>
  new RegExp(
    `^\\{"topic":"${topic}","offsets":\\[${Array(n).fill('\\{"partition":0,"offset":\\d+,"timestamp":\\d+\\}').join(",")}\\]\\}$`,
  );
const v2Ok = (n: number) =>
  new RegExp(
    `^\\{"offsets":\\[${Array(n).fill('\\{"partition":0,"offset":\\d+,"error_code":null,"error":null\\}').join(",")}\\],"key_schema_id":null,"value_schema_id":null\\}$`,
  );
const v3Report = (topic: string, key: string, value: string) =>
  `\\{"error_code":200,"cluster_id":"c1","topic_name":"${topic}","partition_id":0,"offset":\\d+,"timestamp":"[^"]+"${key}${value}\\}`;
const refusal = (code: number) => new RegExp(`^\\{"error_code":${code},"message":"(?:[^"\\\\]|\\\\.)+"\\}$`);

/** Every case of one client on one listener; `tag` makes its keys its own. */
export function cases(tag: string, path: string, topic: string): Case[] {
  const k = (name: string) => `${tag}/${name}`;
  const raw = new Uint8Array(300).map((_, i) => (i * 37 + 11) % 256);
  const atLimit = new Uint8Array(LIMIT).fill(97);
  const ct = (type: string, key: string, more: Record<string, string> = {}) => ({
    "Content-Type": type,
    "X-Kafka-Key": k(key),
    ...more,
  });
  const v3 = `/v3/clusters/c1/topics/${topic}/records`;
  const jsonCt = { "content-type": "application/json" };
  const ndCt = { "content-type": "application/x-ndjson" };
  return [
    {
      name: "single JSON",
      path,
      headers: ct("application/json", "single", { "X-Site": tag }),
      body: text('{"n": 1.50}'),
      status: 200,
      answer: nativeOk(topic, 1),
      records: [{ key: k("single"), value: '{"n": 1.50}', headers: { "X-Site": tag, ...jsonCt } }],
    },
    {
      name: "batch",
      path,
      // Header names in lower case, as HTTP/2-minded clients write them.
      headers: ct("application/json", "batch", { "Idempotency-Key": k("idem"), "x-site": tag }),
      body: text('[{"n":2},{"n":3}]'),
      status: 200,
      answer: nativeOk(topic, 2),
      records: [
        { key: k("batch"), value: '{"n":2}', headers: { "X-Site": tag, ...jsonCt } },
        { key: k("batch"), value: '{"n":3}', headers: { "X-Site": tag, ...jsonCt } },
      ],
    },
    {
      name: "batch retried",
      path,
      headers: ct("application/json", "batch", { "idempotency-key": k("idem"), "X-SITE": tag }),
      body: text('[{"n":2},{"n":3}]'),
      status: 200,
      answer: 1,
      records: [],
    },
    {
      name: "NDJSON",
      path,
      headers: ct("application/x-ndjson", "nd"),
      body: text('{"n":4}\n{"n":5}\n'),
      status: 200,
      answer: nativeOk(topic, 2),
      records: [
        { key: k("nd"), value: '{"n":4}', headers: ndCt },
        { key: k("nd"), value: '{"n":5}', headers: ndCt },
      ],
    },
    {
      name: "raw bytes",
      path,
      headers: ct("application/octet-stream", "raw"),
      body: raw,
      status: 200,
      answer: nativeOk(topic, 1),
      records: [{ key: k("raw"), value: raw, headers: { "content-type": "application/octet-stream" } }],
    },
    {
      name: "v2 json",
      path: `/topics/${topic}`,
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: json({
        records: [
          { key: k("v2"), value: { v: 2 } },
          { key: k("v2"), value: "two" },
        ],
      }),
      status: 200,
      answer: v2Ok(2),
      records: [
        { key: JSON.stringify(k("v2")), value: '{"v":2}' },
        { key: JSON.stringify(k("v2")), value: '"two"' },
      ],
    },
    {
      name: "v2 binary",
      path: `/topics/${topic}/partitions/0`,
      headers: { "Content-Type": "application/vnd.kafka.binary.v2+json" },
      body: json({ records: [{ key: b64(k("v2b")), value: b64(raw) }] }),
      status: 200,
      answer: v2Ok(1),
      records: [{ key: k("v2b"), value: raw }],
    },
    {
      name: "v3 single",
      path: v3,
      headers: { "Content-Type": "application/json" },
      body: json({
        key: { type: "STRING", data: k("v3") },
        value: { type: "JSON", data: { v: 3 } },
        headers: [{ name: "h1", value: b64("hv") }],
      }),
      status: 200,
      answer: new RegExp(
        `^${v3Report(topic, `,"key":\\{"type":"STRING","size":${k("v3").length}\\}`, ',"value":\\{"type":"JSON","size":7\\}')}$`,
      ),
      records: [{ key: k("v3"), value: '{"v":3}', headers: { h1: "hv" } }],
    },
    {
      name: "v3 streaming",
      path: v3,
      headers: { "Content-Type": "application/json" },
      body: text(
        `${JSON.stringify({ key: { type: "STRING", data: k("v3s") }, value: { type: "STRING", data: "s1" } })}\n${JSON.stringify({ key: { type: "STRING", data: k("v3s") }, value: { type: "STRING", data: "s2" } })}`,
      ),
      status: 200,
      answer: new RegExp(
        `^(${v3Report(topic, `,"key":\\{"type":"STRING","size":${k("v3s").length}\\}`, ',"value":\\{"type":"STRING","size":2\\}')}){2}$`,
      ),
      records: [
        { key: k("v3s"), value: "s1" },
        { key: k("v3s"), value: "s2" },
      ],
    },
    {
      name: "v3 batch",
      path: `${v3}:batch`,
      headers: { "Content-Type": "application/json" },
      body: json({
        entries: [
          { id: "1", key: { type: "STRING", data: k("v3b") }, value: { type: "STRING", data: "b1" } },
          { id: "2", value: { type: "BINARY", data: "!!" } },
        ],
      }),
      status: 207,
      answer:
        /^\{"successes":\[\{"id":"1",.*\}\],"failures":\[\{"id":"2","error_code":400,"message":"Bad Request: data=!! is not a base64 string."\}\]\}$/,
      records: [{ key: k("v3b"), value: "b1" }],
    },
    {
      name: "gzip raw",
      path,
      headers: ct("application/octet-stream", "gz", { "Content-Encoding": "gzip" }),
      body: gzipSync(text("compressed")),
      status: 415,
      answer: refusal(415),
      records: [],
    },
    {
      name: "gzip v3",
      path: v3,
      headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
      body: gzipSync(json({ key: { type: "STRING", data: k("gz3") }, value: { type: "STRING", data: "z" } })),
      status: 415,
      answer: refusal(415),
      records: [],
    },
    {
      name: "over the limit",
      path,
      headers: ct("application/octet-stream", "over"),
      body: new Uint8Array(LIMIT + 1).fill(98),
      status: 413,
      answer: refusal(413),
      records: [],
    },
    {
      name: "wrong v2 Content-Type",
      path: `/topics/${topic}`,
      headers: { "Content-Type": "text/plain" },
      body: json({ records: [{ key: k("v2x"), value: 1 }] }),
      status: 415,
      answer: refusal(415),
      records: [],
    },
    {
      name: "at the limit",
      path,
      headers: ct("application/octet-stream", "limit"),
      body: atLimit,
      status: 200,
      answer: nativeOk(topic, 1),
      records: [{ key: k("limit"), value: atLimit, headers: { "content-type": "application/octet-stream" } }],
    },
    {
      name: "after",
      path,
      headers: ct("application/json", "after"),
      body: text('{"after":true}'),
      status: 200,
      answer: nativeOk(topic, 1),
      records: [{ key: k("after"), value: '{"after":true}', headers: jsonCt }],
    },
  ];
}

/** A value as text when it is printable ASCII, else as base64. */
export function printable(bytes: Uint8Array): string {
  const value = Buffer.from(bytes).toString("latin1");
  return /^[\x20-\x7e]*$/.test(value) ? value : b64(bytes);
}
