/**
 * The device ingest endpoint against the HTTP clients real devices and edge apps use, each with its
 * own defaults (test/support/device-clients.ts): Java's HttpClient (HTTP/2 first: `Upgrade: h2c` on
 * plain http, ALPN h2 over TLS), Python's http.client,
 * curl --http2 (h2c upgrade, ALPN h2, `Expect: 100-continue` over 1 KB), Node's and Bun's fetch, on
 * the plain listener, the https listener (node:tls front end) and the same with a client
 * certificate (mTLS, the connector requiring it). Over one keep-alive client each sends single
 * JSON, a batch with an Idempotency-Key and its retry, NDJSON, raw bytes, REST Proxy v2 (json,
 * binary) and v3 (single, streaming, :batch), refused requests (gzip Content-Encoding, over the
 * body limit, a wrong Content-Type) and a body of exactly the limit, then one more record: every
 * answer is what the README promises, and a consumer finds exactly the records, keys, values and
 * headers expected (nothing of a refused request). The compiled binary with GATEWAY_BIN.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { type Case, cases, LIMIT, printable } from "./support/device-client-cases.ts";
import {
  type BuiltClients,
  buildClients,
  CLIENTS,
  type ClientAnswer,
  type ClientName,
  type ClientTarget,
  runClient,
} from "./support/device-clients.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "./support/device-pki.ts";
import { readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const openTopic = uniqueTopic("dev-clients");
const mtlsTopic = uniqueTopic("dev-clients-mtls");
let pki: DevicePki;
let device: DeviceCert;
let built: BuiltClients;
let https = "";

const suite = suiteGateway(async (dir) => {
  pki = await makeDevicePki(dir.path);
  device = await pki.issue("device", "device-1");
  return {
    "ingest.listeners": "http://127.0.0.1:0,https://127.0.0.1:0",
    "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
    "ingest.listeners.https.ssl.truststore.location": pki.caCert,
    "ingest.listeners.https.ssl.client.auth": "requested",
  };
});

const connector = (path: string, topic: string, extra: Record<string, string> = {}) => ({
  "connector.class": "HttpIngestSource",
  "ingest.path": path,
  "kafka.topic": topic,
  "ingest.key.source": "header",
  "ingest.headers.allowlist": "X-Site",
  "ingest.headers.content.type": "content-type",
  "ingest.max.body.bytes": String(LIMIT),
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
  ...extra,
});

beforeAll(async () => {
  const building = buildClients(suite.dir.path);
  https = (await suite.gw.waitForOutput(/Ingest listener open at (https:\/\/\S+?)\/?\s/))[1]!;
  for (const [name, config] of [
    ["dc-open", connector("/ingest/dc", openTopic)],
    [
      "dc-mtls",
      connector("/ingest/dc-m", mtlsTopic, { "ingest.auth.methods": "mtls", "ingest.acl.allow": "device-*" }),
    ],
  ] as const)
    expect((await suite.gw.rest.post("/connectors", { name, config })).status).toBe(201);
  // A probe that writes nothing: malformed JSON is 400 once the route has a running task (503 before).
  for (const path of ["/ingest/dc", "/ingest/dc-m"])
    await waitFor(
      async () =>
        (
          await fetch(`${suite.ingest}${path}`, {
            method: "POST",
            body: "{",
            headers: { "content-type": "application/json" },
          })
        ).status !== 503 || undefined,
      { what: `route ${path} with a running task` },
    );
  built = await building;
}, 300_000);

type Listener = "http" | "https" | "mtls";
const LISTENERS: readonly Listener[] = ["http", "https", "mtls"];

function target(listener: Listener): ClientTarget {
  if (listener === "http") return { base: suite.ingest };
  if (listener === "https") return { base: https, ca: pki.caCert };
  return { base: https, ca: pki.caCert, cert: device.cert, key: device.key };
}

/** Node's fetch takes no client certificate (no TLS options at all): no mTLS run for it. */
const runs = CLIENTS.flatMap((client) =>
  LISTENERS.filter((l) => !(client === "node" && l === "mtls")).map((listener) => ({ client, listener })),
);

interface RunResult {
  readonly tag: string;
  readonly topic: string;
  readonly cases: Case[];
  readonly answers: ClientAnswer[];
}

async function run(client: ClientName, listener: Listener): Promise<RunResult> {
  const tag = `${client}-${listener}`;
  const [path, topic] = listener === "mtls" ? ["/ingest/dc-m", mtlsTopic] : ["/ingest/dc", openTopic];
  const list = cases(tag, path, topic);
  const dir = suite.dir.file(`run-${tag}`);
  mkdirSync(dir, { recursive: true });
  const answers = await runClient(client, built, target(listener), dir, list);
  return { tag, topic, cases: list, answers };
}

async function output(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { stdin: new Uint8Array(0), stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return `${out}${err}`;
}

describe("ALPN on the https listener", () => {
  test("http/1.1 is selected, so a client that assumes HTTP/2 when ALPN agrees on nothing speaks HTTP/1.1", async () => {
    // curl --http2-prior-knowledge offers h2,http/1.1 and, with no protocol agreed, sent the HTTP/2
    // preface over TLS: the listener dropped the connection without an answer (curl exit 55).
    const curl = await output([
      "curl",
      "-sS",
      "--max-time",
      "20",
      "--http2-prior-knowledge",
      "--cacert",
      pki.caCert,
      "-H",
      "Content-Type: application/json",
      "--data-binary",
      "{",
      "-w",
      "\t%{http_code}\t%{http_version}",
      `${https}/ingest/dc`,
    ]);
    expect(curl).toMatch(/^\{"error_code":400,"message":"[^"]+"\}\t400\t1\.1$/);
    const hostPort = new URL(https).host;
    const offered = (alpn: string) =>
      output(["openssl", "s_client", "-connect", hostPort, "-alpn", alpn, "-CAfile", pki.caCert]);
    expect(await offered("h2,http/1.1")).toContain("ALPN protocol: http/1.1");
    // An HTTP/1.0 device (curl --http1.0 offers only http/1.0) is served too.
    expect(await offered("http/1.0")).toContain("ALPN protocol: http/1.0");
    const http10 = await output([
      "curl",
      "-sS",
      "--max-time",
      "20",
      "--http1.0",
      "--cacert",
      pki.caCert,
      "-H",
      "Content-Type: application/json",
      "--data-binary",
      "{",
      "-w",
      "\t%{http_code}",
      `${https}/ingest/dc`,
    ]);
    expect(http10).toMatch(/^\{"error_code":400,"message":"[^"]+"\}\t400$/);
    // A client that offers only h2 is told at once (RFC 7301's alert), not after its first request.
    expect(await offered("h2")).toContain("no application protocol");
  }, 60_000);
});

describe("device clients", () => {
  const results = new Map<string, RunResult>();

  test("every client on every listener gets the README's answers, in order, over keep-alive", async () => {
    // Two clients at a time: the machine has two cores, shared with the gateway and the broker.
    const queue = [...runs];
    const wrong: string[] = [];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          const result = await run(next.client, next.listener);
          results.set(result.tag, result);
        } catch (error) {
          wrong.push(String(error).slice(0, 3000));
        }
      }
    };
    await Promise.all([worker(), worker()]);
    for (const { tag, cases: list, answers } of results.values()) {
      list.forEach((c, i) => {
        const got = answers[i]!;
        const answer = typeof c.answer === "number" ? answers[c.answer]!.body : c.answer;
        const fits = typeof answer === "string" ? got.body === answer : answer.test(got.body);
        if (got.status !== c.status || !fits || !/^HTTP[/_]1[._]1$/.test(got.version))
          wrong.push(`${tag} ${c.name}: ${got.version} ${got.status} ${got.body.slice(0, 300)}`);
      });
      // Keep-alive: curl tells which requests opened a connection. Only the 413 (over the limit,
      // answered before its body was read) closes one; every other refusal keeps it usable.
      if (tag.startsWith("curl-")) {
        const opened = list.filter((_, i) => answers[i]!.connects !== 0).map((c) => c.name);
        if (opened.join() !== "single JSON,wrong v2 Content-Type")
          wrong.push(`${tag} opened a connection for: ${opened.join(", ")}`);
      }
    }
    if (wrong.length > 0) {
      // Which deadline or refusal of the https listener closed a connection, if one did.
      const metrics = await (await fetch(`${suite.gw.url}/metrics`)).text();
      wrong.push(
        `gateway: ${metrics
          .split("\n")
          .filter((l) => /^ingest_tls_\w+\{/.test(l))
          .join("; ")}`,
      );
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  test("Kafka has exactly the records of the accepted requests: keys, values, headers", async () => {
    const all = [...results.values()];
    expect(all.length).toBe(runs.length);
    const expectedIn = (topic: string) =>
      all.filter((r) => r.topic === topic).reduce((n, r) => n + r.cases.reduce((m, c) => m + c.records.length, 0), 0);
    const read = [
      ...(await readTopic(openTopic, expectedIn(openTopic))),
      ...(await readTopic(mtlsTopic, expectedIn(mtlsTopic))),
    ];
    const wrong: string[] = [];
    for (const { tag, cases: list } of all) {
      const mine = read.filter((r) => r.key?.toString().includes(`${tag}/`));
      const expected = list.flatMap((c) => c.records);
      const shown = (key: string, value: string, headers: Record<string, string>) =>
        JSON.stringify({ key, value, headers: Object.fromEntries(Object.entries(headers).sort()) });
      const got = mine.map((r) => {
        const headers = Object.fromEntries(Object.entries(r.headers).map(([n, v]) => [n, String(v)]));
        return shown(r.key!.toString(), printable(r.value!), headers);
      });
      const want = expected.map((e) => {
        const identity: Record<string, string> = tag.endsWith("-mtls") ? { "ingest.identity": "device-1" } : {};
        const headers = { ...identity, ...e.headers };
        return shown(e.key, typeof e.value === "string" ? e.value : printable(e.value), headers);
      });
      const only = (xs: string[], ys: string[]) => xs.filter((x) => !ys.includes(x));
      for (const x of only(want, got)) wrong.push(`${tag} missing ${x}`);
      for (const x of only(got, want)) wrong.push(`${tag} unexpected ${x}`);
      if (mine.length !== expected.length) wrong.push(`${tag}: ${mine.length} records, ${expected.length} expected`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
