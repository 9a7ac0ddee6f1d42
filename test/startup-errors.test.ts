/**
 * Startup failures of the real binary: each stops the process with exit code 1 (3 for a connector
 * file, as connect-standalone) and one clear message naming what is wrong (the key, the file), never
 * a stack trace.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

async function failedStartup(dir: string, worker: Record<string, string>, env: Record<string, string> = {}) {
  const { proc, output, pumped } = spawnGateway({ dir, worker, env });
  const code = await proc.exited;
  await pumped;
  return { code, output: output() };
}

const lastLine = (output: string) => output.trimEnd().split("\n").at(-1);

describe("startup errors", () => {
  test.each([
    [
      { "offset.flush.interval.ms": "soon" },
      "Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG",
    ],
    [
      { listeners: "ftp://127.0.0.1:8083" },
      'Invalid value ftp://127.0.0.1:8083 for configuration listeners: Listener protocol must be either "http" or "https".',
    ],
    [
      { "log.level": "LOUD" },
      "Invalid value LOUD for configuration log.level: String must be one of (case insensitive)",
    ],
    // p3e: accepted and ignored whatever its value; response.http.headers.config's refusals are
    // checked against Connect's in connect-response-headers-recorded.test.ts.
    [
      { "exactly.once.source.support": "always" },
      "Invalid value always for configuration exactly.once.source.support: String must be one of (case insensitive): DISABLED, ENABLED, PREPARING",
    ],
    // opshunt: the gateway started, and every task of a connector without its own converter FAILED.
    [
      { "key.converter": "NoSuchConverter" },
      "Invalid value NoSuchConverter for configuration key.converter: Class NoSuchConverter could not be found.",
    ],
    [{ "value.converter": "" }, "Invalid value  for configuration value.converter: Class  could not be found."],
  ])("an invalid worker config %p stops startup naming the key", async (worker, message) => {
    await using dir = await tempDir();
    const { code, output } = await failedStartup(dir.path, worker);
    expect(code).toBe(1);
    expect(output).toContain("gateway: invalid worker configuration: ");
    expect(output).toContain(message);
    expect(output).not.toContain("    at ");
  });

  // As connect-standalone 4.3.1 stops on such a file: its ERROR line, exit code 3.
  test.each([
    [
      "bad.properties",
      "name=bad\nconnector.class=FileStreamSource\ntopic=caf\\u00e\n",
      (f: string) => `${f} is not a valid properties file: Malformed \\uxxxx encoding.`,
    ],
    [
      "noname.json",
      '{"connector.class": "FileStreamSource"}',
      (f: string) => `Connector configuration at '${f}' is missing the mandatory 'name' configuration`,
    ],
    // opswalk: a JSON syntax error was reported only as the missing name.
    [
      "typo.json",
      '{"name": "typo", "config": {"connector.class": "FileStreamSource", "topic": "t"}',
      (f: string) =>
        `Connector configuration at '${f}' is missing the mandatory 'name' configuration (not valid JSON: a ',' or '}' must follow a property's value at line 1 column 81)`,
    ],
    // opswalk-b: the reason was the parser's, which quoted the unquoted password.
    [
      "secret.json",
      '{"name": "api",\n "connector.class": "HttpSink",\n "http.auth.password": Hunter2SecretXyz}',
      (f: string) =>
        `Connector configuration at '${f}' is missing the mandatory 'name' configuration (not valid JSON: a value must be a string in double quotes, a number, true, false, null, an object or an array at line 3 column 24)`,
    ],
    ["missing.properties", undefined, (f: string) => `Cannot read the connector configuration file ${f}: ENOENT`],
  ])(
    "a connector file %s that cannot be used stops startup naming the file, exit code 3, without a stack trace",
    async (name, text, message) => {
      await using dir = await tempDir();
      const file = `${dir.path}/${name}`;
      if (text !== undefined) writeFileSync(file, text);
      const { proc, output, pumped } = spawnGateway({ dir: dir.path, worker: {}, args: [file] });
      expect(await proc.exited).toBe(3);
      await pumped;
      expect(output()).toContain(`ERROR Stopping after connector error: ${message(file)}`);
      expect(output()).not.toContain("    at ");
      expect(output()).not.toContain("Hunter2SecretXyz");
    },
  );

  // Review of opsp3: the connector file failing after the start goes through the graceful stop
  // (bounded, its steps logged) and keeps connect-standalone's exit code 3.
  test("a connector file the herder refuses once the gateway runs stops it gracefully, exit code 3", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const file = dir.file("nope.properties");
    writeFileSync(file, "name=nope\nconnector.class=NoSuchConnector\ntasks.max=1\n");
    const { proc, output, pumped } = spawnGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      args: [file],
    });
    expect(await proc.exited).toBe(3);
    await pumped;
    const lines = output().split("\n");
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(lines[at(`Failed to create connector for ${file}`)]).toContain("ERROR");
    expect(lines[at("Stopping after connector error: ")]).toContain("ERROR");
    expect(at(`Connector file ${file} failed: stopping the gateway`)).toBeGreaterThan(
      at("Stopping after connector error"),
    );
    expect(at("Gateway stopped")).toBeGreaterThan(at(`Connector file ${file} failed: stopping the gateway`));
    expect(output()).not.toContain("Gateway started");
    expect(output()).not.toContain("    at ");
  });

  // A resolved value is a secret wherever it lands: stderr shows [hidden], as the log does.
  test("a config provider's value that is invalid for its key is hidden in the startup error", async () => {
    await using dir = await tempDir();
    const { code, output } = await failedStartup(
      dir.path,
      {
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "offset.flush.interval.ms": "${env:STARTUP_SECRET}",
      },
      { STARTUP_SECRET: "st4rtup-s3cret-value" },
    );
    expect(code).toBe(1);
    expect(output).toContain(
      "gateway: invalid worker configuration: Invalid value [hidden] for configuration offset.flush.interval.ms: Not a number of type LONG",
    );
    expect(output).not.toContain("st4rtup-s3cret-value");
  });

  test("CONNECT_* environment variables configure the worker (and can be wrong too)", async () => {
    await using dir = await tempDir();
    const { code, output } = await failedStartup(dir.path, {}, { CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS: "x" });
    expect(code).toBe(1);
    expect(output).toContain("Invalid value x for configuration task.shutdown.graceful.timeout.ms");
  });

  test("a misspelled or removed worker key is warned about once, as Connect's clients do", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const worker = {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "offest.flush.interval.ms": "100",
      "producer.linger.ms": "5",
      "key.converter.schemas.enable": "false",
    };
    await using gw = await startGateway({ dir: dir.path, worker, env: { CONNECT_REST_PORT: "8083" } });
    await gw.waitForOutput(/Gateway started/);
    const warnings = gw.output().match(/WARN .*isn't a known config.*/g);
    expect(warnings).toEqual([
      expect.stringContaining("The configuration 'offest.flush.interval.ms' was supplied but isn't a known config."),
      expect.stringContaining(
        "The configuration 'rest.port' was supplied but isn't a known config (from the environment variable CONNECT_REST_PORT).",
      ),
    ]);
  });

  // opshunt: as in Connect the reference is used as written (data.dir=${env:DATA} without DATA is a
  // directory of that name), which nothing said.
  test("a worker config reference no provider resolves is warned about, naming the key and nothing of its value", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const worker = {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "config.providers": "env",
      "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
      "access.control.allow.origin": "${env:OPSHUNT_NEVER_SET}",
    };
    await using gw = await startGateway({ dir: dir.path, worker });
    expect(gw.output()).toContain(
      'WARN Worker config: config provider references in the values of "access.control.allow.origin" were not resolved and are used as written',
    );
    expect(gw.output()).not.toContain("OPSHUNT_NEVER_SET");
  });

  test("a data file in use by another gateway is reported as locked", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const worker = { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") };
    mkdirSync(dir.file("first"));
    await using first = await startGateway({ dir: dir.file("first"), worker });
    mkdirSync(dir.file("second"));
    const { code, output } = await failedStartup(dir.file("second"), worker);
    expect(code).toBe(1);
    expect(output).toContain(
      `The data file ${dir.file("data")}/gateway.db is locked by another process: is another gateway running with data.dir=${dir.file("data")}?`,
    );
    expect((await first.rest.get("/health")).status).toBe(200);
  });

  test("a corrupt data file is reported as corrupt", async () => {
    await using dir = await tempDir();
    mkdirSync(dir.file("data"));
    writeFileSync(
      dir.file("data/gateway.db"),
      "this is not a database, just text that is long enough to look like a header".repeat(20),
    );
    const { code, output } = await failedStartup(dir.path, { "data.dir": dir.file("data") });
    expect(code).toBe(1);
    expect(output).toContain(`The data file ${dir.file("data")}/gateway.db is corrupt`);
  });

  // opshunt: SQLite's "unable to open database file" and mkdir's EEXIST did not say what was wrong.
  test("a directory where the data file should be, and a file where data.dir should be, are named as such", async () => {
    await using dir = await tempDir();
    mkdirSync(dir.file("data/gateway.db"), { recursive: true });
    const directory = await failedStartup(dir.path, { "data.dir": dir.file("data") });
    expect(directory.code).toBe(1);
    expect(lastLine(directory.output)).toBe(
      `gateway: The data file ${dir.file("data")}/gateway.db is not a file (a directory or a device): move it away`,
    );
    writeFileSync(dir.file("plain"), "x");
    const file = await failedStartup(dir.path, { "data.dir": dir.file("plain") });
    expect(file.code).toBe(1);
    expect(lastLine(file.output)).toBe(
      `gateway: The data directory ${dir.file("plain")} (data.dir) is a file, not a directory`,
    );
  });

  test("an unwritable data directory is reported", async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; a path under a regular file can never be created instead.
      await using dir = await tempDir();
      writeFileSync(dir.file("plain-file"), "x");
      const { code, output } = await failedStartup(dir.path, { "data.dir": dir.file("plain-file/data") });
      expect(code).toBe(1);
      expect(output).toContain(`Cannot create the data directory ${dir.file("plain-file/data")} (data.dir)`);
      return;
    }
    await using dir = await tempDir();
    mkdirSync(dir.file("ro"));
    chmodSync(dir.file("ro"), 0o500);
    const { code, output } = await failedStartup(dir.path, { "data.dir": dir.file("ro") });
    expect(code).toBe(1);
    expect(output).toContain("is not writable");
  });

  test("a damaged JKS key store is an error naming the key and the file, never the password", async () => {
    await using dir = await tempDir();
    const jks = dir.file("server.jks");
    // A JKS store starts with the magic number 0xFEEDFEED.
    writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 0]));
    const { code, output } = await failedStartup(dir.path, {
      listeners: "https://127.0.0.1:0",
      "listeners.https.ssl.keystore.location": jks,
      "listeners.https.ssl.keystore.password": "changeit",
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `Invalid value for configuration listeners.https.ssl.keystore.location: cannot open the JKS store ${jks} (wrong password or damaged file)`,
    );
    expect(output).not.toContain("changeit");
  });

  test("a key store that is neither PEM, JKS nor PKCS12 is an error naming the key and the file, never the password", async () => {
    await using dir = await tempDir();
    const store = dir.file("server.pem");
    writeFileSync(store, "not a key store\n");
    const { code, output } = await failedStartup(dir.path, {
      listeners: "https://127.0.0.1:0",
      "listeners.https.ssl.keystore.location": store,
      "listeners.https.ssl.keystore.password": "pkcs12-pass-9",
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `Invalid value for configuration listeners.https.ssl.keystore.location: cannot open the PKCS12 store ${store} (wrong password or not PKCS12)`,
    );
    expect(output).not.toContain("pkcs12-pass-9");
    expect(output).not.toContain("    at ");
  });

  test("a listener that cannot open says why: the port in use, an address not of this host", async () => {
    await using dir = await tempDir();
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const inUse = await failedStartup(dir.path, { listeners: `http://127.0.0.1:${holder.port}` });
      expect(inUse.code).toBe(1);
      expect(inUse.output).toContain(
        `gateway: Cannot listen on http://127.0.0.1:${holder.port}: port ${holder.port} is already in use by another process (EADDRINUSE)`,
      );
    } finally {
      holder.stop(true);
    }
    // opshunt: the gateway's own REST listener on the port was reported as "another process". A port
    // free a moment ago: the configuration is refused before anything binds it.
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const free = `http://127.0.0.1:${probe.port}`;
    probe.stop(true);
    const twice = await failedStartup(dir.path, { listeners: free, "admin.listeners": free });
    expect(twice.code).toBe(1);
    expect(twice.output).toContain(
      `gateway: invalid worker configuration: Invalid value ${free} for configuration admin.listeners: the admin listener must not share a port with the REST listener ${free}`,
    );
    const ingestHolder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const ingest = await failedStartup(dir.path, { "ingest.listeners": `http://127.0.0.1:${ingestHolder.port}` });
      expect(ingest.code).toBe(1);
      expect(ingest.output).toContain(
        `gateway: Cannot listen on http://127.0.0.1:${ingestHolder.port} (ingest.listeners): port ${ingestHolder.port} is already in use by another process (EADDRINUSE)`,
      );
    } finally {
      ingestHolder.stop(true);
    }
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host; nothing is sent to it.
    const foreign = await failedStartup(dir.path, { listeners: "http://192.0.2.1:18083" });
    expect(foreign.code).toBe(1);
    expect(foreign.output).toContain(
      "gateway: Cannot listen on http://192.0.2.1:18083: 192.0.2.1 is not an address of this host (EADDRNOTAVAIL)",
    );
  });
});
