/**
 * Credentials echoed by a refusing peer in forms the masking missed (secaudit), on the compiled
 * binary at log.level=TRACE with the real broker and real HTTP servers: static request headers named
 * for a signed or bearer credential (X-JWT-Assertion, X-Hub-Signature, X-Pwd, X-Bearer) in the HTTP
 * sink's and source's FAILED traces; a key-like form field (`api_key`) of the sink's PASSWORD
 * `security.oidc.token.request` quoted by the token endpoint's error_description; a non-ASCII Basic
 * credential echoed as Latin-1 (`é` as `Ã©`, as Java servlet containers decode it) in the DLQ
 * context headers. Each shows `[hidden]`, and the log never holds its test's marker.
 */
import { expect, test } from "bun:test";
import { deadLetterKeys } from "./support/dead-letter-keys.ts";
import { produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({ "log.level": "TRACE" });

const SECRETS = {
  "X-JWT-Assertion": "jwt-S3cretMarker-01",
  "X-Hub-Signature": "sha256=sig-S3cretMarker-02",
  "X-Pwd": "pwd-S3cretMarker-03",
  "X-Bearer": "bearer-S3cretMarker-04",
};

// A marker per test, so that one leak fails only the test of the form that leaked.
const API_KEY = "api-T0kenReqMarker-key-01";

const CREDENTIAL = 'alice:pa"ss\\wo/rd-Lat1nMarké';

test("header values named for credentials never show in traces or logs when an endpoint echoes them", async () => {
  using endpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => new Response(`refused ${JSON.stringify(Object.fromEntries(req.headers))}`, { status: 401 }),
  });
  const topic = uniqueTopic("secret-header-names");
  const sinkHeaders = Object.fromEntries(
    Object.entries(SECRETS).map(([name, value]) => [`sink.header.${name}`, value]),
  );
  expect(
    (
      await suite.gw.rest.post("/connectors", {
        name: "header-names-sink",
        config: {
          "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
          topics: topic,
          url: `http://127.0.0.1:${endpoint.port}/in`,
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
          ...sinkHeaders,
        },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await suite.gw.rest.post("/connectors", {
        name: "header-names-source",
        config: {
          "connector.class": "io.confluent.connect.http.HttpSourceConnector",
          "http.url": `http://127.0.0.1:${endpoint.port}/events`,
          "kafka.topic": topic,
          "http.headers": Object.entries(SECRETS)
            .map(([name, value]) => `${name}: ${value}`)
            .join(", "),
        },
      })
    ).status,
  ).toBe(201);
  await produce(topic, [{ value: "v" }]);
  const traces = await waitFor(
    async () => {
      const all = await Promise.all(
        ["header-names-sink", "header-names-source"].map(
          async (name) => (await suite.gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0],
        ),
      );
      return all.every((t) => t?.state === "FAILED") ? all.map((t) => t.trace as string) : undefined;
    },
    { what: "both tasks FAILED" },
  );
  // The endpoint's echo is in the traces, with each header's value hidden.
  for (const trace of traces) expect(trace).toContain('"x-jwt-assertion":"[hidden]"');
  for (const text of [...traces, suite.gw.output()]) {
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(text).not.toContain("S3cretMarker");
  }
});

test("a token endpoint echoing a key-like form field of the token request shows it as [hidden]", async () => {
  using tokenEndpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const values = [...new URLSearchParams(await req.text()).values()].join(" ");
      return Response.json({ error: "invalid_request", error_description: `got ${values}` }, { status: 400 });
    },
  });
  const topic = uniqueTopic("token-request-echo");
  const created = await suite.gw.rest.post("/connectors", {
    name: "token-request-sink",
    config: {
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      topics: topic,
      url: `http://127.0.0.1:${tokenEndpoint.port}/in`,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "security.oidc.token.endpoint.url": `http://127.0.0.1:${tokenEndpoint.port}/token`,
      "security.oidc.token.request": `grant_type=client_credentials&client_id=gw&api_key=${API_KEY}`,
    },
  });
  expect(created.status).toBe(201);
  await produce(topic, [{ value: "v" }]);
  const trace = await waitFor(
    async () => {
      const task = (await suite.gw.rest.get("/connectors/token-request-sink/status")).body.tasks?.[0];
      return task?.state === "FAILED" ? (task.trace as string) : undefined;
    },
    { what: "the task FAILED" },
  );
  expect(trace).toStartWith(
    `org.apache.kafka.connect.errors.ConnectException: the OIDC token endpoint http://127.0.0.1:${tokenEndpoint.port}/token answered HTTP 400 (invalid_request: got client_credentials gw [hidden])`,
  );
  expect(suite.gw.output()).toContain("got client_credentials gw [hidden]");
  expect(suite.gw.output()).not.toContain("T0kenReqMarker");
});

test("a non-ASCII Basic credential echoed as Latin-1 shows [hidden] in the DLQ headers and the log", async () => {
  using endpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => {
      const basic = (req.headers.get("authorization") ?? "").replace(/^Basic /, "");
      return Response.json({ refused: Buffer.from(basic, "base64").toString("latin1") }, { status: 400 });
    },
  });
  const topic = uniqueTopic("latin1-echo");
  const dlq = `${topic}-dlq`;
  const created = await suite.gw.rest.post("/connectors", {
    name: "latin1-sink",
    config: {
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      topics: topic,
      url: `http://127.0.0.1:${endpoint.port}/in`,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "sink.header.Authorization": CREDENTIAL,
      ...deadLetterKeys(dlq),
    },
  });
  expect(created.status).toBe(201);
  await produce(topic, [{ value: "v" }]);
  const [dead] = await readTopic(dlq, 1);
  const message = String(dead!.headers["__connect.errors.exception.message"]);
  expect(message).toStartWith(
    `HTTP 400 from POST http://127.0.0.1:${endpoint.port}/in after 1 attempt(s): {"refused":"[hidden]"}`,
  );
  for (const text of [...Object.values(dead!.headers).map(String), suite.gw.output()]) {
    expect(text).not.toContain("Lat1nMark");
  }
});
