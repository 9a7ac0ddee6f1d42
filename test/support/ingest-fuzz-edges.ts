/**
 * Valid edge requests for test/ingest-fuzz-edges.test.ts, from a seeded PRNG, with the records each
 * must write exactly: charset parameters, UTF-8 request headers, NDJSON with CRLF and blank lines,
 * duplicate JSON keys, escaped NUL and lone surrogates, long numbers (also in REST Proxy v2 json
 * and v3 JSON data), Idempotency-Key edge values. The invalid ones are in
 * test/support/ingest-fuzz-edge-refusals.ts.
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
  if (rng() < 0.2) return restProxyBigNumbers(rng, route, headers, mapped);
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

/** A JSON string as Jackson writes it: each UTF-16 surrogate (a character outside the BMP) an upper-case `\uXXXX` escape. */
const jacksonString = (s: string) =>
  JSON.stringify(s).replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Digits beyond 2^53 (a nanosecond timestamp, a 64-bit id), negative at times. */
const big = (rng: Rng) =>
  `${rng() < 0.2 ? "-" : ""}${1 + int(rng, 9)}${Array.from({ length: 18 }, () => int(rng, 10)).join("")}`;

/** A REST Proxy v2 json or v3 JSON request with numbers JSON.parse would round or respell: its numbers written as sent. */
function restProxyBigNumbers(
  rng: Rng,
  route: EdgeRoute,
  headers: Record<string, string>,
  site: Record<string, string>,
): FuzzCase {
  const key = big(rng);
  const numbers = `"ts":${big(rng)},"t":${pick(rng, ["1.50", "1E3", "2.0", "0.1"])}`;
  const s = text(rng);
  const value = `{${numbers},"s":${JSON.stringify(s)}}`;
  // JsonConverter writes the data as REST Proxy's Jackson does (as for the same data with plain
  // numbers); StringConverter writes its compact text.
  const written = route.format === "json" ? `{${numbers},"s":${jacksonString(s)}}` : value;
  const record: FuzzRecord = { key: utf8(key), value: utf8(written), headers: site };
  if (rng() < 0.5)
    return {
      label: "v2 json big numbers",
      topic: route.topic,
      path: `/topics/${route.topic}`,
      operation: route.v2,
      headers: { ...headers, "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: `{"records":[{"key":${key},"value":${value}}]}`,
      records: [record],
    };
  return {
    label: "v3 JSON big numbers",
    topic: route.topic,
    path: `/v3/clusters/c1/topics/${route.topic}/records`,
    operation: route.v3,
    headers: { ...headers, "Content-Type": "application/json" },
    body: `{"key":{"type":"JSON","data":${key}},"value":{"type":"JSON","data":${value}}}`,
    records: [record],
  };
}
