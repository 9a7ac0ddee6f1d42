/**
 * The README's worked examples of the HTTP source (github-events-source) and the HTTP sink
 * (orders-to-api), run as written: the bash blocks under "## HTTP source connector" and "## HTTP
 * sink connector", command by command through `bash -c` with the README's quoting, against the
 * gateway (the compiled binary under GATEWAY_BIN) with the worker settings `scripts/run` uses
 * (config/worker.properties) and the real broker. Each command must exit 0; the answers the README
 * shows (`# RUNNING`, the offsets, the metric lines) must come (a command is typed again until they
 * do: a poll or an offset flush takes its time); the events reach Kafka once each; the endpoint gets
 * what the README says (path, Content-Type, the OIDC token, the JSON array of values), a record it
 * rejects with 400 lands in the dead letter queue with the HTTP headers, a 409 counts as delivered.
 *
 * Substitutions, the only ones a shared test machine needs: `localhost:8083` → the test's REST
 * address (port 0); `/run/secrets` and `/etc/gateway` → scratch directories; the outside services
 * → real local servers on 127.0.0.1, port 0 (`https://api.github.com` → a GitHub-style events API
 * over http that checks the Accept header and the token; `https://api.example.internal` and
 * `https://idp.example.internal` → one https server with a certificate of a CA made by openssl,
 * whose CA file stands for `/etc/gateway/ca.pem`); the topics `github-events`, `orders` and
 * `orders-rejected` → unique topics. `$GITHUB_TOKEN` and `$CLIENT_SECRET` are set in the commands'
 * environment. Source offsets are flushed every second instead of 10 s (the README's 10 s is checked
 * against config/worker.properties), so the offsets show sooner. The working directory is a scratch directory with `config/worker.properties` (the
 * file `scripts/run` reads) as the gateway's worker file; where the README says to restart the
 * gateway after adding the config provider, the test restarts it with that file. The README's steps
 * for carrying a source offset over to an edited http.url (prose, no block) are followed too, and
 * the `http.headers` examples of its "Requests" item are split as it says.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseHeaders } from "../src/connectors/http-source/headers.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { githubEvent, startApi, type TestApi } from "./support/http-api.ts";
import { kafkaBroker, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import {
  type CommandResult,
  curlHome,
  parseProperties,
  type ReadmeCommand,
  readmeCommands,
  readmeText,
  runReadmeCommand,
  shownAnswer,
  substitute,
  workerProperties,
} from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { makeTls, type TlsFiles } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

const GITHUB_TOKEN = "ghp_readme_example_0123456789";
const CLIENT_SECRET = "orders-client-secret-42";
const ACCESS_TOKEN = "orders-access-token-7";
const PER_PAGE = 4;
const PAGES = 2;
const eventsTopic = uniqueTopic("github-events");
const ordersTopic = uniqueTopic("orders");
const rejectedTopic = uniqueTopic("orders-rejected");

let dir: TempDir;
let home: string;
let tls: TlsFiles;
let gw: Gateway;
let github: TestApi;
let ordersApi: TestApi;

/** The paths and addresses on this machine (see the header); the gateway's address changes on restart. */
function substitutions(): [string, string][] {
  return [
    ["localhost:8083", new URL(gw.url).host],
    ["/run/secrets", dir.file("run-secrets")],
    ["/etc/gateway", dir.file("etc-gateway")],
    ["https://api.github.com", github.base],
    ["https://api.example.internal", ordersApi.base],
    ["https://idp.example.internal", ordersApi.base],
    ['"kafka.topic": "github-events"', `"kafka.topic": "${eventsTopic}"`],
    ['"topics": "orders"', `"topics": "${ordersTopic}"`],
    ['"orders-rejected"', `"${rejectedTopic}"`],
  ];
}

/** Runs a command with this machine's substitutions; unless `anyExit`, it must exit 0 and print nothing on stderr. */
async function run(command: ReadmeCommand, anyExit = false): Promise<CommandResult> {
  let text = command.text;
  for (const [from, to] of substitutions()) text = text.replaceAll(from, to);
  const result = await runReadmeCommand(text, {
    cwd: dir.path,
    curlHome: home,
    env: { GITHUB_TOKEN, CLIENT_SECRET },
  });
  if (!anyExit) {
    expect({ command: text, code: result.code, stderr: result.stderr }).toEqual({ command: text, code: 0, stderr: "" });
  }
  return result;
}

/**
 * Types the command again until it exits 0 with an answer that passes `check` (a poll, a flush or
 * a start takes time; `grep` exits 1 until the metric lines exist).
 */
function runUntil(command: ReadmeCommand, check: (result: CommandResult) => boolean, what: string) {
  return waitFor(
    async () => {
      const result = await run(command, true);
      return result.code === 0 && result.stderr === "" && check(result) ? result : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 200, what: `${what} from: ${command.text}` },
  );
}

function isRunning(output: string): boolean {
  const status = JSON.parse(output) as { connector: { state: string }; tasks: { state: string }[] };
  return (
    status.connector.state === "RUNNING" && status.tasks.length > 0 && status.tasks.every((t) => t.state === "RUNNING")
  );
}

async function startFrom(workerFile: string): Promise<Gateway> {
  return startGateway({ dir: join(workerFile, ".."), worker: parseProperties(readFileSync(workerFile, "utf8")) });
}

beforeAll(async () => {
  const kafka = await kafkaBroker();
  dir = await tempDir("readme-connectors-");
  home = curlHome(dir.file("curl-home"));
  mkdirSync(dir.file("etc-gateway"));
  mkdirSync(dir.file("run-secrets"));
  tls = await makeTls(dir.file("etc-gateway"));
  // The user's CA file for the orders API (the README's /etc/gateway/ca.pem).
  expect(tls.caCert).toBe(dir.file("etc-gateway/ca.pem"));

  github = startApi((req) => {
    if (req.headers.get("authorization") !== `Bearer ${GITHUB_TOKEN}`) return new Response("{}", { status: 401 });
    if (req.headers.get("accept") !== "application/vnd.github+json") return new Response("{}", { status: 415 });
    const page = Number(req.url.searchParams.get("page") ?? "1");
    const events = Array.from({ length: PER_PAGE }, (_, i) => githubEvent((page - 1) * PER_PAGE + i));
    const next = `<${github.base}/repos/apache/kafka/events?page=${page + 1}>; rel="next"`;
    return Response.json(events, { headers: page < PAGES ? { link: next } : {} });
  });
  ordersApi = startApi(
    (req) => {
      if (req.url.pathname === "/oauth2/token") {
        return Response.json({ access_token: ACCESS_TOKEN, token_type: "Bearer", expires_in: 3600 });
      }
      if (req.headers.get("authorization") !== `Bearer ${ACCESS_TOKEN}`) return new Response("no", { status: 401 });
      const orders = JSON.parse(req.body) as { id: number }[] | { id: number };
      const ids = (Array.isArray(orders) ? orders : [orders]).map((o) => o.id);
      if (ids.includes(3)) return new Response('{"error":"order 3 is invalid"}', { status: 400 });
      if (ids.length === 1 && ids[0] === 4) return new Response('{"error":"order 4 exists"}', { status: 409 });
      return new Response(null, { status: 201 });
    },
    { cert: readFileSync(tls.serverCert, "utf8"), key: readFileSync(tls.serverKey, "utf8") },
  );

  // config/worker.properties, the worker file scripts/run reads, as this machine needs it; source
  // offsets flushed every second, not 10 s (the README's wait for them is checked against the file).
  mkdirSync(dir.file("config"));
  const worker = {
    ...workerProperties(),
    "bootstrap.servers": kafka.bootstrap,
    listeners: "http://127.0.0.1:0",
    "data.dir": dir.file("data"),
    "offset.flush.interval.ms": "1000",
  };
  gw = await startGateway({ dir: dir.file("config"), worker });
});

afterAll(async () => {
  await gw?.[Symbol.asyncDispose]();
  github?.[Symbol.dispose]();
  ordersApi?.[Symbol.dispose]();
  await dir?.[Symbol.asyncDispose]();
});

describe("README: HTTP source worked example", () => {
  test("github-events-source works as written", async () => {
    const commands = await readmeCommands("## HTTP source connector", {
      replaced: ["localhost:8083", "/run/secrets", "https://api.github.com", '"kafka.topic": "github-events"'],
    });
    const [secret, providers, put, status, offsets, metrics] = commands;
    expect(commands.length).toBe(6);

    await run(secret!);
    expect(readFileSync(dir.file("run-secrets/github/token"), "utf8")).toBe(GITHUB_TOKEN);
    await run(providers!);
    // "restart the gateway so that it reads the provider"
    await gw.stop();
    gw = await startFrom(dir.file("config/worker.properties"));

    const created = await run(put!);
    expect(created.statuses).toEqual([201]);
    expect(JSON.parse(created.output)).toMatchObject({ name: "github-events-source", type: "source" });
    expect(status!.comment).toBe("RUNNING");
    await runUntil(status!, (r) => isRunning(r.output), "RUNNING");

    const records = await readTopic(eventsTopic, PER_PAGE * PAGES);
    expect(records.map((r) => ({ key: r.key, value: JSON.parse(r.value!.toString()) }))).toEqual(
      Array.from({ length: PER_PAGE * PAGES }, (_, n) => ({ key: null, value: githubEvent(n) })),
    );
    expect(github.seen.map((s) => s.url.searchParams.get("page"))).toEqual([null, "2"]);

    // "The offsets show once the first poll's are stored (every `offset.flush.interval.ms`: 10 s in
    // `config/worker.properties`, …)": the file says so; this gateway flushes every second.
    const flush = /every `offset\.flush\.interval\.ms`: (\d+) s in `config\/worker\.properties`/.exec(
      readmeText().replace(/\s+/g, " "),
    );
    expect(Number(flush?.[1]) * 1000).toBe(Number(workerProperties()["offset.flush.interval.ms"]));
    await runUntil(offsets!, (r) => shownAnswer(offsets!.comment!).test(r.output), `the answer ${offsets!.comment}`);
    const shownMetrics = await runUntil(
      metrics!,
      (r) => r.output.includes("http_source_records_polled_total"),
      "metrics",
    );
    const names = new Set(
      shownMetrics.output
        .trim()
        .split("\n")
        .map((l) => /^\w+/.exec(l)![0]),
    );
    expect([...names].filter((n) => !n.startsWith("http_source_request_duration_seconds_"))).toEqual([
      "http_source_requests_total",
      "http_source_errors_total",
      "http_source_records_polled_total",
    ]);
    expect(gw.output()).not.toContain(GITHUB_TOKEN);

    // "Edit it with `PATCH /connectors/{c}/offsets` on a stopped connector: `{…}`" (the url is the
    // connector's http.url).
    const edit = /Edit it with `PATCH \/connectors\/\{c\}\/offsets` on a stopped connector: `([^`]+)`/.exec(
      readmeText().replace(/\s+/g, " "),
    );
    expect(edit).not.toBeNull();
    const url = `${github.base}/repos/apache/kafka/events`;
    const body = JSON.parse(substitute(edit![1]!, [['"url":"…"', `"url":${JSON.stringify(url)}`]]));
    expect((await gw.rest.put("/connectors/github-events-source/stop")).status).toBe(204);
    const patched = await gw.rest.request("PATCH", "/connectors/github-events-source/offsets", body);
    expect({ status: patched.status, body: patched.body }).toEqual({
      status: 200,
      body: { message: expect.stringContaining("have been altered successfully") },
    });
    const stored = await gw.rest.get<any>("/connectors/github-events-source/offsets");
    expect(stored.body.offsets).toEqual([{ partition: { url }, offset: { offset: "2024-06-01T00:00:00Z" } }]);
    expect((await gw.rest.put("/connectors/github-events-source/resume")).status).toBe(202);
  });
});

/**
 * "To carry the offset over to an edited URL: stop the connector (`PUT …/stop`), `PUT` the new config
 * (it stays stopped), `PATCH` the offset under the new partition (its `url` written as `GET …/offsets`
 * shows the old one, with the same edit), then `PUT …/resume`": the steps as the README gives them,
 * on a TIMESTAMP source whose http.url moves from /v1/ to /v2/ (the README shows no config for it).
 * The first request to the new endpoint must carry the offset stored for the old one, not
 * http.initial.offset.
 */
describe("README: HTTP source, carrying the offset over to an edited http.url", () => {
  test("stop, PUT the new config (stays STOPPED), PATCH the offset under the new partition, resume", async () => {
    const steps =
      "To carry the offset over to an edited URL: stop the connector (`PUT …/stop`), `PUT` the new config (it stays stopped), `PATCH` the offset under the new partition (its `url` written as `GET …/offsets` shows the old one, with the same edit), then `PUT …/resume`";
    expect({ steps, inReadme: readmeText().replace(/\s+/g, " ").includes(steps) }).toEqual({ steps, inReadme: true });
    const LAST = "2024-07-01T00:00:00Z";
    using api = startApi((req) =>
      Response.json(
        req.url.pathname === "/v1/events" && req.url.searchParams.get("since") !== LAST ? [{ ts: LAST }] : [],
      ),
    );
    const name = "readme-carry-offset";
    const config = (path: string) => ({
      "connector.class": "HttpSource",
      "http.url": `${api.base}${path}?since=\${offset}`,
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.initial.offset": "2020-01-01T00:00:00Z",
      "http.response.records.path": "$[*]",
      "http.timer.interval.ms": "1000",
      "kafka.topic": uniqueTopic("readme-carry"),
    });
    expect((await gw.rest.put(`/connectors/${name}/config`, config("/v1/events"))).status).toBe(201);
    const offsets = async () => (await gw.rest.get<any>(`/connectors/${name}/offsets`)).body.offsets;
    await waitFor(async () => (await offsets())?.[0]?.offset?.offset === LAST, {
      what: "the /v1 endpoint's offset stored",
    });

    expect((await gw.rest.put(`/connectors/${name}/stop`)).status).toBe(204);
    const [old] = await offsets();
    expect((await gw.rest.put(`/connectors/${name}/config`, config("/v2/events"))).status).toBe(200);
    const status = await gw.rest.get<any>(`/connectors/${name}/status`);
    expect({ connector: status.body.connector.state, tasks: status.body.tasks }).toEqual({
      connector: "STOPPED",
      tasks: [],
    });
    // GET …/offsets still shows the old endpoint's partition; the same edit gives the new one.
    expect(await offsets()).toEqual([old]);
    const url = substitute(old.partition.url as string, [["/v1/events", "/v2/events"]]);
    const patched = await gw.rest.request("PATCH", `/connectors/${name}/offsets`, {
      offsets: [{ partition: { url }, offset: { offset: LAST } }],
    });
    expect(patched.status).toBe(200);
    expect((await gw.rest.put(`/connectors/${name}/resume`)).status).toBe(202);
    const first = await waitFor(() => api.seen.find((r) => r.url.pathname === "/v2/events"), {
      what: "a request to the edited http.url",
    });
    expect(first.url.searchParams.get("since")).toBe(LAST);
    expect((await gw.rest.delete(`/connectors/${name}`)).status).toBe(204);
  });
});

/**
 * The `http.headers` values the README's "Requests" item gives as examples, each split as it says
 * (one header, two headers), by the parser the HTTP source's task sends its headers with.
 */
describe("README: HTTP source, the http.headers examples", () => {
  test("each example is the number of headers the README says", () => {
    const text = readmeText().replace(/\s+/g, " ");
    const found = (pattern: RegExp) => {
      const m = pattern.exec(text);
      expect({ pattern: String(pattern), found: m !== null }).toEqual({ pattern: String(pattern), found: true });
      return m!.slice(1) as string[];
    };
    const names = (value: string) => parseHeaders(value).map(([name]) => name);
    const [links, hosts, window, castorm] = found(
      /so `([^`]+)`, `([^`]+)` and `([^`]+)` are one header each while castorm's `([^`]+)` is two/,
    );
    expect([links!, hosts!, window!].map(names)).toEqual([["X-Links"], ["X-Hosts"], ["X-Window"]]);
    expect(names(castorm!)).toEqual(["A", "B"]);
    expect(names(found(/`(A: x, 1X: y)` is two headers/)[0]!)).toEqual(["A", "1X"]);
    // "0f9e…": a raw key led by a digit, written out.
    const [credential] = found(/\(`(X-Hosts: a:8080, X-Api-Key:0f9e…)` is two headers/);
    expect(parseHeaders(substitute(credential!, [["0f9e…", "0f9e81c2"]]))).toEqual([
      ["X-Hosts", "a:8080"],
      ["X-Api-Key", "0f9e81c2"],
    ]);
    expect(names(found(/\(`(X-Window: 10:00, X-Limit:100)` is two headers\)/)[0]!)).toEqual(["X-Window", "X-Limit"]);
    const [compact] = found(
      /in castorm's compact form \(`([^`]+)`: no space after the header's colon nor after the comma\) a comma before a `Name:` always starts a header/,
    );
    expect(parseHeaders(compact!)).toEqual([
      ["X-Window", "10:00"],
      ["X-Limit", "100"],
    ]);
    expect(parseHeaders(found(/\(write `([^`]+)` for a compact host list[;)]/)[0]!)).toEqual([
      ["X-Hosts", "a:8080,b:8080"],
    ]);
  });
});

describe("README: HTTP sink worked example", () => {
  test("orders-to-api works as written", async () => {
    const commands = await readmeCommands("## HTTP sink connector", {
      replaced: [
        "localhost:8083",
        "/run/secrets",
        "/etc/gateway",
        "https://api.example.internal",
        "https://idp.example.internal",
        '"topics": "orders"',
        '"orders-rejected"',
      ],
    });
    const [secret, put, status, metrics] = commands;
    expect(commands.length).toBe(4);

    await run(secret!);
    expect(readFileSync(dir.file("run-secrets/orders-api/client_secret"), "utf8")).toBe(CLIENT_SECRET);
    const created = await run(put!);
    expect(created.statuses).toEqual([201]);
    expect(status!.comment).toBe("RUNNING");
    await runUntil(status!, (r) => isRunning(r.output), "RUNNING");

    await produce(
      ordersTopic,
      [1, 2, 3, 4, 5].map((id) => ({ value: JSON.stringify({ id, item: `part-${id}` }) })),
    );
    // "The endpoint receives POST /v1/orders/orders with Content-Type: application/json,
    // Authorization: Bearer <token> and a body [{"id":1,…},{"id":2,…}]"
    const delivered = await waitFor(
      () => {
        const ok = ordersApi.seen.filter((s) => s.url.pathname.startsWith("/v1/"));
        const ids = new Set(ok.flatMap((s) => [JSON.parse(s.body)].flat().map((o: { id: number }) => o.id)));
        return [1, 2, 3, 4, 5].every((id) => ids.has(id)) ? ok : undefined;
      },
      { what: "every order at the endpoint", timeoutMs: 60_000 },
    );
    // The first request is the batch of the first records (all five when they came in one poll).
    const first = delivered[0]!;
    const batch = (JSON.parse(first.body) as { id: number }[]).map((o) => o.id);
    const values = batch.map((id) => `{"id":${id},"item":"part-${id}"}`);
    expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => i + 1));
    expect({
      method: first.method,
      path: first.url.pathname,
      contentType: first.headers.get("content-type"),
      authorization: first.headers.get("authorization"),
      source: first.headers.get("x-source"),
      body: first.body,
    }).toEqual({
      method: "POST",
      path: `/v1/orders/${ordersTopic}`,
      contentType: "application/json",
      authorization: `Bearer ${ACCESS_TOKEN}`,
      source: "edge-gateway",
      body: `[${values.join(",")}]`,
    });
    const tokenRequests = ordersApi.seen.filter((s) => s.url.pathname === "/oauth2/token");
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(new Set(tokenRequests.map((s) => s.body))).toEqual(
      new Set([`grant_type=client_credentials&client_id=gateway&client_secret=${CLIENT_SECRET}`]),
    );

    // "A record the API rejects with 400 lands in orders-rejected with
    // __connect.errors.http.status.code=400, …response.body=<start of the answer>"; a 409 counts as delivered.
    const [rejected] = await readTopic(rejectedTopic, 1);
    expect(JSON.parse(rejected!.value!.toString())).toEqual({ id: 3, item: "part-3" });
    expect(String(rejected!.headers["__connect.errors.http.status.code"])).toBe("400");
    expect(String(rejected!.headers["__connect.errors.http.response.body"])).toBe('{"error":"order 3 is invalid"}');
    expect(String(rejected!.headers["__connect.errors.topic"])).toBe(ordersTopic);

    // The record counters are shown from the start at 0: wait for the final counts.
    const shownMetrics = await runUntil(
      metrics!,
      (r) =>
        /^http_sink_records_dlq_total\{connector="orders-to-api",task="\d"\} 1$/m.test(r.output) &&
        /^http_sink_records_sent_total\{connector="orders-to-api",task="\d"\} 4$/m.test(r.output),
      "metrics",
    );
    // "requests by status class, records sent / to the DLQ, batch sizes, latency, in flight"
    const sinkNames = new Set(
      shownMetrics.output
        .trim()
        .split("\n")
        .map((l) => /^\w+/.exec(l)![0]),
    );
    expect([...sinkNames].filter((n) => !/_(bucket|sum|count)$/.test(n)).sort()).toEqual([
      "http_sink_records_dlq_total",
      "http_sink_records_sent_total",
      "http_sink_requests_in_flight",
      "http_sink_requests_total",
    ]);
    expect(shownMetrics.output).toMatch(
      /^http_sink_requests_total\{connector="orders-to-api",task="\d",status_class="4xx"\} \d+$/m,
    );
    expect(shownMetrics.output).toMatch(/^http_sink_batch_size_count\{/m);
    expect(shownMetrics.output).toMatch(/^http_sink_request_duration_seconds_count\{/m);
    expect(shownMetrics.output).toMatch(/^http_sink_records_sent_total\{connector="orders-to-api",task="\d"\} 4$/m);
    expect(shownMetrics.output).toMatch(/^http_sink_records_dlq_total\{connector="orders-to-api",task="\d"\} 1$/m);
    expect(gw.output()).not.toContain(CLIENT_SECRET);
    expect(gw.output()).not.toContain(ACCESS_TOKEN);
  });
});
