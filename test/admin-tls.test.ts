/**
 * TLS of the REST listeners on the real binary (issue 13, point 3): the protocol range and cipher
 * suites a client can really negotiate, checked with `openssl s_client` forcing each one; the
 * defaults (TLS 1.2 and 1.3, forward-secret AEAD suites only); ssl.client.auth=required without a
 * trust store is a startup error naming the key.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnGateway } from "./support/gateway.ts";
import { httpsWorker, startHttpsGateway } from "./support/https-gateway.ts";
import { type KafkaInfo, kafkaBroker } from "./support/kafka.ts";
import { sClient } from "./support/s-client.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";

let kafka: KafkaInfo;
beforeAll(async () => {
  kafka = await kafkaBroker();
});

describe("https listener protocols and cipher suites", () => {
  test("default: TLS 1.2 and 1.3 with forward-secret AEAD suites only", async () => {
    await using dir = await tempDir();
    await using https = await startHttpsGateway(dir.path, kafka.bootstrap);
    const { hostPort } = https;
    expect((await sClient(hostPort, { tls: "1.3" })).negotiated?.protocol).toBe("TLSv1.3");
    expect((await sClient(hostPort, { tls: "1.2" })).negotiated).toEqual({
      protocol: "TLSv1.2",
      cipher: expect.stringMatching(/^ECDHE-RSA-(AES\d+-GCM|CHACHA20-POLY1305)/),
    });
    expect((await sClient(hostPort, { tls: "1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256" })).negotiated).toEqual({
      protocol: "TLSv1.2",
      cipher: "ECDHE-RSA-AES128-GCM-SHA256",
    });
    // No forward secrecy (RSA key exchange), no AEAD (CBC), old protocols: all refused.
    for (const cipher of ["AES128-GCM-SHA256", "AES128-SHA", "ECDHE-RSA-AES128-SHA"]) {
      expect((await sClient(hostPort, { tls: "1.2", cipher })).negotiated).toBeNull();
    }
    expect((await sClient(hostPort, { tls: "1.1" })).negotiated).toBeNull();
  });

  test("ssl.enabled.protocols=TLSv1.3 refuses TLS 1.2", async () => {
    await using dir = await tempDir();
    await using https = await startHttpsGateway(dir.path, kafka.bootstrap, {
      worker: { "listeners.https.ssl.enabled.protocols": "TLSv1.3" },
    });
    const { hostPort } = https;
    expect((await sClient(hostPort, { tls: "1.3" })).negotiated?.protocol).toBe("TLSv1.3");
    expect((await sClient(hostPort, { tls: "1.2" })).negotiated).toBeNull();
  });

  test("ssl.cipher.suites in Java names is honoured (and without TLS 1.3 suites, TLS 1.3 is off)", async () => {
    await using dir = await tempDir();
    await using https = await startHttpsGateway(dir.path, kafka.bootstrap, {
      worker: { "listeners.https.ssl.cipher.suites": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    });
    const { hostPort } = https;
    expect((await sClient(hostPort, { tls: "1.2" })).negotiated).toEqual({
      protocol: "TLSv1.2",
      cipher: "ECDHE-RSA-AES256-GCM-SHA384",
    });
    expect((await sClient(hostPort, { tls: "1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256" })).negotiated).toBeNull();
    expect((await sClient(hostPort, { tls: "1.3" })).negotiated).toBeNull();
  });
});

describe("https listener startup errors", () => {
  test.each([
    [
      { "listeners.https.ssl.client.auth": "required" },
      "Invalid value required for configuration listeners.https.ssl.client.auth: the listener https://127.0.0.1:0 requires client certificates but has no trust store; set listeners.https.ssl.truststore.location",
    ],
    [
      { "listeners.https.ssl.cipher.suites": "TLS_AES_256_GCM_SHA384" },
      "Invalid value TLS_AES_256_GCM_SHA384 for configuration listeners.https.ssl.cipher.suites: TLS 1.3 suites cannot be restricted",
    ],
    [
      { "listeners.https.ssl.enabled.protocols": "TLSv1.1" },
      "Invalid value TLSv1.1 for configuration listeners.https.ssl.enabled.protocols: TLSv1.1 is not supported",
    ],
  ])("%j stops startup naming the key", async (settings, message) => {
    await using dir = await tempDir();
    const tls = await makeTls(dir.path);
    const { proc, output, pumped } = spawnGateway({
      dir: dir.path,
      worker: httpsWorker(dir.path, kafka.bootstrap, tls, { worker: settings }),
    });
    expect(await proc.exited).toBe(1);
    await pumped;
    expect(output()).toContain(message);
    expect(output()).not.toContain("    at ");
  });
});
