/**
 * The README's config providers, as written: the worker properties block under "## Secrets: config
 * providers" (env and secret-file providers, the Kafka password from `${env:GATEWAY_KAFKA_PASSWORD}`
 * in `sasl.jaas.config`), read as the gateway reads its worker file, and the connector setting the
 * README shows after it (`"http.auth.password": "${secrets:api/password}"`, the file
 * `/run/secrets/api/password`). The gateway (the compiled binary under GATEWAY_BIN) must reach the
 * real broker's SASL listener with the password from the environment, an HTTP source must log in to
 * a local API with the password from the file and its records reach Kafka, and the config must show
 * the reference, never the value.
 *
 * Substitutions, the only ones a shared test machine needs: `/run/secrets` → a scratch directory;
 * the SASL user `edge` → `gateway`, the user of the test broker's SASL listener (whose password is
 * what `GATEWAY_KAFKA_PASSWORD` holds). Worker keys the block leaves out are the test's:
 * bootstrap.servers (the SASL listener), security.protocol=SASL_PLAINTEXT, sasl.mechanism=PLAIN,
 * listeners (port 0), data.dir.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { parseProperties, readmeBlock, readmeText, substitute } from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const KAFKA_PASSWORD = "gateway-secret";
const API_PASSWORD = "api-password-from-a-file-31";

describe("README: secrets from config providers", () => {
  test("the worker block and a connector's ${secrets:…} reference work as written", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("readme-secrets-");
    mkdirSync(dir.file("secrets/api"), { recursive: true });
    writeFileSync(dir.file("secrets/api/password"), API_PASSWORD);
    using api = startApi((req) =>
      req.headers.get("authorization") === `Basic ${Buffer.from(`edge-api:${API_PASSWORD}`).toString("base64")}`
        ? Response.json([{ reading: 1 }, { reading: 2 }])
        : new Response("{}", { status: 401 }),
    );

    const block = substitute(readmeBlock("## Secrets: config providers"), [
      ["/run/secrets", dir.file("secrets")],
      ['username="edge"', 'username="gateway"'],
    ]);
    await using gw = await startGateway({
      dir: dir.path,
      env: { GATEWAY_KAFKA_PASSWORD: KAFKA_PASSWORD },
      worker: {
        ...parseProperties(block),
        "bootstrap.servers": kafka.bootstrapSasl,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "PLAIN",
        listeners: "http://127.0.0.1:0",
        "data.dir": dir.file("data"),
      },
    });
    await waitFor(async () => (await gw.rest.get<any>("/")).body.kafka_cluster_id === kafka.clusterId, {
      what: "the gateway connected to Kafka over SASL with the password from the environment",
    });

    // "A connector can then say `"http.auth.password": "${secrets:api/password}"`"
    const setting = /A connector can then say `("http\.auth\.password": "[^"]+")`/.exec(readmeText())?.[1];
    expect(setting).toBe('"http.auth.password": "${secrets:api/password}"');
    const topic = uniqueTopic("readings");
    const config = {
      "connector.class": "HttpSource",
      "http.url": `${api.base}/readings`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "300000",
      "http.response.records.path": "$[*]",
      "http.auth.type": "BASIC",
      "http.auth.user": "edge-api",
      ...JSON.parse(`{${setting}}`),
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.put("/connectors/readings/config", config)).status).toBe(201);
    const records = await readTopic(topic, 2);
    expect(records.map((r) => r.value?.toString())).toEqual(['{"reading":1}', '{"reading":2}']);
    expect((await gw.rest.get<any>("/connectors/readings/config")).body["http.auth.password"]).toBe(
      "${secrets:api/password}",
    );
    expect(gw.output()).not.toContain(API_PASSWORD);
    expect(gw.output()).not.toContain(KAFKA_PASSWORD);
  });

  // opswalk: a misspelled provider (`secret` for `secrets`) went to the API as written, without a word.
  // opswalk-b: the WARN named a "provider" read off a value (`Xy${Zq9PartOfSecret:v}`, part of a password).
  test("references config.providers cannot resolve are named by config key in a WARN at the connector's start, no value text", async () => {
    await using dir = await tempDir("readme-secrets-typo-");
    mkdirSync(dir.file("secrets/api"), { recursive: true });
    writeFileSync(dir.file("secrets/api/password"), API_PASSWORD);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "config.providers": "secrets",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.file("secrets"),
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        listeners: "http://127.0.0.1:0",
        "data.dir": dir.file("data"),
      },
    });
    const config = {
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic: uniqueTopic("readings-typo"),
      "http.headers": "X-A: ${secrets:api/password}, X-B: ${secret:api/token}",
      "http.auth.password": "Xy${Zq9PartOfSecret:v}",
    };
    expect((await gw.rest.put("/connectors/readings/config", config)).status).toBe(201);
    const [line] = await gw.waitForOutput(/WARN Connector readings: config provider references.*/);
    expect(line).toBe(
      'WARN Connector readings: config provider references in the values of "http.headers", "http.auth.password" were not resolved and are used as written: config.providers names no such provider, or the provider has no value for the key (org.apache.kafka.connect.runtime.Worker)',
    );
    expect(gw.output()).not.toContain(API_PASSWORD);
    expect(gw.output()).not.toContain("Zq9PartOfSecret");
  });
});
