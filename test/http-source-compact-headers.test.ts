/**
 * castorm's compact http.headers form (`Name:value,Name2:value2`) starts a header at every comma
 * before a `Name:` (b6ddc00, as castorm's connector): `X-Hosts:a:8080,b:8080` is sent as two
 * headers, X-Hosts and b, where the spaced form keeps one. An operator who upgraded gets a WARN at
 * each start of the connector naming the headers (never a value, nor the names after a credential
 * header, pieces of its value); the connector runs as configured. Compiled binary when GATEWAY_BIN
 * is set.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a compact header list split into several headers: a WARN at each start naming them, no value", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir("http-source-compact-");
  using api = startApi(() => Response.json([]));
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
  });
  // Long, unlikely markers (a random id in the log, a cluster id or a topic suffix, never holds one):
  // `<key>:<port>,<name>:<value>`, each item a name then a digit after its colon (headers.ts JOINED).
  const [k3y, port, name, value] = ["zq8-k3y-7xvw1", "424242-zq8-v9", "zq8-s3cr3t-h7n", "979797-zq8-w3"];
  const headers = `X-Hosts:a:8080,b:8080,X-Api-Key:${k3y}:${port},${name}:${value},X-One:x:1\\,y:2,Accept:text/plain`;
  const created = await gw.rest.put("/connectors/compact/config", {
    "connector.class": "io.confluent.connect.http.HttpSourceConnector",
    "http.url": `${api.base}/events`,
    "http.headers": headers,
    "kafka.topic": uniqueTopic("compact"),
    "http.timer.interval.ms": "60000",
  });
  expect(created.status).toBe(201);
  await waitFor(() => api.seen.length > 0, { what: "the first request" });
  const sent = api.seen[0]!.headers;
  expect([sent.get("x-hosts"), sent.get("b"), sent.get("x-one")]).toEqual(["a:8080", "8080", "x:1,y:2"]);

  const warned = (line: string) => line.includes("castorm's compact form");
  const warnings = () => gw.output().split("\n").filter(warned);
  await waitFor(() => warnings().length === 2, { what: "the WARNs at start" });
  const [hosts, key] = warnings();
  expect(hosts).toContain(" WARN [compact|worker] http.headers is in castorm's compact form");
  expect(hosts).toContain(
    ": X-Hosts, b are sent as 2 separate headers. If they are one header's value, escape its commas as \\, (e.g. Name:host1:8080\\,host2:8080)",
  );
  expect(key).toContain(
    ": X-Api-Key and 1 more (whose names are not shown: they may be part of its value) are sent as 2 separate headers",
  );
  for (const secret of [k3y, port, name, value]) expect(gw.output()).not.toContain(secret);

  // Once per start: a restart of the connector warns again.
  expect((await gw.rest.post("/connectors/compact/restart", {})).status).toBe(204);
  await waitFor(() => warnings().length === 4, { what: "the WARNs at the restart" });
  expect((await gw.rest.get("/connectors/compact/status")).body.connector.state).toBe("RUNNING");
}, 60_000);
