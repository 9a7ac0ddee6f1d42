/**
 * The Kafka clients' key stores and login settings checked before a connection is tried, on the
 * real gateway (the compiled binary when GATEWAY_BIN is set) against the test broker's mTLS and
 * SASL listeners:
 * - explore4 J6: a key store whose private key is not its certificate's (inline PEM, PEM file,
 *   PKCS12, JKS) stops startup naming the key (exit code 1, as a wrong key password), where the
 *   gateway ran and logged "Kafka … is not reachable" for ever; a connector's
 *   `producer.override.ssl.keystore.*` such pair is refused in validation on the key.
 * - explore4 J4: a broker refusing an expired client certificate is said to refuse that one ("the
 *   key store's certificate CN=… expired on …"), not asked for a key store; a certificate that
 *   expires within 7 days is a WARN at worker start, and at task start for a connector's own.
 * - explore4 J5: a `sasl.jaas.config` login module Kafka's clients cannot load and a
 *   `sasl.mechanism` not written as Kafka writes it (`plain`) stop startup with the reason, and are
 *   refused in validation for a connector's overrides; both connected before.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import {
  datedClientKeyStore,
  type MtlsKeyStores,
  type MtlsListener,
  makeMtlsKeyStores,
  mtlsBroker,
  mtlsWorker,
} from "./support/broker-mtls.ts";
import { type Gateway, spawnGateway, startGateway } from "./support/gateway.ts";
import { type KafkaInfo, plainJaas, saslWorker, uniqueTopic } from "./support/kafka.ts";
import { sendCallbackCause } from "./support/send-callback-trace.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { makeMismatchedKeyStores } from "./support/tls-stores.ts";
import { waitFor } from "./support/wait-for.ts";

const DAY_MS = 86_400_000;
const EXPIRED_HINT =
  "the broker refused the client's certificate: the key store's certificate CN=expired-client expired on 2020-01-02T00:00:00Z";

let info: KafkaInfo;
let mtls: MtlsListener;
let dir: TempDir;
let stores: MtlsKeyStores;
let expired: Record<string, string>;
let soon: Record<string, string>;
let soonNotAfter: string;

beforeAll(async () => {
  ({ info, mtls } = await mtlsBroker());
  dir = await tempDir("kafka-key-stores-");
  stores = await makeMtlsKeyStores(dir.path, mtls);
  expired = await datedClientKeyStore(
    dir.path,
    mtls,
    "expired-client",
    new Date("2020-01-01T00:00:00Z"),
    new Date("2020-01-02T00:00:00Z"),
  );
  // Whole seconds: the notice shows the instant to the second.
  const notAfter = new Date(Math.floor((Date.now() + 3 * DAY_MS) / 1000) * 1000);
  soonNotAfter = notAfter.toISOString().replace(/\.\d{3}Z$/, "Z");
  soon = await datedClientKeyStore(dir.path, mtls, "soon-client", new Date(Date.now() - DAY_MS), notAfter);
}, 60_000);

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

/** The gateway's exit code and output when it stops by itself (a gateway that keeps running is killed, and fails the wait). */
async function exitOf(work: TempDir, worker: Record<string, string>): Promise<{ code: number; output: string }> {
  const { proc, output, pumped } = spawnGateway({
    dir: work.path,
    worker: { "data.dir": work.file("data"), ...worker },
  });
  let code: number;
  try {
    code = await waitFor(() => proc.exitCode ?? undefined, { what: "the gateway's exit", timeoutMs: 75_000 }).catch(
      (error: Error) => Promise.reject(new Error(`${error.message}\n${output()}`)),
    );
  } finally {
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
  await pumped;
  return { code, output: output() };
}

describe("a key store whose private key is not its certificate's (explore4 J6)", () => {
  test("stops startup in every store format, naming the key, exit code 1, the key never shown", async () => {
    await using work = await tempDir();
    const cert = readFileSync(mtls.clientCert, "utf8");
    const otherKey = readFileSync(`${dir.path}/other-ca-client.key`, "utf8");
    const mixed = await makeMismatchedKeyStores(work.path, cert, otherKey, "store-pass-5");
    const cases = [
      [
        { "ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": otherKey },
        "Invalid value for configuration ssl.keystore.key: the private key is not the key of the first certificate in ssl.keystore.certificate.chain",
      ],
      ...(
        [
          ["PEM", mixed.pem],
          ["PKCS12", mixed.pkcs12],
          ["JKS", mixed.jks],
        ] as const
      ).map(
        ([type, location]) =>
          [
            { "ssl.keystore.type": type, "ssl.keystore.location": location, "ssl.keystore.password": "store-pass-5" },
            `Invalid value for configuration ssl.keystore.location: the private key in the key store ${location} is not the key of its first certificate`,
          ] as const,
      ),
    ] as const;
    for (const [keyStore, message] of cases) {
      const { code, output } = await exitOf(work, mtlsWorker(info, mtls, keyStore));
      expect({ code, refusal: output.includes(`gateway: invalid worker configuration: ${message}`) }).toEqual({
        code: 1,
        refusal: true,
      });
      expect(output).not.toContain("not reachable");
      expect(output).not.toContain("PRIVATE KEY");
      for (const line of stores.keySecrets) expect(output).not.toContain(line);
    }
  }, 90_000);
});

describe("a client certificate outside its validity (explore4 J4)", () => {
  test.each(["platformatic", "kafkajs"])(
    "kafka.client=%s: the worker stops saying the broker refused the expired certificate, after a WARN at start",
    async (client) => {
      await using work = await tempDir();
      const { code, output } = await exitOf(work, { ...mtlsWorker(info, mtls, expired), "kafka.client": client });
      expect(code).toBe(2);
      expect(output).toContain("ERROR Stopping due to error");
      expect(output).toContain(`SSL handshake failed (ERR_SSL_`);
      expect(output).toContain(EXPIRED_HINT);
      expect(output).not.toContain("configure the key store (ssl.keystore.*)");
      expect(output).toContain(
        "WARN The worker's Kafka producer, consumer and admin clients: the key store's certificate CN=expired-client expired on 2020-01-02T00:00:00Z; a broker that requires client certificates refuses it once it is not valid: renew the key store (ssl.keystore.*)",
      );
    },
    90_000,
  );
});

describe("a worker whose key store certificate expires within 7 days", () => {
  let gw: Gateway;
  let work: TempDir;
  beforeAll(async () => {
    work = await tempDir();
    gw = await startGateway({
      dir: work.path,
      worker: { ...mtlsWorker(info, mtls, soon), "data.dir": work.file("data") },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.[Symbol.asyncDispose]();
    await work?.[Symbol.asyncDispose]();
  });

  const source = (name: string, overrides: Record<string, string>) => {
    writeFileSync(work.file(`${name}.txt`), "a line\n");
    return {
      "connector.class": "FileStreamSource",
      file: work.file(`${name}.txt`),
      topic: uniqueTopic(name),
      ...overrides,
    };
  };
  const prefixed = (prefix: string, keys: Record<string, string>) =>
    Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${prefix}${k}`, v]));
  const validationErrors = async (config: Record<string, string>) => {
    const answer = await gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
      name: "v",
      ...config,
    });
    expect(answer.status).toBe(200);
    return (answer.body.configs as { value: { name: string; errors: string[] } }[])
      .filter((c) => c.value.errors.length > 0)
      .map((c) => [c.value.name, c.value.errors]);
  };

  test("starts with a WARN naming the certificate and its end, and connects", async () => {
    await gw.waitForOutput(
      new RegExp(
        `WARN The worker's Kafka producer, consumer and admin clients: the key store's certificate CN=soon-client expires on ${soonNotAfter} \\(in 2 days\\); a broker that requires client certificates refuses it once it is not valid`,
      ),
    );
    await waitFor(async () => (await gw.rest.get("/")).body.kafka_cluster_id === info.clusterId, {
      what: "the cluster id through the mTLS listener",
    });
  }, 60_000);

  test("a connector's producer.override key store whose key is not its certificate's is refused in validation and create (J6)", async () => {
    const cert = readFileSync(mtls.clientCert, "utf8");
    const otherKey = readFileSync(`${dir.path}/other-ca-client.key`, "utf8");
    const config = source(
      "mismatch",
      prefixed("producer.override.", { "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": otherKey }),
    );
    const message =
      "Invalid value for configuration ssl.keystore.key: the private key is not the key of the first certificate in ssl.keystore.certificate.chain";
    expect(await validationErrors(config)).toEqual([["producer.override.ssl.keystore.key", [message]]]);
    const created = await gw.rest.post("/connectors", { name: "mismatch", config });
    expect(created.status).toBe(400);
    expect(created.body.message).toContain(message);
    expect(JSON.stringify(created.body)).not.toContain("PRIVATE KEY");
  });

  test("a connector's SASL overrides with an unknown login module or a lower-case mechanism are refused in validation (J5)", async () => {
    const sasl = {
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanism": "PLAIN",
      "sasl.jaas.config": plainJaas("gateway-secret").replace(
        "org.apache.kafka.common.security.plain.PlainLoginModule",
        "PlainLoginModule",
      ),
    };
    expect(await validationErrors(source("jaas", prefixed("producer.override.", sasl)))).toEqual([
      [
        "producer.override.sasl.jaas.config",
        ["Invalid value [hidden] for configuration sasl.jaas.config: No LoginModule found for PlainLoginModule"],
      ],
    ]);
    const lower = { ...sasl, "sasl.mechanism": "plain", "sasl.jaas.config": plainJaas("gateway-secret") };
    expect(await validationErrors(source("lower", prefixed("producer.override.", lower)))).toEqual([
      [
        "producer.override.sasl.mechanism",
        [
          "Invalid value plain for configuration sasl.mechanism: SASL mechanism names are case-sensitive, as in Kafka's clients: use PLAIN (the supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512)",
        ],
      ],
    ]);
    expect(gw.output()).not.toContain("gateway-secret");
  });

  test("a connector's expired producer.override key store fails its task saying so; one expiring soon is a WARN at task start (J4)", async () => {
    const created = await gw.rest.post("/connectors", {
      name: "expired-override",
      config: source("expired-override", prefixed("producer.override.", expired)),
    });
    expect(created.status).toBe(201);
    const trace = await waitFor(
      async () => {
        const task = (await gw.rest.get("/connectors/expired-override/status")).body.tasks?.[0];
        return task?.state === "FAILED" ? String(task.trace) : undefined;
      },
      { timeoutMs: 30_000, what: "task expired-override-0 FAILED" },
    );
    // Its producer's first send failed: Connect's send callback failure over the client's (explore19 F4).
    expect(sendCallbackCause(trace)).toStartWith("org.apache.kafka.common.errors.SslAuthenticationException: ");
    expect(trace).toContain(EXPIRED_HINT);
    await gw.waitForOutput(
      /WARN \[expired-override\|task-0\] This task's producer: the key store's certificate CN=expired-client expired on 2020-01-02T00:00:00Z/,
    );

    const ok = await gw.rest.post("/connectors", {
      name: "soon-override",
      config: source("soon-override", prefixed("producer.override.", soon)),
    });
    expect(ok.status).toBe(201);
    await gw.waitForOutput(
      new RegExp(
        `WARN \\[soon-override\\|task-0\\] This task's producer: the key store's certificate CN=soon-client expires on ${soonNotAfter} \\(in 2 days\\)`,
      ),
    );
  }, 60_000);
});

describe("SASL settings Kafka's clients refuse stop startup (explore4 J5)", () => {
  test.each([
    [
      "a login module Kafka's clients cannot load",
      { "sasl.jaas.config": plainJaas("gateway-secret").replace(/^\S+/, "com.example.NopeLoginModule") },
      "Invalid value [hidden] for configuration sasl.jaas.config: No LoginModule found for com.example.NopeLoginModule",
    ],
    [
      "sasl.mechanism=plain",
      { "sasl.mechanism": "plain" },
      "Invalid value plain for configuration sasl.mechanism: SASL mechanism names are case-sensitive, as in Kafka's clients: use PLAIN",
    ],
  ] as const)(
    "%s: exit code 1 with the reason, no password shown",
    async (_case, change, message) => {
      await using work = await tempDir();
      const { code, output } = await exitOf(work, { ...saslWorker(info, "gateway-secret"), ...change });
      expect(code).toBe(1);
      expect(output).toContain(`gateway: invalid worker configuration: ${message}`);
      expect(output).not.toContain("gateway-secret");
      expect(output).not.toContain("Connected to Kafka");
    },
    60_000,
  );
});
