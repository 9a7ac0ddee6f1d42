/**
 * Requests for the admin REST API fuzz test (test/admin-fuzz.test.ts), from a seeded PRNG: a valid
 * body for one of Connect's endpoints that take one (create, config, validate, offsets, loggers,
 * restart and lifecycle), mutated the way broken clients and fuzzers do (wrong types, missing and
 * extra fields, huge numbers, deep nesting, lone surrogates, invalid UTF-8, duplicate keys, NUL,
 * empty and trailing data, wrong Content-Type and charset), and odd paths and methods. And what
 * Connect 4.3.1 answers 500 for, as the project recorded it (test/fixtures/connect-rest): a 500 of
 * the gateway must be one of those kinds, never one where Connect gives a 4xx.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { int, pick, randomJson, randomString } from "./json-schema.ts";

type Rng = () => number;
export interface AdminCase {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

/** Connectors of the run: `live` exists (a FileStreamSource), `ghost` never does. */
export interface Names {
  readonly live: string;
  readonly ghost: string;
  readonly file: string;
  readonly topic: string;
}

function valids(rng: Rng, n: Names): [string, string, unknown][] {
  const config = {
    "connector.class": pick(rng, ["FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"]),
    file: n.file,
    topic: n.topic,
    "tasks.max": "1",
  };
  const scratch = `fz-${int(rng, 1e9)}`;
  return [
    ["POST", "/connectors", { name: scratch, config }],
    ["PUT", `/connectors/${scratch}/config`, config],
    ["PUT", `/connectors/${n.live}/config`, config],
    ["PUT", "/connector-plugins/FileStreamSource/config/validate", { ...config, name: scratch }],
    [
      "PUT",
      "/connector-plugins/FileStreamSinkConnector/config/validate",
      { "connector.class": "FileStreamSink", topics: n.topic, name: scratch },
    ],
    [
      "PATCH",
      `/connectors/${n.ghost}/offsets`,
      { offsets: [{ partition: { filename: n.file }, offset: { position: 1 } }] },
    ],
    [
      "PATCH",
      `/connectors/${n.live}/offsets`,
      { offsets: [{ partition: { filename: n.file }, offset: { position: 0 } }] },
    ],
    [
      "PUT",
      `/admin/loggers/${pick(rng, ["org.example.fuzz", "root", "org.apache.kafka.connect"])}`,
      { level: pick(rng, ["INFO", "WARN"]) },
    ],
    ["POST", `/connectors/${n.live}/restart?includeTasks=${pick(rng, ["true", "false"])}&onlyFailed=true`, undefined],
    ["PUT", `/connectors/${pick(rng, [n.live, n.ghost])}/resume`, undefined],
  ];
}

/** Replaces one value somewhere inside `root` by `f(old)`. */
function somewhere(root: unknown, rng: Rng, f: (old: unknown) => unknown): unknown {
  if (root === null || typeof root !== "object" || rng() < 0.3) return f(root);
  const keys = Object.keys(root);
  if (keys.length === 0) return f(root);
  const k = pick(rng, keys);
  const copy = (Array.isArray(root) ? [...root] : { ...root }) as Record<string, unknown>;
  copy[k] = somewhere((root as Record<string, unknown>)[k], rng, f);
  return copy;
}

const nest = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const MARK = '"\u00a7X\u00a7"';
/** `value` as JSON with one value replaced by raw JSON text `raw`. */
const withRaw = (rng: Rng, value: unknown, raw: string) =>
  JSON.stringify(somewhere(value, rng, () => "\u00a7X\u00a7")).replace(MARK, raw);

function mutatedBody(rng: Rng, value: unknown): { label: string; body: string | Uint8Array; type?: string } {
  const json = JSON.stringify(value) ?? "null";
  switch (int(rng, 16)) {
    case 0:
      return {
        label: "wrong type",
        body: JSON.stringify(
          somewhere(value, rng, (o) =>
            typeof o === "string" ? pick(rng, [1, true, [], {}]) : pick(rng, ["x", 1, null]),
          ),
        ),
      };
    case 1:
      return { label: "missing field", body: JSON.stringify(somewhere(value, rng, () => undefined)) ?? "" };
    case 2:
      return {
        label: "extra field",
        body: JSON.stringify(
          somewhere(value, rng, (o) =>
            o && typeof o === "object" && !Array.isArray(o) ? { ...o, [randomString(rng, 6)]: randomJson(rng) } : o,
          ),
        ),
      };
    case 3:
      return {
        label: "huge number",
        body: withRaw(rng, value, pick(rng, ["1e400", "18446744073709551616", "-1e309", "1".repeat(1200), "0.1e-400"])),
      };
    case 4:
      return { label: "deep nesting", body: withRaw(rng, value, nest(pick(rng, [50, 999, 1001, 3000]))) };
    case 5:
      return {
        label: "lone surrogate",
        body: withRaw(rng, value, pick(rng, ['"\\ud800"', '"a\\udc00b"', '"\\ud800\\ud800"'])),
      };
    case 6:
      return {
        label: "invalid UTF-8",
        body: Buffer.concat([
          Buffer.from(json.slice(0, 1 + int(rng, json.length - 1))),
          Buffer.from(pick(rng, [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]])),
          Buffer.from(json.slice(1 + int(rng, json.length - 1))),
        ]),
      };
    case 7: {
      const dup = json.replace(/^\{"([^"]+)":/, (_m, k) => `{"${k}":${JSON.stringify(randomJson(rng, 1))},"${k}":`);
      return { label: "duplicate key", body: dup };
    }
    case 8:
      return {
        label: "NUL",
        body: pick(rng, [
          json.replace(/"$/, '\u0000"'),
          `${json}\u0000`,
          withRaw(rng, value, '"a\\u0000b"'),
          withRaw(rng, value, '"a\u0000b"'),
        ]),
      };
    case 9:
      return { label: "empty", body: pick(rng, ["", " ", "\r\n", "null", "{}", "[]", '""']) };
    case 10:
      return { label: "trailing data", body: `${json}${pick(rng, ["x", "{}", " 1", ",", "]"])}` };
    case 11:
      return { label: "truncated", body: json.slice(0, int(rng, json.length)) };
    case 12:
      return {
        label: "content type",
        body: json,
        type: pick(rng, [
          "text/plain",
          "application/xml",
          "application/json; charset=utf-16",
          "application/json;charset=ISO-8859-1",
          "bogus",
          "",
          "application/x-www-form-urlencoded",
        ]),
      };
    case 13:
      return { label: "UTF-16 body", body: Buffer.from(json, "utf16le"), type: "application/json; charset=utf-16le" };
    case 14:
      return { label: "root kind", body: JSON.stringify(pick(rng, [[value], 1, "s", true, null, [], {}])) };
    default:
      return {
        label: "big string",
        body: withRaw(rng, value, JSON.stringify("x".repeat(pick(rng, [10_000, 100_000])))),
      };
  }
}

const ODD_PATHS = [
  "/connectors/{live}/",
  "/connectors/{live}/status?x=%zz",
  "/connectors/{live}/tasks/abc/status",
  "/connectors/{live}/tasks/99999999999/status",
  "/connectors/{live}/tasks/-1/restart",
  "/connectors/%E2%82%AC",
  "/connectors/a%20b/config",
  "/connectors/{ghost}/topics/reset",
  "/connectors?expand=bogus&expand=status",
  "/connector-plugins?connectorsOnly=maybe",
  "/connector-plugins/nope/config",
  "/admin/loggers/%E2%82%AC",
  "/admin/loggers/root?scope=bogus",
  "/connectors/{live}/offsets?x=1",
  "/nope",
];

/** One request: a mutated body for an endpoint (3 of 4), or an odd path or method. */
export function adminCase(rng: Rng, n: Names): AdminCase {
  const fill = (p: string) => p.replaceAll("{live}", n.live).replaceAll("{ghost}", n.ghost);
  if (rng() < 0.25) {
    const method = pick(rng, ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);
    const path = fill(pick(rng, ODD_PATHS));
    const safe = method === "DELETE" && path.startsWith(`/connectors/${n.live}`) ? "GET" : method;
    return {
      label: `odd ${safe}`,
      method: safe,
      path,
      headers: { "Content-Type": "application/json" },
      body: safe === "GET" || safe === "OPTIONS" ? undefined : "{}",
    };
  }
  const [method, path, valid] = pick(rng, valids(rng, n));
  const m = mutatedBody(rng, valid ?? {});
  const headers: Record<string, string> = m.type === "" ? {} : { "Content-Type": m.type ?? "application/json" };
  return { label: `${m.label} ${method} ${path.replace(/\/fz-\d+\//, "/fz-N/")}`, method, path, headers, body: m.body };
}

/**
 * A 500 message reduced to its kind: Jackson's read and bind errors (Connect answers every one of
 * them 500: its exception mapper has no case for them) are one kind, others their first line with
 * digits and quoted names dropped.
 */
export function kindOf(message: string): string {
  if (message.includes("[Source: REDACTED")) return "Jackson";
  return message
    .split("\n")[0]!
    .replace(/\d+/g, "N")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`|\([^)]*\)/g, "Q")
    .slice(0, 32);
}

/** The kinds of 500 Connect answered in the recordings of test/fixtures/connect-rest. */
export function recordedServerErrorKinds(fixtures: string): Set<string> {
  const kinds = new Set<string>();
  for (const file of ["recordings.json", "edge-recordings.json"]) {
    const cases = JSON.parse(readFileSync(join(fixtures, file), "utf8")) as { status: number; body: string }[];
    for (const c of cases.filter((x) => x.status === 500)) {
      try {
        kinds.add(kindOf((JSON.parse(c.body) as { message: string }).message));
      } catch {
        kinds.add(kindOf(c.body));
      }
    }
  }
  return kinds;
}
