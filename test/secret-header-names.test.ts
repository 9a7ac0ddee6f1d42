/**
 * Static request headers named for a signed or bearer credential (X-JWT-Assertion, X-Hub-Signature,
 * X-Pwd, X-Bearer) are secrets like X-Api-Key: an endpoint that refuses the request and echoes its
 * headers shows `[hidden]` for their values in the HTTP sink's and source's FAILED traces and in the
 * gateway's log at TRACE (secaudit: they showed in clear). Compiled binary, real broker, a real
 * echoing HTTP server.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const SECRETS = {
  "X-JWT-Assertion": "jwt-S3cretMarker-01",
  "X-Hub-Signature": "sha256=sig-S3cretMarker-02",
  "X-Pwd": "pwd-S3cretMarker-03",
  "X-Bearer": "bearer-S3cretMarker-04",
};

test("header values named for credentials never show in traces or logs when an endpoint echoes them", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  using endpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => new Response(`refused ${JSON.stringify(Object.fromEntries(req.headers))}`, { status: 401 }),
  });
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "log.level": "TRACE" },
  });
  const topic = uniqueTopic("secret-header-names");
  const sinkHeaders = Object.fromEntries(
    Object.entries(SECRETS).map(([name, value]) => [`sink.header.${name}`, value]),
  );
  expect(
    (
      await gw.rest.post("/connectors", {
        name: "sink",
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
      await gw.rest.post("/connectors", {
        name: "source",
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
        ["sink", "source"].map(async (name) => (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0]),
      );
      return all.every((t) => t?.state === "FAILED") ? all.map((t) => t.trace as string) : undefined;
    },
    { what: "both tasks FAILED" },
  );
  // The endpoint's echo is in the traces, with each header's value hidden.
  for (const trace of traces) expect(trace).toContain('"x-jwt-assertion":"[hidden]"');
  for (const text of [...traces, gw.output()]) {
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(text).not.toContain("S3cretMarker");
  }
});
