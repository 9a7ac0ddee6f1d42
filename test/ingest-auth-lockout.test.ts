/**
 * Basic authentication failures and lockouts on an ingest connector are visible to the operator
 * (explore4 J3: 401s were DEBUG lines and the block was logged nowhere, with no metric): one WARN
 * per block naming the address, the connector and the block's length, and counters on /metrics
 * (`ingest_auth_failures_total{connector,method}`, `ingest_auth_lockouts_total{connector}`), with
 * no password or user name in either; so is the global failure rate running out (a WARN at most once
 * a minute, `ingest_auth_global_limit_refusals_total{connector}`). The whole gateway on the shared
 * broker, fetch as the device.
 */
import { expect, test } from "bun:test";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { type Gateway, ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { parsePrometheus, sampleValue } from "./support/prometheus-text.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

/**
 * A gateway of its own (in a temp dir, both disposed with the result) with the basic connector
 * `tel` (meter-1) of `limits`, serving: its post as the device and its counters on /metrics.
 */
async function telGateway(limits: Record<string, string>) {
  await using stack = new AsyncDisposableStack();
  const dir = stack.use(await tempDir("ingest-auth-lockout-"));
  const gw = stack.use((await startIngestGateway(dir)).gw);
  // Disposed in reverse: the gateway, then its directory; here only if the connector did not start.
  const connector = await telConnector(gw, dir, limits);
  const owned = stack.move();
  return { gw, ...connector, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

async function telConnector(gw: Gateway, dir: TempDir, limits: Record<string, string>) {
  const topic = uniqueTopic("auth-lockout");
  await createTopic(topic);
  await Bun.write(dir.file("creds"), `meter-1:${await fastHash.bcrypt("right-pass-1")}\n`);
  const created = await gw.rest.put("/connectors/tel/config", {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/tel",
    "kafka.topic": topic,
    "ingest.auth.methods": "basic",
    "ingest.auth.basic.credentials.file": dir.file("creds"),
    ...limits,
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
      globalLimitRefusals: sampleValue(families, "ingest_auth_global_limit_refusals_total", { connector: "tel" }),
    };
  };
  return { post, counters };
}

/** Neither a user name nor a guessed password in the log or on /metrics. */
async function expectNoCredentials(gw: Gateway): Promise<void> {
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  for (const text of [gw.output(), metrics]) {
    expect(text).not.toContain("wrong-guess");
    expect(text).not.toContain("meter-1");
  }
}

test("failures.max wrong passwords from one address: one WARN for the block, failures and the lockout counted", async () => {
  await using tel = await telGateway({
    "ingest.auth.basic.failures.max": "3",
    "ingest.auth.basic.failures.lockout.ms": "600000",
    "ingest.auth.basic.failures.global.per.second": "0",
  });
  const { gw, post, counters } = tel;
  const before = await counters();
  expect(before).toEqual({ basic: 0, none: expect.any(Number), lockouts: 0, globalLimitRefusals: 0 });

  expect(await post()).toBe(401);
  const statuses = [];
  for (let i = 1; i <= 5; i++) statuses.push(await post(basic("meter-1", `wrong-guess-${i}`)));
  expect(statuses).toEqual([401, 401, 401, 429, 429]);
  expect(await counters()).toEqual({ basic: 3, none: before.none! + 1, lockouts: 1, globalLimitRefusals: 0 });

  const out = gw.output();
  expect(out.split("\n").filter((l) => l.includes("Blocking"))).toEqual([
    expect.stringMatching(
      /WARN \[tel\] Blocking 127\.0\.0\.1 for 600 s after repeated failed basic authentication attempts \(ingest\.auth\.basic\.failures\.max\)/,
    ),
  ]);
  await expectNoCredentials(gw);
});

// testdup: the global rate running out logged nothing and counted nothing.
test("past failures.global.per.second: every attempt needing a verify 429, one WARN, each refusal counted", async () => {
  await using tel = await telGateway({
    "ingest.auth.basic.failures.max": "0",
    // A burst of a tenth: the first failure leaves the budget empty for more than a minute.
    "ingest.auth.basic.failures.global.per.second": "0.01",
  });
  const { gw, post, counters } = tel;
  const statuses = [];
  for (let i = 1; i <= 4; i++) statuses.push(await post(basic("meter-1", `wrong-guess-${i}`)));
  expect(statuses).toEqual([401, 429, 429, 429]);
  expect(await counters()).toEqual({ basic: 1, none: expect.any(Number), lockouts: 0, globalLimitRefusals: 3 });
  expect(
    gw
      .output()
      .split("\n")
      .filter((l) => l.includes("Refusing basic")),
  ).toEqual([
    expect.stringContaining(
      "WARN [tel] Refusing basic authentication attempts that need a password verify (429): failed attempts of all clients together passed ingest.auth.basic.failures.global.per.second",
    ),
  ]);
  await expectNoCredentials(gw);
});
