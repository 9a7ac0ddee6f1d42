/**
 * Every example config of the product documents, copied from them into test/fixtures/seed-examples/,
 * through the running gateway's PUT /connector-plugins/{class}/config/validate (the compiled binary
 * when GATEWAY_BIN is set): the HTTP Source Connector document (shared seed 000), each fragment on top
 * of its "Basic Configuration", and Flink's HTTP connector document (seed 002), each builder example's
 * properties with its `setEndpointUrl` as `url`. None has an error, with the `${secrets:…}` references
 * the source document uses resolved by the worker's SecretFilesConfigProvider, as Connect's validation
 * resolves them. Two documented exceptions: the SSL example's `/path/to/*.jks` are placeholders (real
 * JKS stores stand in for them), and Offset-Based alone is refused on its records path (README,
 * Pagination: with the default `$` only its first page would be read).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import sinkExamples from "./fixtures/seed-examples/http-sink.json";
import sourceExamples from "./fixtures/seed-examples/http-source.json";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeClientStores } from "./support/tls-stores.ts";

type Config = Record<string, string>;

/** The errors PUT …/config/validate reports for `config`, by key, and its error_count. */
async function validate(gw: Gateway, config: Config) {
  const res = await gw.rest.put(`/connector-plugins/${config["connector.class"]}/config/validate`, config);
  expect(res.status).toBe(200);
  const errors: Record<string, string[]> = {};
  for (const { value } of res.body.configs) if (value.errors.length > 0) errors[value.name] = value.errors;
  return { count: res.body.error_count, errors };
}

const NONE = { count: 0, errors: {} };

describe("the product documents' example configs through config/validate", () => {
  test("the HTTP Source Connector document's and Flink's HTTP connector document's are accepted", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const stores = await makeClientStores(dir.path);
    const secrets: Config = {
      "api/token": "api-token",
      "api/username": "api-user",
      "api/password": "api-password",
      "oauth/client-id": "oauth-client",
      "oauth/client-secret": "oauth-secret",
      "github/token": "ghp_token",
      "ssl/truststore-password": stores.password,
      "ssl/keystore-password": stores.password,
    };
    for (const [name, value] of Object.entries(secrets)) {
      mkdirSync(dirname(dir.file(`secrets/${name}`)), { recursive: true });
      writeFileSync(dir.file(`secrets/${name}`), value);
    }
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "config.providers": "secrets",
        "config.providers.secrets.class": "io.edgegateway.config.provider.SecretFilesConfigProvider",
        "config.providers.secrets.param.dir": dir.file("secrets"),
      },
    });

    const { "Basic Configuration": basic, "Complete Example": complete, ...fragments } = sourceExamples;
    const placeholders: Config = {
      "/path/to/truststore.jks": stores.trustJks,
      "/path/to/keystore.jks": stores.clientJks,
    };
    const source: Record<string, Config> = {
      "Basic Configuration": { name: basic.name, ...basic.config },
      "Complete Example": { name: complete.name, ...complete.config },
    };
    for (const [section, fragment] of Object.entries(fragments)) {
      const real = Object.entries(fragment as Config).map(([k, v]) => [k, placeholders[v] ?? v]);
      source[section] = { name: basic.name, ...basic.config, ...Object.fromEntries(real) };
    }
    const { "Offset-Based": offsetBased, ...accepted } = source;
    for (const [section, config] of Object.entries(accepted)) {
      expect({ section, ...(await validate(gw, config)) }).toEqual({ section, ...NONE });
    }
    expect(await validate(gw, offsetBased!)).toEqual({
      count: 1,
      errors: {
        "http.response.records.path": [
          "$ selects at most one record per response, and with http.pagination.type=OFFSET a page with fewer records than http.pagination.limit.value (100) is the last: no page after the first would be read. Select the records, e.g. $[*] or $.data[*]",
        ],
      },
    });
    // With the JSON Response example's records path, as README's Pagination says to set.
    const withPath = { ...offsetBased!, ...sourceExamples["JSON Response"] };
    expect(await validate(gw, withPath)).toEqual(NONE);

    const sinkBase = { name: "http-sink", "connector.class": "HttpSink", topics: "orders" };
    const tableUrl = sinkExamples["Sink Connector options"].properties.url;
    for (const [section, example] of Object.entries(sinkExamples)) {
      const { endpointUrl = tableUrl, properties } = example as { endpointUrl?: string; properties: Config };
      const config = { ...sinkBase, url: endpointUrl, ...properties };
      expect({ section, ...(await validate(gw, config)) }).toEqual({ section, ...NONE });
    }
  });
});
