/**
 * The HTTP sink's `security.oidc.token.request` is a PASSWORD: a token endpoint that refuses it and
 * quotes its key-like form fields (`api_key`) in its error_description shows `[hidden]` for them in
 * the FAILED trace and the log (secaudit: only fields named secret, password, assertion or token
 * were hidden). Compiled binary, real broker, a real token endpoint.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const API_KEY = "api-S3cretMarker-key-01";

test("a token endpoint echoing a key-like form field of the token request shows it as [hidden]", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  using tokenEndpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const values = [...new URLSearchParams(await req.text()).values()].join(" ");
      return Response.json({ error: "invalid_request", error_description: `got ${values}` }, { status: 400 });
    },
  });
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "log.level": "TRACE" },
  });
  const topic = uniqueTopic("token-request-echo");
  const created = await gw.rest.post("/connectors", {
    name: "sink",
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
      const task = (await gw.rest.get("/connectors/sink/status")).body.tasks?.[0];
      return task?.state === "FAILED" ? (task.trace as string) : undefined;
    },
    { what: "the task FAILED" },
  );
  expect(trace).toStartWith(
    `org.apache.kafka.connect.errors.ConnectException: the OIDC token endpoint http://127.0.0.1:${tokenEndpoint.port}/token answered HTTP 400 (invalid_request: got client_credentials gw [hidden])`,
  );
  expect(gw.output()).toContain("got client_credentials gw [hidden]");
  expect(gw.output()).not.toContain("S3cretMarker");
});
