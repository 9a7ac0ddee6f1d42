/**
 * The invalid half of test/ingest-fuzz-edges.test.ts (see test/support/ingest-fuzz-edges.ts): a
 * request of a route that must be refused with a 4xx in REST Proxy's shape, writing nothing.
 */
import type { FuzzCase } from "./ingest-fuzz-cases.ts";
import type { EdgeRoute } from "./ingest-fuzz-edges.ts";
import { pick, randomString } from "./json-schema.ts";

type Rng = () => number;

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

/** A request of `route` that must be refused with a 4xx, writing nothing. */
export function edgeInvalid(rng: Rng, route: EdgeRoute, valid: FuzzCase): FuzzCase {
  const refused = (
    label: string,
    headers: Record<string, string>,
    body: string | Uint8Array,
    operation = route.native,
    path = route.path,
  ): FuzzCase => ({ ...valid, label, headers, body, operation, path, records: undefined });
  // Without the valid case's Idempotency-Key: a refusal under it would be its kept answer.
  const { "Idempotency-Key": _, ...h } = valid.headers;
  const common = [
    () =>
      refused(
        "bad Idempotency-Key",
        { ...h, "Idempotency-Key": pick(rng, ["", " ", "a b", "k".repeat(256), "\u00e9t\u00e9"]) },
        valid.body,
      ),
    () => refused("gzip body", { ...h, "Content-Encoding": pick(rng, ["gzip", "deflate", "br"]) }, valid.body),
    () =>
      refused(
        "v2 json not UTF-8",
        { "Content-Type": "application/vnd.kafka.json.v2+json" },
        bytes('{"records":[{"value":"a', [pick(rng, [0xff, 0xc0, 0xed])], pick(rng, ['"}]}', '\u00af"}]}'])),
        route.v2,
        `/topics/${route.topic}`,
      ),
    () =>
      refused(
        "empty body",
        { ...h, "Content-Type": pick(rng, ["application/json", "application/x-ndjson"]) },
        pick(rng, ["", " \r\n ", "\n\n"]),
      ),
  ];
  const text = [
    () =>
      refused(
        "text not UTF-8",
        { ...h, "Content-Type": pick(rng, ["text/plain", "text/plain; charset=utf-8", "application/octet-stream"]) },
        bytes(randomString(rng, 5), [pick(rng, [0xe9, 0xff, 0x80, 0xc3])], "x"),
      ),
    () =>
      refused(
        "unknown charset",
        { ...h, "Content-Type": `text/plain; charset=${pick(rng, ["koi8-r", "x-bogus", "utf-7", "windows-1252"])}` },
        "hello",
      ),
    () =>
      refused(
        "bad utf-16",
        { ...h, "Content-Type": "text/plain; charset=UTF-16LE" },
        Buffer.from([0x61, 0x00, pick(rng, [0x62, 0x00, 0xd8])]),
      ),
    () => refused("us-ascii high byte", { ...h, "Content-Type": "text/plain; charset=US-ASCII" }, bytes("caf", [0xe9])),
    () =>
      refused(
        "v2 binary not UTF-8",
        { "Content-Type": "application/vnd.kafka.binary.v2+json" },
        `{"records":[{"${pick(rng, ["key", "other"])}":"${Buffer.from([0x61, pick(rng, [0xff, 0xe9, 0xc3])]).toString("base64")}"}]}`.replace(
          '"other"',
          '"value"',
        ),
        route.v2,
        `/topics/${route.topic}`,
      ),
    () =>
      refused(
        "v3 binary not UTF-8",
        { "Content-Type": "application/json" },
        `{"value":{"type":"BINARY","data":"${Buffer.from([pick(rng, [0xff, 0x80])]).toString("base64")}"}}`,
        route.v3,
        `/v3/clusters/c1/topics/${route.topic}/records`,
      ),
  ];
  const json = [
    () =>
      refused(
        "raw NUL",
        { ...h, "Content-Type": "application/json" },
        pick(rng, ['{"id":"a\u0000b"}', '{"id":"a"}\u0000', '\u0000{"id":"a"}']),
      ),
    () =>
      refused(
        "invalid UTF-8 in JSON",
        { ...h, "Content-Type": pick(rng, ["application/json", "application/x-ndjson"]) },
        bytes(
          '{"id":"',
          pick(rng, [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]),
          '"}',
        ),
      ),
    () =>
      refused(
        "UTF-16 JSON cut mid-unit",
        { ...h, "Content-Type": pick(rng, ["application/json; charset=utf-16le", "application/json"]) },
        Buffer.concat([Buffer.from('{"id":"a"}', "utf16le"), Buffer.from([0x20])]),
      ),
    () =>
      refused(
        "bad NDJSON line",
        { ...h, "Content-Type": "application/x-ndjson" },
        `{"id":"ok1"}\r\n${pick(rng, ["{bad", "NaN", "'x'", '{"id":1,}', "\u00a0{}"])}\r\n{"id":"ok2"}\n`,
      ),
    () =>
      refused(
        "too deep",
        { ...h, "Content-Type": "application/json" },
        `{"id":"a","v":${"[".repeat(30)}${"]".repeat(30)}}`,
      ),
    () =>
      refused(
        "BOM in NDJSON line 2",
        { ...h, "Content-Type": "application/x-ndjson" },
        '{"id":"a"}\n\ufeff{"id":"b"}\n',
      ),
  ];
  return pick(rng, [...common, ...(route.format === "text" ? text : json)])();
}
