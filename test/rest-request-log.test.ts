/**
 * The REST listeners' request log (src/rest/http1/request-log.ts), as Connect's RestServer writes
 * it: one INFO line per request under org.apache.kafka.connect.runtime.rest.RestServer, in Jetty's
 * extended NCSA format plus the milliseconds; the user is `-` (Connect's Basic authentication is a
 * JAX-RS filter Jetty's `%u` does not see), the credentials are nowhere; `/admin/loggers` turns it down.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { basicAuthWorker, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("REST request log", () => {
  test("one NCSA line per request, no credentials; /admin/loggers turns it off", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("request-log-");
    writeFileSync(dir.file("credentials"), `ops:${await Bun.password.hash("op-password-1", "bcrypt")}\n`);
    await using gw = await startGateway({
      dir: dir.path,
      worker: basicAuthWorker(kafka.bootstrap, dir),
    });
    const authorization = `Basic ${btoa("ops:op-password-1")}`;
    const headers = { Authorization: authorization, "User-Agent": "curl/8.0" };
    expect((await fetch(`${gw.url}/connectors?expand=status`, { headers })).status).toBe(200);
    const line = await waitFor(
      () =>
        gw
          .output()
          .split("\n")
          .find((l) => l.includes('"GET /connectors?expand=status HTTP/1.1"')),
      { what: "the request's log line" },
    );
    expect(line).toMatch(
      /^\[[^\]]+\] INFO 127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/connectors\?expand=status HTTP\/1\.1" 200 2 "" "curl\/8\.0" \d+ \(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)$/,
    );
    expect((await fetch(`${gw.url}/connectors/missing`, { headers })).status).toBe(404);
    await waitFor(() => gw.output().includes('"GET /connectors/missing HTTP/1.1" 404 '), { what: "the 404's line" });
    expect(gw.output()).not.toContain(authorization.slice(6));
    expect(gw.output()).not.toContain("op-password-1");

    const off = await fetch(`${gw.url}/admin/loggers/org.apache.kafka.connect.runtime.rest.RestServer`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ level: "WARN" }),
    });
    expect(off.status).toBe(200);
    expect((await fetch(`${gw.url}/connectors?after=off`, { headers })).status).toBe(200);
    // Each line is written before its answer is awaited here: after=off's would precede after=on's.
    await fetch(`${gw.url}/admin/loggers/org.apache.kafka.connect.runtime.rest.RestServer`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ level: "INFO" }),
    });
    expect((await fetch(`${gw.url}/connectors?after=on`, { headers })).status).toBe(200);
    await waitFor(() => gw.output().includes('"GET /connectors?after=on HTTP/1.1" 200'), { what: "the line once on" });
    expect(gw.output()).not.toContain("after=off");
  }, 60_000);
});
