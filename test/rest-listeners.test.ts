/**
 * REST listener settings on the real binary: https with PEM and PKCS12 key stores (and required
 * client certificates), CORS per access.control.allow.*, response.http.headers.config, and
 * admin.listeners (separate, disabled).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { httpsWorker, startHttpsGateway } from "./support/https-gateway.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

let kafka: KafkaInfo;
beforeAll(async () => {
  kafka = await kafkaBroker();
});

describe("https listeners", () => {
  test.each([["PEM"], ["PKCS12"]] as const)("serve the REST API with a %s key store", async (kind) => {
    await using dir = await tempDir();
    await using https = await startHttpsGateway(dir.path, kafka.bootstrap, { keyStore: kind });
    const { gw, tls, pem } = https;
    expect(gw.url).toStartWith("https://127.0.0.1:");
    const r = await fetch(`${gw.url}/connectors`, { tls: { ca: pem.ca } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([]);
    expect(gw.output()).not.toContain(tls.password);
  });

  test("ssl.client.auth=required rejects clients without a certificate", async () => {
    await using dir = await tempDir();
    await using https = await startHttpsGateway(dir.path, kafka.bootstrap, { clientAuth: "required" });
    const { gw, pem } = https;
    const withCert = await fetch(`${gw.url}/`, { tls: { ca: pem.ca, cert: pem.cert, key: pem.key } });
    expect(withCert.status).toBe(200);
    await expect(fetch(`${gw.url}/`, { tls: { ca: pem.ca } })).rejects.toThrow();
  });
});

describe("CORS", () => {
  test("echoes an allowed origin and answers preflights with the configured methods", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "access.control.allow.origin": "*",
        "access.control.allow.methods": "GET,PUT,DELETE",
      },
    });
    const simple = await fetch(`${gw.url}/connectors`, { headers: { Origin: "http://bar.com" } });
    expect(simple.headers.get("access-control-allow-origin")).toBe("http://bar.com");
    const preflight = await fetch(`${gw.url}/connectors`, {
      method: "OPTIONS",
      headers: { Origin: "http://bar.com", "Access-Control-Request-Method": "PUT" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://bar.com");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,PUT,DELETE");
    const unknown = await fetch(`${gw.url}/nope`, {
      method: "OPTIONS",
      headers: { Origin: "http://bar.com", "Access-Control-Request-Method": "GET" },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("access-control-allow-methods")).toBe("GET,PUT,DELETE");
  });

  test("sends no CORS headers when access.control.allow.origin is blank", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const r = await fetch(`${gw.url}/connectors`, { headers: { Origin: "http://bar.com" } });
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("response.http.headers.config (p3e: it was accepted and ignored)", () => {
  // Its answers on the REST listener against Connect's: test/connect-response-headers-recorded.test.ts.
  test("puts its headers on the REST listener's answers only: not on a separate admin listener (as Connect's filter, on the main context only) nor on the ingest listener", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "response.http.headers.config": "set X-Frame-Options:DENY",
        "admin.listeners": "http://127.0.0.1:0",
        "ingest.listeners": "http://127.0.0.1:0",
      },
    });
    const adminUrl = (await gw.waitForOutput(/Admin REST server listening at (http:\/\/\S+?)\//))[1]!;
    const answers = await Promise.all(
      [`${gw.url}/nope`, `${adminUrl}/admin/loggers`, `${await ingestUrlOf(gw)}/nope`].map(async (url) => {
        const res = await fetch(url);
        return [res.status, res.headers.get("x-frame-options")];
      }),
    );
    expect(answers).toEqual([
      [404, "DENY"],
      [200, null],
      [404, null],
    ]);
  });

  test("drops a rule for Content-Length with a WARN: the answer declares its own length (p3e-b: it declared 5 and sent the whole body)", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "response.http.headers.config": "set Content-Length:5, set X-Frame-Options:DENY",
      },
    });
    await gw.waitForOutput(/WARN .*ignoring its rules for Content-Length, which the REST listeners write themselves/);
    const answer = await closingExchange(gw.url, "GET / HTTP/1.1\r\nHost: h\r\n");
    const end = answer.indexOf("\r\n\r\n");
    const head = answer.subarray(0, end).toString("latin1");
    const body = answer.subarray(end + 4);
    expect(head).toContain("\r\nX-Frame-Options: DENY");
    expect(head.match(/\r\nContent-Length: .*/g)).toEqual([`\r\nContent-Length: ${body.byteLength}`]);
    expect(JSON.parse(body.toString())).toMatchObject({ version: expect.any(String) });
  });
});

/** Sends `head` (Connection: close added) on a new connection; everything that came back once the listener closed it. */
async function closingExchange(url: string, head: string): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve, reject) => {
    socket.once("close", () => resolve());
    socket.once("error", reject);
  });
  socket.write(`${head}Connection: close\r\n\r\n`);
  await closed;
  return Buffer.concat(chunks);
}

describe("rest.advertised.*", () => {
  test("the log's advertised URL and the worker_id name the advertised host and port, as Connect's RestServer logs them (regression: the listener's URL was logged)", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "rest.advertised.host.name": "gateway.example",
        "rest.advertised.port": "18083",
      },
    });
    expect(gw.output()).toContain(`REST server listening at ${gw.url}/, advertising URL http://gateway.example:18083/`);
    const created = await gw.rest.put("/connectors/adv/config", {
      "connector.class": "FileStreamSource",
      topic: "adv",
      file: dir.file("in.txt"),
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await gw.rest.get("/connectors/adv/status")).body?.connector?.worker_id, {
      what: "a status",
    });
    expect((await gw.rest.get("/connectors/adv/status")).body.connector.worker_id).toBe("gateway.example:18083");
  });
  test("an IPv6 listener's advertised URL brackets its host, and the worker_id is Java's URI host:port (was http://::1:…)", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), listeners: "http://[::1]:0" },
    });
    const port = new URL(gw.url).port;
    expect(gw.output()).toContain(`advertising URL http://[::1]:${port}/`);
    const created = await gw.rest.put("/connectors/adv6/config", {
      "connector.class": "FileStreamSource",
      topic: "adv6",
      file: dir.file("in.txt"),
    });
    expect(created.status).toBe(201);
    const workerId = await waitFor(
      async () => (await gw.rest.get("/connectors/adv6/status")).body?.connector?.worker_id,
      {
        what: "a status",
      },
    );
    expect(workerId).toBe(`[::1]:${port}`);
  });
});

describe("admin.listeners", () => {
  test("serves /admin/loggers only on the admin listener when set", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "admin.listeners": "http://127.0.0.1:0",
      },
    });
    const adminUrl = (await gw.waitForOutput(/Admin REST server listening at (http:\/\/\S+?)\//))[1]!;
    expect((await fetch(`${gw.url}/admin/loggers`)).status).toBe(404);
    const r = await waitFor(async () => {
      const res = await fetch(`${adminUrl}/admin/loggers`);
      return res.status === 200 ? res : undefined;
    });
    expect(((await r.json()) as { root: { level: string } }).root.level).toBe("INFO");
    expect((await fetch(`${adminUrl}/connectors`)).status).toBe(404);
  });

  test("an https admin listener takes admin.listeners.https.ssl.*, as Connect (regression: it took listeners.https.*, so its ssl.client.auth=required was ignored)", async () => {
    await using dir = await tempDir();
    const tls = await makeTls(dir.path);
    await using gw = await startGateway({
      dir: dir.path,
      worker: httpsWorker(dir.path, kafka.bootstrap, tls, {
        worker: {
          "admin.listeners": "https://127.0.0.1:0",
          "admin.listeners.https.ssl.keystore.location": tls.serverPem,
          "admin.listeners.https.ssl.truststore.location": tls.caCert,
          "admin.listeners.https.ssl.client.auth": "required",
        },
      }),
    });
    const adminUrl = (await gw.waitForOutput(/Admin REST server listening at (https:\/\/\S+?)\//))[1]!;
    const ca = readFileSync(tls.caCert, "utf8");
    const cert = readFileSync(tls.clientCert, "utf8");
    const key = readFileSync(tls.clientKey, "utf8");
    const r = await waitFor(async () => {
      const res = await fetch(`${adminUrl}/admin/loggers`, { tls: { ca, cert, key } });
      return res.status === 200 ? res : undefined;
    });
    expect(r.status).toBe(200);
    await expect(fetch(`${adminUrl}/admin/loggers`, { tls: { ca } })).rejects.toThrow();
    expect((await fetch(`${gw.url}/connectors`, { tls: { ca } })).status).toBe(200);
  });

  test("disables the admin endpoints when set to an empty value", async () => {
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "admin.listeners": "" },
    });
    expect((await fetch(`${gw.url}/admin/loggers`)).status).toBe(404);
    expect((await fetch(`${gw.url}/connectors`)).status).toBe(200);
  });
});
