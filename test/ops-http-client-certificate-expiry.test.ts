/**
 * The HTTP connectors' client certificate out of its validity window, on the gateway (the compiled
 * binary when GATEWAY_BIN is set) against a loopback endpoint that requires client certificates
 * (node:https, TLS 1.3) and the real broker (opshunt2's probes "an expired cert" and "cert
 * rotation"): the endpoint refuses an expired certificate only by closing the connection after the
 * handshake, so each request failed with `ECONNRESET`, naming no certificate; the task's start now
 * WARNs naming the key, the certificate's subject and its end (never the key), for the HTTP sink's
 * `security.cert.client` and the HTTP source's key store, also within 7 days of the end, and each
 * such failure names the expired certificate as its likely cause. The files
 * are read at task start: replaced while the task runs, a restart of the task uses them, and the
 * record held back meanwhile is delivered.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import { caDate, issueCert } from "./support/cert-authority.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls, TEST_CA } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

const REFUSAL =
  "an endpoint that requires client certificates refuses it once it is not valid (the connection closes during or right after the TLS handshake): replace the files and restart the task";

describe("an HTTP connector's client certificate out of its validity window", () => {
  test("the sink's and the source's task start WARN naming the key and the certificate; replaced files are used after a task restart", async () => {
    await using dir = await tempDir("ops-http-client-cert-");
    const tls = await makeTls(dir.path);
    const expired = await issueCert(dir.path, TEST_CA, "expired", "old-device", {
      startDate: "20200101000000Z",
      endDate: "20200201000000Z",
    });
    const soon = await issueCert(dir.path, TEST_CA, "soon", "soon-device", {
      endDate: caDate(Date.now() + 3 * 86_400_000 + 3_600_000),
    });
    await Bun.write(dir.file("soon-store.pem"), readFileSync(soon.key, "utf8") + readFileSync(soon.cert, "utf8"));
    const delivered: string[] = [];
    const server = createServer(
      {
        cert: readFileSync(tls.serverCert),
        key: readFileSync(tls.serverKey),
        ca: readFileSync(tls.caCert),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        let body = "";
        req.on("data", (chunk) => {
          body += chunk;
        });
        req.on("end", () => {
          if (req.method === "POST") delivered.push(body);
          res.end(req.method === "POST" ? "ok" : "[]");
        });
      },
    );
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    await using _server = { [Symbol.asyncDispose]: () => new Promise<void>((closed) => server.close(() => closed())) };
    const base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    const topic = uniqueTopic("client-cert");
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      expect(await createTopicsOn(admin, [{ topic, numPartitions: 1 }])).toBe(true);
    } finally {
      await admin.disconnect();
    }
    // The sink's files, replaced below as an operator renewing the certificate would.
    const live = { cert: dir.file("live.pem"), key: dir.file("live.key") };
    copyFileSync(expired.cert, live.cert);
    copyFileSync(expired.key, live.key);

    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": (await kafkaBroker()).bootstrap },
    });
    const sink = uniqueTopic("client-cert-sink");
    const created = await gw.rest.put(`/connectors/${sink}/config`, {
      "connector.class": "HttpSink",
      topics: topic,
      url: `${base}/in`,
      "sink.flush-buffer.timeout": "10",
      "flink.connector.http.security.cert.server": tls.caCert,
      "flink.connector.http.security.cert.client": live.cert,
      "flink.connector.http.security.key.client": live.key,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    expect(created.status).toBe(201);
    await gw.waitForOutput(
      new RegExp(
        `WARN \\[${sink}\\|task-0\\] flink\\.connector\\.http\\.security\\.cert\\.client: the key store's certificate CN=old-device expired on 2020-02-01T00:00:00Z; ${REFUSAL.replace(/[()]/g, "\\$&")} \\(`,
      ),
      30_000,
    );
    const producer = (await testClient()).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: "held-back" }] });
    } finally {
      await producer.disconnect();
    }
    // Refused by the endpoint: retried, not delivered, each failure naming the certificate as its likely cause.
    const [failed] = await gw.waitForOutput(
      new RegExp(`WARN \\[${sink}\\|task-0\\] POST ${base}/in failed \\(attempt 1 of.*`),
      30_000,
    );
    expect(failed).toContain(
      "ECONNRESET: The socket connection was closed unexpectedly; likely cause: the key store's certificate CN=old-device expired on 2020-02-01T00:00:00Z, which an endpoint that requires client certificates refuses",
    );
    expect(delivered).toEqual([]);

    copyFileSync(tls.clientCert, live.cert);
    copyFileSync(tls.clientKey, live.key);
    expect((await gw.rest.post(`/connectors/${sink}/restart?includeTasks=true`, {})).status).toBe(202);
    await waitFor(() => delivered.length > 0 || undefined, {
      timeoutMs: 30_000,
      what: "the held-back record delivered",
    });
    expect(delivered).toEqual(["[held-back]"]);

    const source = uniqueTopic("client-cert-source");
    const sourceCreated = await gw.rest.put(`/connectors/${source}/config`, {
      "connector.class": "HttpSourceConnector",
      "http.url": `${base}/data`,
      "kafka.topic": uniqueTopic("client-cert-out"),
      "http.response.records.path": "$[*]",
      "http.ssl.enabled": "true",
      "http.ssl.truststore.location": tls.caCert,
      "http.ssl.keystore.location": dir.file("soon-store.pem"),
    });
    expect(sourceCreated.status).toBe(201);
    await gw.waitForOutput(
      new RegExp(
        `WARN \\[${source}\\|task-0\\] http\\.ssl\\.keystore\\.location: the key store's certificate CN=soon-device expires on \\S+ \\(in 3 days\\); ${REFUSAL.replace(/[()]/g, "\\$&")} \\(`,
      ),
      30_000,
    );
    const keyLines = [expired.key, soon.key].flatMap((k) =>
      readFileSync(k, "utf8")
        .split("\n")
        .filter((l) => l.length === 64),
    );
    for (const line of keyLines) expect(gw.output()).not.toContain(line);
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});
