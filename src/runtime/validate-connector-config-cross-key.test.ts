import { describe, expect, test } from "bun:test";
import type { Config } from "../api/connector.ts";
import type { ConfigInfos } from "../plugin/describe-config.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { SCRIPTED_SOURCE, Scripted, scriptedPlugins } from "./herder-test-support.ts";
import { configErrorMessage, validateConnectorConfig } from "./validate-connector-config.ts";

describe("a connector's cross-key rules (its descriptor's validate)", () => {
  const scripted = new Scripted();
  const crossKeyRegistry = new PluginRegistry(scriptedPlugins(scripted));
  const base = { "connector.class": SCRIPTED_SOURCE, name: "s" };
  const errorsOf = (infos: ConfigInfos, key: string) =>
    infos.configs.find((c) => (c.definition?.name ?? c.value?.name) === key)?.value?.errors;

  test("a violated rule is reported on the key at fault and counted", () => {
    const { infos } = validateConnectorConfig(crossKeyRegistry, { ...base, "auth.type": "BEARER" });
    expect(infos.error_count).toBe(1);
    expect(errorsOf(infos, "auth.token")).toEqual(["auth.token is required when auth.type is BEARER"]);
    expect(errorsOf(infos, "auth.type")).toEqual([]);
    expect(configErrorMessage(infos)).toBe(
      "Connector configuration is invalid and contains the following 1 error(s):\n" +
        "auth.token is required when auth.type is BEARER\n" +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
  });

  test("a satisfied rule adds nothing", () => {
    const { infos } = validateConnectorConfig(crossKeyRegistry, {
      ...base,
      "auth.type": "BEARER",
      "auth.token": "t0ken",
    });
    expect(infos.error_count).toBe(0);
  });

  test("runs only once the connector's own keys are individually valid", () => {
    const seen: Config[] = [];
    scripted.script = {
      validate: (c) => {
        seen.push(c);
        return [];
      },
    };
    const { infos } = validateConnectorConfig(crossKeyRegistry, { ...base, "auth.type": "BASIC" });
    expect(infos.error_count).toBe(1);
    expect(errorsOf(infos, "auth.type")).toEqual([
      "Invalid value BASIC for configuration auth.type: String must be one of: NONE, BEARER",
    ]);
    expect(seen).toEqual([]);
    scripted.script = {};
  });

  test("sees the config without null values, and a problem on an undeclared key gets its own entry", () => {
    const seen: Config[] = [];
    scripted.script = {
      validate: (c) => {
        seen.push(c);
        return [{ key: "extra.key", message: "extra.key is not allowed with topic=x" }];
      },
    };
    const { infos } = validateConnectorConfig(crossKeyRegistry, {
      ...base,
      topic: "x",
      "extra.key": "1",
      "null.key": null,
    });
    expect(seen).toEqual([{ ...base, topic: "x", "extra.key": "1" }]);
    expect(infos.error_count).toBe(2);
    expect(infos.configs.find((c) => c.value?.name === "extra.key")).toEqual({
      definition: null,
      value: {
        name: "extra.key",
        value: "1",
        recommended_values: [],
        errors: ["extra.key is not allowed with topic=x"],
        visible: true,
      },
    });
    scripted.script = {};
  });
});
