/**
 * An ingest connector's validation with several other ingest connectors whose config provider does
 * not answer (a FIFO, a hung vault): their values are asked for at once, so the validation waits
 * for one RESOLVE_TIMEOUT_MS at most, not one per connector (review62: asked one after the other,
 * 18 such connectors made every ingest validation outlast the REST API's 90 s request timeout).
 */
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { builtInRegistry } from "../plugins.ts";
import { LogManager } from "../util/logger.ts";
import { ConfigValidator } from "./config-validator.ts";
import type { OtherConnector } from "./other-connector-values.ts";
import type { ResolveConfig } from "./resolved-values.ts";

test("the other connectors' hung providers are asked at once, not one timeout after another", async () => {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  /** What the hung provider was asked, and how to answer it. */
  const asked: Config[] = [];
  const answers: (() => void)[] = [];
  const resolver: ResolveConfig = (config) => {
    if (!Object.values(config).some((v) => v.includes("${hung:"))) return Promise.resolve(config);
    asked.push(config);
    return new Promise((resolve) => answers.push(() => resolve({ "ingest.path": `/resolved/${asked.length}` })));
  };
  const others: OtherConnector[] = ["a", "b", "c"].map((name) => ({
    name,
    stored: { "connector.class": "HttpIngestSource", "kafka.topic": "t", "ingest.path": `\${hung:${name}:path}` },
    running: undefined,
  }));
  const validator = new ConfigValidator(
    builtInRegistry(),
    logs,
    resolver,
    ConnectorClientConfigOverridePolicy.ALL,
    () => others,
  );
  const validated = validator.validate({
    "connector.class": "HttpIngestSource",
    name: "n",
    "kafka.topic": "t",
    "ingest.path": "/resolved/9",
    "ingest.rest.proxy.enable": "false",
  });
  await waitFor(() => asked.length > 0, { what: "a provider asked" });
  // All three asked before the first could time out.
  expect(asked).toHaveLength(3);
  for (const answer of answers) answer();
  const infos = await validated;
  expect(infos.configs.find((c) => c.value?.name === "ingest.path")?.value?.errors).toEqual([]);
  expect(lines.filter((l) => l.includes("Could not compare"))).toEqual([]);
});
