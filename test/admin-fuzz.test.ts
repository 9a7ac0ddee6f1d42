/**
 * Fuzzing the admin REST API (Connect's) with a seeded PRNG (test/support/admin-fuzz-cases.ts): the
 * gateway (the compiled binary when GATEWAY_BIN is set) with one running FileStreamSource, and
 * mutated bodies for create, config, validate, offsets, loggers, restart and resume, plus odd
 * paths and methods. Every refusal must be Connect's `{"error_code","message"}` with error_code
 * equal to the status (Jetty's own 400 for a Content-Type that is no media type excepted, as
 * Connect's Jetty answers it), a 5xx only a 500 of a kind Connect 4.3.1 answers 500 in the
 * project's recordings (never one where Connect gives a 4xx), and afterwards the gateway and its
 * connector still run. A failure names its case's index: rerun with the same SEED.
 */

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { adminCase, kindOf, recordedServerErrorKinds } from "./support/admin-fuzz-cases.ts";
import { createTopic, REPO, uniqueTopic } from "./support/kafka.ts";
import { mulberry32 } from "./support/prng.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const SEED = 20261203;
const CASES = 600;
const suite = suiteGateway();

/** What an answer breaks of Connect's error contract (null when it keeps it). */
function broken(status: number, contentType: string | undefined, text: string, kinds: Set<string>): string | null {
  if (status < 400) return null;
  let body: { error_code?: unknown; message?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    // Jetty refuses a Content-Type that is no media type before Connect sees the request.
    return status === 400 && contentType !== undefined && !contentType.includes("/") ? null : "not JSON";
  }
  if (body.error_code !== status || typeof body.message !== "string") return "not {error_code,message}";
  if (status >= 500 && (status !== 500 || !kinds.has(kindOf(body.message))))
    return `a ${status} of a kind Connect does not answer 500: ${kindOf(body.message)}`;
  return null;
}

describe("admin REST API fuzzed", () => {
  test(`${CASES} mutated requests: Connect's error shape, 500 only where Connect answers 500, the gateway goes on`, async () => {
    const kinds = recordedServerErrorKinds(join(REPO, "test", "fixtures", "connect-rest"));
    const topic = uniqueTopic("admin-fuzz");
    await createTopic(topic, 1);
    const names = { live: "fuzz-live", ghost: "fuzz-ghost", file: suite.dir.file("in.txt"), topic };
    await Bun.write(names.file, "line\n");
    const created = await suite.gw.rest.post("/connectors", {
      name: names.live,
      config: { "connector.class": "FileStreamSource", file: names.file, topic },
    });
    expect(created.status).toBe(201);

    const rng = mulberry32(SEED);
    const problems: string[] = [];
    const statuses = new Set<number>();
    for (let i = 0; i < CASES; i++) {
      const c = adminCase(rng, names);
      // A new connection each: a refusal Jetty closes after without saying so (a 414 for a path
      // past 8 KB, as the clean-up's DELETE of a long name gets) would otherwise reset the next case.
      const r = await fetch(`${suite.gw.url}${c.path}`, {
        method: c.method,
        headers: c.headers,
        body: c.body,
        keepalive: false,
      });
      const text = await r.text();
      statuses.add(r.status);
      const problem = broken(r.status, c.headers["Content-Type"], text, kinds);
      if (problem) problems.push(`#${i} ${c.label} → ${r.status}: ${problem} (${text.slice(0, 160)})`);
      // Leave no connector a case created behind for the next cases.
      const scratch =
        /^\/connectors\/(fz-\d+)\/config$/.exec(c.path)?.[1] ??
        (c.path === "/connectors" && r.status === 201 ? JSON.parse(text).name : undefined);
      if (scratch && r.status < 300)
        await fetch(`${suite.gw.url}/connectors/${scratch}`, { method: "DELETE", keepalive: false });
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The cases reached Connect's endpoints: some were taken, some refused, some were Jackson's 500s.
    expect([200, 400, 500].map((s) => statuses.has(s))).toEqual([true, true, true]);
    expect((await fetch(`${suite.gw.url}/`)).status).toBe(200);
    await waitFor(
      async () => (await suite.gw.rest.get(`/connectors/${names.live}/status`)).body.connector?.state === "RUNNING",
      { what: "the fuzzed connector running" },
    );
  }, 60_000);
});
