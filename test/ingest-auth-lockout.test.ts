/**
 * Basic authentication failures and lockouts on an ingest connector are visible to the operator
 * (explore4 J3: 401s were DEBUG lines and the block was logged nowhere, with no metric): one WARN
 * per block naming the address, the connector and the block's length, and counters on /metrics
 * (`ingest_auth_failures_total{connector,method}`, `ingest_auth_lockouts_total{connector}`), with
 * no password or user name in either. The whole gateway on the shared broker, fetch as the device.
 */
import { expect, test } from "bun:test";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { parsePrometheus, sampleValue } from "./support/prometheus-text.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

test("failures.max wrong passwords from one address: one WARN for the block, failures and the lockout counted", async () => {
  await using dir = await tempDir("ingest-auth-lockout-");
  await using gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": (await kafkaBroker()).bootstrap,
      "data.dir": dir.file("data"),
      "ingest.listeners": "http://127.0.0.1:0",
    },
  });
  const topic = uniqueTopic("auth-lockout");
  await createTopic(topic);
  await Bun.write(dir.file("creds"), `meter-1:${await fastHash.bcrypt("right-pass-1")}\n`);
  const created = await gw.rest.put("/connectors/tel/config", {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/tel",
    "kafka.topic": topic,
    "ingest.auth.methods": "basic",
    "ingest.auth.basic.credentials.file": dir.file("creds"),
    "ingest.auth.basic.failures.max": "3",
    "ingest.auth.basic.failures.lockout.ms": "600000",
    "ingest.auth.basic.failures.global.per.second": "0",
  });
  expect(created.status).toBe(201);
  const url = `${await ingestUrlOf(gw)}/ingest/tel`;
  const post = async (headers: Record<string, string> = {}) =>
    (await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: "{}" }))
      .status;
  await waitFor(async () => (await post()) === 401, { what: "tel serving" });
  const counters = async () => {
    const families = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
    return {
      basic: sampleValue(families, "ingest_auth_failures_total", { connector: "tel", method: "basic" }),
      none: sampleValue(families, "ingest_auth_failures_total", { connector: "tel", method: "none" }),
      lockouts: sampleValue(families, "ingest_auth_lockouts_total", { connector: "tel" }),
    };
  };
  const before = await counters();
  expect(before).toEqual({ basic: 0, none: expect.any(Number), lockouts: 0 });

  expect(await post()).toBe(401);
  const statuses = [];
  for (let i = 1; i <= 5; i++) statuses.push(await post(basic("meter-1", `wrong-guess-${i}`)));
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  expect(await counters()).toEqual({ basic: 3, none: before.none! + 1, lockouts: 1 });

  const out = gw.output();
  expect(out.split("\n").filter((l) => l.includes("Blocking"))).toEqual([
    expect.stringMatching(
      /WARN \[tel\] Blocking 127\.0\.0\.1 for 600 s after repeated failed basic authentication attempts \(ingest\.auth\.basic\.failures\.max\)/,
    ),
  ]);
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  for (const text of [out, metrics]) {
    expect(text).not.toContain("wrong-guess");
    expect(text).not.toContain("meter-1");
  }
});
