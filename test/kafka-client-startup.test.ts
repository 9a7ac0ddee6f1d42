/**
 * Issue 8 point 5, on the real binary: Kafka client settings that cannot work stop startup with
 * one message naming the key (and the CONNECT_* variable when the environment set it), while an
 * unreachable broker does not: the gateway starts, logs it, says so on /health and GET /, and
 * connects when the broker appears. That test starts a broker of its own, never the shared one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { exitCodeWithin, spawnGateway, startGateway } from "./support/gateway.ts";
import { type InvalidChains, makeInvalidChains, serveChain } from "./support/invalid-chains.ts";
import { kafkaBroker, REPO, uniqueTopic } from "./support/kafka.ts";
import { sendCallbackCause } from "./support/send-callback-trace.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

async function failedStartup(dir: string, worker: Record<string, string>, env: Record<string, string> = {}) {
  const { proc, output, pumped } = spawnGateway({ dir, worker, env });
  const code = await proc.exited;
  await pumped;
  return { code, output: output() };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("Kafka client settings at startup", () => {
  test.each([
    [
      "a damaged JKS trust store",
      { "ssl.truststore.location": "STORE.jks" },
      "ssl.truststore.location",
      "cannot open the JKS store",
    ],
    ["a missing file", { "ssl.truststore.location": "missing.pem" }, "ssl.truststore.location", "cannot read"],
    [
      "a wrong store password",
      // A marker for the configured password: the message must not show it.
      { "ssl.keystore.location": "store.p12", "ssl.keystore.type": "PKCS12", "ssl.keystore.password": "zq8-given-pw3" },
      "ssl.keystore.location",
      "wrong password",
    ],
    ["an unknown security.protocol", { "security.protocol": "SSLV3" }, "security.protocol", "String must be one of"],
    [
      "an unknown SASL mechanism",
      { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI" },
      "sasl.mechanism",
      "supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512",
    ],
  ])("%s stops startup with one message naming the key", async (_what, settings, key, reason) => {
    await using dir = await tempDir();
    writeFileSync(dir.file("STORE.jks"), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    const ca = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t"].concat([
        "-keyout",
        dir.file("k.pem"),
        "-out",
        dir.file("c.pem"),
      ]),
      { stderr: "ignore" },
    );
    expect(ca.exitCode).toBe(0);
    const p12 = Bun.spawnSync(
      ["openssl", "pkcs12", "-export", "-in", dir.file("c.pem"), "-inkey", dir.file("k.pem")].concat([
        "-out",
        dir.file("store.p12"),
        "-passout",
        "pass:right-pw",
      ]),
      { stderr: "ignore" },
    );
    expect(p12.exitCode).toBe(0);
    const absolute = Object.fromEntries(
      Object.entries(settings).map(([k, v]) => [k, k.endsWith(".location") ? dir.file(v) : v]),
    );
    const { code, output } = await failedStartup(dir.path, {
      "bootstrap.servers": "127.0.0.1:1",
      "data.dir": dir.file("data"),
      "security.protocol": "SSL",
      ...absolute,
    });
    expect(code).toBe(1);
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("gateway: invalid worker configuration: Invalid value");
    expect(lines[0]).toContain(`for configuration ${key}`);
    expect(lines[0]).toContain(reason);
    expect(output).not.toContain("zq8-given-pw3");
  });

  test("an error from a CONNECT_* variable names the variable", async () => {
    await using dir = await tempDir();
    const { code, output } = await failedStartup(
      dir.path,
      { "bootstrap.servers": "127.0.0.1:1", "data.dir": dir.file("data") },
      { CONNECT_SECURITY_PROTOCOL: "SSLX" },
    );
    expect(code).toBe(1);
    expect(output).toContain(
      "Invalid value SSLX for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (security.protocol comes from the environment variable CONNECT_SECURITY_PROTOCOL)",
    );
  });
});

describe("Kafka client classes in the worker config", () => {
  test.each([
    [
      "a class key naming a class Connect cannot load, in the file",
      { "producer.partitioner.class": "com.example.P" },
      {},
      "Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found. (worker key producer.partitioner.class)",
    ],
    [
      "a class key naming a class Connect cannot load, from the environment",
      {},
      { CONNECT_PRODUCER_PARTITIONER_CLASS: "com.example.P" },
      "Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found. (worker key producer.partitioner.class, from environment variable CONNECT_PRODUCER_PARTITIONER_CLASS)",
    ],
    [
      "a class list with an empty entry, from the environment",
      {},
      { CONNECT_CONSUMER_INTERCEPTOR_CLASSES: "a, ,b" },
      "Configuration 'interceptor.classes' values must not be empty. (worker key consumer.interceptor.classes, from environment variable CONNECT_CONSUMER_INTERCEPTOR_CLASSES)",
    ],
  ])("%s stops startup with Connect's message and the worker key", async (_what, worker, env, message) => {
    await using dir = await tempDir();
    const { code, output } = await failedStartup(
      dir.path,
      { "bootstrap.servers": "127.0.0.1:1", "data.dir": dir.file("data"), ...worker },
      env,
    );
    expect(code).toBe(1);
    expect(output.trim()).toBe(`gateway: invalid worker configuration: ${message}`);
  });

  test("a worker producer.delivery.timeout.ms below linger.ms + request.timeout.ms: a WARN at start, not a stop (Connect builds producers per task; a connector's overrides can make it valid)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "producer.delivery.timeout.ms": "20000",
      },
    });
    expect(gw.output()).toContain(
      "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (worker key producer.delivery.timeout.ms)",
    );
    writeFileSync(dir.file("in.txt"), "");
    const taskState = async (name: string, overrides: Record<string, string>, state: string) => {
      const file = dir.file("in.txt");
      const config = { "connector.class": "FileStreamSource", file, topic: uniqueTopic(name), ...overrides };
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
      return waitFor(async () => {
        const s = (await gw.rest.get(`/connectors/${name}/status`)).body;
        return s.tasks?.[0]?.state === state ? s.tasks[0] : undefined;
      });
    };
    // As in Connect: the connector's producer.override.request.timeout.ms makes the producer valid...
    await taskState("overridden", { "producer.override.request.timeout.ms": "15000" }, "RUNNING");
    // ...and a task whose producer keeps the worker's values fails as KafkaProducer's constructor fails.
    const failed = await taskState("kept", {}, "FAILED");
    expect(String(failed.trace)).toContain(
      "Caused by: org.apache.kafka.common.config.ConfigException: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
    );
  });

  test("interceptors from the environment: a WARN at start, and each task fails with the same advice", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      env: {
        CONNECT_PRODUCER_INTERCEPTOR_CLASSES:
          "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
      },
    });
    expect(gw.output()).toContain(
      "Worker config producer.interceptor.classes (environment variable CONNECT_PRODUCER_INTERCEPTOR_CLASSES) is set, but the gateway runs no Kafka client interceptors or custom assignors",
    );
    writeFileSync(dir.file("in.txt"), "");
    const created = await gw.rest.post("/connectors", {
      name: "monitored",
      config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic: uniqueTopic("monitored") },
    });
    expect(created.status).toBe(201);
    const task = await waitFor(async () => {
      const s = (await gw.rest.get("/connectors/monitored/status")).body;
      return s.tasks?.[0]?.state === "FAILED" ? s.tasks[0] : undefined;
    });
    expect(String(task.trace).split("\n")[0]).toBe(
      "org.apache.kafka.common.KafkaException: Failed to construct kafka producer",
    );
    expect(String(task.trace)).toContain(
      "Caused by: org.apache.kafka.common.KafkaException: Class io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor cannot be found",
    );
    await waitFor(() =>
      gw
        .output()
        .includes(
          "[monitored|task-0] This task's producer names Kafka client classes, but the gateway runs no Kafka client interceptors or custom assignors; remove interceptor.classes: the connector's producer.override.interceptor.classes or the worker's producer.interceptor.classes (CONNECT_PRODUCER_INTERCEPTOR_CLASSES)",
        ),
    );
  });
});

describe("a task that fails on the Kafka client", () => {
  test("shows Connect's producer send failure first in its trace, the client's error under it, not 'Tolerance exceeded'", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    writeFileSync(dir.file("in.txt"), "hello\n");
    // The broker refuses the topic name: a non-retriable producer error.
    const created = await gw.rest.post("/connectors", {
      name: "too-big",
      config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic: `${uniqueTopic("bad")}/name` },
    });
    expect(created.status).toBe(201);
    const task = await waitFor(async () => {
      const s = (await gw.rest.get("/connectors/too-big/status")).body;
      return s.tasks?.[0]?.state === "FAILED" ? s.tasks[0] : undefined;
    });
    expect(sendCallbackCause(String(task.trace))).toStartWith(
      "org.apache.kafka.connect.errors.ConnectException: Failed to send records to Kafka: ",
    );
    expect(String(task.trace)).not.toContain("Tolerance exceeded");
  });
});

// tlscodes: a broker whose chain broke X.509's rules (an issuer that is no CA: BoringSSL's INVALID_PURPOSE; a CA's
// pathlen exceeded) was retried forever, as a lost connection, instead of stopping as Java's SslAuthenticationException.
describe("a broker whose certificate chain is invalid", () => {
  let dir: TempDir;
  let pki: InvalidChains;
  beforeAll(async () => {
    dir = await tempDir();
    pki = await makeInvalidChains(dir.path);
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  test.each([
    ["platformatic", "issuer-not-ca", "INVALID_PURPOSE", "a certificate in it is not for its use"],
    ["kafkajs", "issuer-not-ca", "INVALID_PURPOSE", "a certificate in it is not for its use"],
    ["platformatic", "path-length-exceeded", "PATH_LENGTH_EXCEEDED", "it is longer than a CA's pathlen allows"],
    ["kafkajs", "path-length-exceeded", "PATH_LENGTH_EXCEEDED", "it is longer than a CA's pathlen allows"],
    // tlscodes-b: node:tls's UNSPECIFIED named no rule; OpenSSL's text names it.
    ["platformatic", "name-constraints-violated", "UNSPECIFIED", "permitted subtree violation)"],
    ["kafkajs", "name-constraints-violated", "UNSPECIFIED", "permitted subtree violation)"],
    ["kafkajs", "unhandled-critical-extension", "UNSPECIFIED", "unhandled critical extension)"],
  ] as const)(
    "stops the worker at startup with the rule it broke, exit code 2 (kafka.client=%s, %s)",
    async (client, chain, code, rule) => {
      // A real TLS peer presenting the chain: the handshake fails before any Kafka request.
      await using broker = await serveChain(pki.chains[chain]);
      await using work = await tempDir();
      const spawned = spawnGateway({
        dir: work.path,
        worker: {
          "bootstrap.servers": `127.0.0.1:${broker.port}`,
          "security.protocol": "SSL",
          "ssl.truststore.type": "PEM",
          "ssl.truststore.location": pki.root,
          "data.dir": work.file("data"),
          "kafka.client": client,
        },
      });
      expect(await exitCodeWithin(spawned, 20_000)).toBe(2);
      expect(spawned.output()).toContain(
        `Caused by: KafkaAccessError: Failed to connect the admin client: SSL handshake failed (${code}: `,
      );
      expect(spawned.output()).toContain(`INFO Kafka's certificate chain is invalid (${code}: ${rule}`);
      expect(spawned.output()).toContain("): stopping the gateway");
    },
    30_000,
  );
});

describe("a broker that is not there yet", () => {
  test("does not stop startup; /health and GET / say so; the gateway connects when it appears", async () => {
    await using dir = await tempDir();
    const state = dir.file("kafka");
    mkdirSync(state);
    const [plain, sasl, ssl, ctrl] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // scripts/kafka keeps the ports of its state directory when they are free.
    writeFileSync(
      join(state, "ports"),
      `ports.plain=${plain}\nports.sasl=${sasl}\nports.ssl=${ssl}\nports.ctrl=${ctrl}\n`,
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": `127.0.0.1:${plain}`,
        "data.dir": dir.file("data"),
        "socket.connection.setup.timeout.ms": "500",
      },
    });
    try {
      await gw.waitForOutput(/Kafka at 127\.0\.0\.1:\d+ is not reachable \(/);
      const health = await gw.rest.get("/health");
      expect(health.status).toBe(200);
      expect(health.body.message).toContain(`Kafka at 127.0.0.1:${plain} is not reachable yet`);
      expect((await gw.rest.get("/")).body.kafka_cluster_id).toBeNull();

      const started = Bun.spawn(["bash", join(REPO, "scripts/kafka"), "start"], {
        env: { ...process.env, KAFKA_STATE_DIR: state },
        stdout: "pipe",
        stderr: "inherit",
      });
      const info = await new Response(started.stdout).text();
      expect(await started.exited).toBe(0);
      expect(info).toContain(`bootstrap=127.0.0.1:${plain}`);
      const clusterId = /cluster_id=(\S+)/.exec(info)![1]!;

      await gw.waitForOutput(new RegExp(`Connected to Kafka cluster ${clusterId}`), 90_000);
      await waitFor(async () => (await gw.rest.get("/")).body.kafka_cluster_id === clusterId);
      expect((await gw.rest.get("/health")).body.message).toBe(
        "Worker has completed startup and is ready to handle requests.",
      );
    } finally {
      await gw.stop();
      Bun.spawnSync(["bash", join(REPO, "scripts/kafka"), "reset"], {
        env: { ...process.env, KAFKA_STATE_DIR: state },
      });
    }
  }, 240_000);
});
