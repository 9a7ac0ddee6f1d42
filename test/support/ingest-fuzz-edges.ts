/**
 * Edge requests for test/ingest-fuzz-edges.test.ts, from a seeded PRNG: text that must reach Kafka
 * exactly (charset parameters, UTF-8 request headers, NDJSON with CRLF and blank lines, duplicate
 * JSON keys, escaped NUL and lone surrogates, long numbers, Idempotency-Key edge values) and input
 * that must be refused with a 4xx writing nothing (bytes that are not text in their charset, an
 * unknown charset, raw NUL and invalid UTF-8 in JSON, lone surrogates encoded as UTF-8 bytes,
 * empty and too deep bodies, a bad NDJSON line among good ones, bad Idempotency-Keys, compressed
 * bodies, non-UTF-8 binary data for a text converter).
 */
import type { Expected, FuzzCase, FuzzRecord } from "./ingest-fuzz-cases.ts";
import { int, pick, randomString } from "./json-schema.ts";

type Rng = () => number;
type Operation = Record<string, unknown>;
/** A route under test: its native path, its topic, and the spec's operations for its paths. */
export interface EdgeRoute {
  readonly path: string;
  readonly topic: string;
  /** `text`: StringConverter keys (X-Kafka-Key) and values; `json`: JsonConverter, key field `$.id`. */
  readonly format: "text" | "json";
  readonly native: Operation;
  readonly v2: Operation;
  readonly v3: Operation;
}

const utf8 = (s: string): Expected => ({ bytes: Buffer.from(s, "utf8") });
/** A header value as fetch sends it: each character one byte, so this sends the UTF-8 bytes of `s`. */
const wire = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const UNICODE = ["é", "ü", "€", "中", "🙂", "ж", "\u00a0", "ß", "𝄞"];
/** A string with some non-ASCII characters (all of them printable). */
function text(rng: Rng, max = 10): string {
  const s = [...randomString(rng, max)];
  for (let i = 0; i < 1 + int(rng, 3); i++) s.splice(int(rng, s.length + 1), 0, pick(rng, UNICODE));
  return s.join("");
}
/** Text for a request header: HTTP drops spaces and tabs around a value. */
const headerText = (rng: Rng, max: number) => text(rng, max).replace(/^[ \t]+|[ \t]+$/g, "") || "h";
/** Text that ISO-8859-1 can carry. */
const latin1Text = (rng: Rng) =>
  `${randomString(rng, 6).replace(/[^\u0000-\u00ff]/gu, "x")}${pick(rng, ["é", "ü", "ß", "\u00a0", "ÿ", "Å"])}`;

function base(route: EdgeRoute, label: string, headers: Record<string, string>, body: string | Uint8Array) {
  return { label, topic: route.topic, path: route.path, operation: route.native, headers, body };
}

/** A valid request of `route` and the records it must write, exactly. */
export function edgeValid(rng: Rng, route: EdgeRoute, n: number): FuzzCase {
  const site = headerText(rng, 6);
  const headers: Record<string, string> = { "X-Site": wire(site) };
  const mapped = { site };
  if (rng() < 0.3)
    headers["Idempotency-Key"] = pick(rng, [
      `${n}`,
      `${n}${"~".repeat(250)}`.slice(0, 255),
      `!"#${n}$%&'()*+,-./:;<=>?@[\\]^_\`{|}`,
    ]);
  if (route.format === "text") {
    const key = rng() < 0.7 ? headerText(rng, 8) : null;
    if (key !== null) headers["X-Kafka-Key"] = wire(key);
    const record = (value: string): FuzzRecord => ({
      key: key === null ? null : utf8(key),
      value: utf8(value),
      headers: mapped,
    });
    switch (int(rng, 5)) {
      case 0: {
        const v = text(rng, 40);
        return {
          ...base(
            route,
            "text utf-8",
            {
              ...headers,
              "Content-Type": pick(rng, ["text/plain", "text/plain; charset=UTF-8", 'text/plain;charset="utf-8"']),
            },
            Buffer.from(v),
          ),
          records: [record(v)],
        };
      }
      case 1: {
        const v = latin1Text(rng);
        return {
          ...base(
            route,
            "text iso-8859-1",
            { ...headers, "Content-Type": pick(rng, ["text/plain; charset=ISO-8859-1", "text/csv; charset=latin1"]) },
            Buffer.from(v, "latin1"),
          ),
          records: [record(v)],
        };
      }
      case 2: {
        const v = text(rng, 20);
        const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(v, "utf16le")]);
        return {
          ...base(route, "text utf-16", { ...headers, "Content-Type": "text/plain; charset=UTF-16" }, body),
          records: [record(v)],
        };
      }
      case 3: {
        const lines = Array.from({ length: 1 + int(rng, 4) }, () => JSON.stringify({ t: text(rng) }));
        const body = lines
          .map((l) => `${pick(rng, ["", "\r\n", "\n  \n"])}${l}${pick(rng, ["\n", "\r\n", " \r\n"])}`)
          .join("");
        return {
          ...base(route, "ndjson crlf/blank", { ...headers, "Content-Type": "application/x-ndjson" }, body),
          records: lines.map(record),
        };
      }
      default: {
        const docs = Array.from({ length: 1 + int(rng, 3) }, () => JSON.stringify(text(rng)));
        return {
          ...base(
            route,
            "json array of strings",
            { ...headers, "Content-Type": "application/json" },
            `[${docs.join(" , ")}]`,
          ),
          records: docs.map(record),
        };
      }
    }
  }
  const doc = (): { text: string; key: string } => {
    // JSON string literals: escaped NUL and lone surrogates are kept as sent (the value is its text).
    const id = pick(rng, [JSON.stringify(text(rng, 6)), '"a\\u0000b"', '"\\ud800x"', '"\\udc00"', `"d${n}"`]);
    const last = pick(rng, [`"x${n}"`, id]);
    const extra = pick(rng, [
      '"n":123456789012345678901234567890',
      '"f":1.50e+3',
      '"s":"nul\\u0000 in"',
      `"t":${JSON.stringify(text(rng))}`,
      '"z":-0',
    ]);
    // A duplicate key: the last one counts (JSON.parse, and Jackson's tree).
    const dup = rng() < 0.3;
    const t = dup ? `{"id":${id},${extra},"id":${last}}` : `{"id":${id},${extra}}`;
    return { text: t, key: JSON.parse(dup ? last : id) };
  };
  const docs = Array.from({ length: 1 + int(rng, 4) }, doc);
  const records = docs.map((d): FuzzRecord => ({ key: { json: d.key }, value: utf8(d.text), headers: mapped }));
  if (rng() < 0.5) {
    const body = docs
      .map((d) => `${pick(rng, ["", "\r\n", "\n\n", "\t\n"])}${d.text}${pick(rng, ["\n", "\r\n", "  \r\n"])}`)
      .join("");
    return {
      ...base(route, "ndjson crlf/blank", { ...headers, "Content-Type": "application/x-ndjson" }, body),
      records,
    };
  }
  return {
    ...base(
      route,
      "json array",
      { ...headers, "Content-Type": "application/json; charset=utf-8" },
      `[${docs.map((d) => d.text).join(",")}]`,
    ),
    records,
  };
}

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
        "UTF-16 JSON",
        { ...h, "Content-Type": "application/json; charset=utf-16le" },
        Buffer.from('{"id":"a"}', "utf16le"),
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
