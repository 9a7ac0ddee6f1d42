import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { KafkaAccessError, tlsFailure } from "./access-errors.ts";
import { presentsKeyStore, withCertificateRefusals } from "./certificate-refusals.ts";
import type { ConsumerHandlers, KafkaConsumer, KafkaPort, KafkaProducer } from "./kafka-port.ts";

const ALERT = { code: "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN", message: "certificate unknown" };
const GENERIC = "configure the key store (ssl.keystore.*)";

// explore4 J4: a broker's refusal of an expired client certificate asked for a key store that was there.
describe("withCertificateRefusals", () => {
  let dir: TempDir;
  let props: Record<string, string>;
  beforeAll(async () => {
    dir = await tempDir("cert-refusals-");
    const pki = await makeDevicePki(dir.path);
    const cert = await pki.issue("dated", "dated-client", { startDate: "20300101000000Z", endDate: "20300111000000Z" });
    props = {
      "bootstrap.servers": "127.0.0.1:9093",
      "security.protocol": "SSL",
      "ssl.keystore.certificate.chain": readFileSync(cert.cert, "utf8"),
      "ssl.keystore.key": readFileSync(cert.key, "utf8"),
    };
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  /** A port whose clients are refused by the broker's alert: at creation, or at `commit` and by `onCrash` for a consumer. */
  const refusingPort = (at: "creation" | "later"): KafkaPort => {
    const refusal = () => tlsFailure("Failed to connect the admin client", ALERT)!;
    const consumer = {
      start: async (handlers: ConsumerHandlers) => handlers.onCrash(refusal()),
      commit: async () => Promise.reject(refusal()),
      assignment: () => [],
    } as unknown as KafkaConsumer;
    return {
      admin: async () => Promise.reject(refusal()),
      producer: async () => Promise.reject(refusal()),
      consumer: async () => (at === "creation" ? Promise.reject(refusal()) : consumer),
    };
  };

  test.each([
    ["2030-01-12T00:00:00Z", "the key store's certificate CN=dated-client expired on 2030-01-11T00:00:00Z"],
    ["2029-12-01T00:00:00Z", "the key store's certificate CN=dated-client is not valid before 2030-01-01T00:00:00Z"],
  ])("at %s a client's refusal at creation says %p, the error otherwise as it was", async (now, problem) => {
    const port = withCertificateRefusals(refusingPort("creation"), () => Date.parse(now));
    const error = (await port.admin(props).catch((e: unknown) => e)) as KafkaAccessError;
    expect(error).toBeInstanceOf(KafkaAccessError);
    expect(error.javaClass).toBe("org.apache.kafka.common.errors.SslAuthenticationException");
    expect(error.message).toBe(
      `Failed to connect the admin client: SSL handshake failed (${ALERT.code}: ${ALERT.message}); the broker refused the client's certificate: ${problem}`,
    );
  });

  test("a certificate within its window, or no key store, keeps the generic hint", async () => {
    for (const properties of [props, { "bootstrap.servers": "127.0.0.1:9093", "security.protocol": "SSL" }]) {
      const port = withCertificateRefusals(refusingPort("creation"), () => Date.parse("2030-01-05T00:00:00Z"));
      const error = (await port.producer(properties).catch((e: unknown) => e)) as Error;
      expect(error.message).toEndWith(GENERIC);
    }
  });

  test("a consumer's later failures are refined too: a method's rejection and onCrash", async () => {
    const port = withCertificateRefusals(refusingPort("later"), () => Date.parse("2030-01-12T00:00:00Z"));
    const consumer = await port.consumer({ groupId: "g", topics: ["t"], properties: props });
    expect(consumer.assignment()).toEqual([]);
    const committed = (await consumer.commit([]).catch((e: unknown) => e)) as Error;
    expect(committed.message).toContain("expired on 2030-01-11T00:00:00Z");
    let crashed: Error | undefined;
    await consumer.start({ onCrash: (e: Error) => (crashed = e) } as unknown as ConsumerHandlers);
    expect(crashed?.message).toContain("expired on 2030-01-11T00:00:00Z");
    expect(crashed?.message).not.toContain(GENERIC);
  });

  test("a client presenting no key store over TLS is the adapter's own, not a proxy", async () => {
    const producer = { send: async () => [] } as unknown as KafkaProducer;
    const port = withCertificateRefusals({ producer: async () => producer } as unknown as KafkaPort);
    const plain: Record<string, string>[] = [
      { "bootstrap.servers": "127.0.0.1:9093", "security.protocol": "SSL" },
      { "bootstrap.servers": "127.0.0.1:9093", "ssl.keystore.location": "/unused.p12" },
    ];
    for (const properties of plain) expect(await port.producer(properties)).toBe(producer);
    expect(await port.producer(props)).not.toBe(producer);
    expect(presentsKeyStore({ "security.protocol": "sasl_ssl", "ssl.keystore.location": "/k.p12" })).toBe(true);
  });
});
