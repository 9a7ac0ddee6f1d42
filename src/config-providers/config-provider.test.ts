import { describe, expect, test } from "bun:test";
import { defineConfig } from "../plugin/config-def.ts";
import {
  builtinConfigProviders,
  type ConfigProvider,
  type ConfigProviderDescriptor,
  ConfigProviderRegistry,
  defaultConfigProviderRegistry,
} from "./config-provider.ts";

const FILE = "org.apache.kafka.common.config.provider.FileConfigProvider";
const DIRECTORY = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
const ENV = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";
const SECRETS = "io.edgegateway.config.provider.SecretFilesConfigProvider";

function fake(className: string): ConfigProviderDescriptor {
  return {
    className,
    version: "1",
    summary: "fake",
    config: defineConfig({}),
    create: (): ConfigProvider => ({ configure: () => {}, get: () => new Map() }),
  };
}

describe("ConfigProviderRegistry", () => {
  test.each([
    [FILE, FILE],
    ["FileConfigProvider", FILE],
    ["File", FILE],
    [DIRECTORY, DIRECTORY],
    ["DirectoryConfigProvider", DIRECTORY],
    ["Directory", DIRECTORY],
    [ENV, ENV],
    ["EnvVarConfigProvider", ENV],
    ["EnvVar", ENV],
    [SECRETS, SECRETS],
    ["SecretFilesConfigProvider", SECRETS],
    ["SecretFiles", SECRETS],
    [` ${FILE} `, FILE],
  ])("finds %p as %p", (name, className) => {
    expect(defaultConfigProviderRegistry().find(name)?.className).toBe(className);
  });

  test.each([["file"], ["org.apache.kafka.common.config.provider.Missing"], ["ConfigProvider"]])(
    "finds nothing for %p",
    (name) => {
      expect(defaultConfigProviderRegistry().find(name)).toBeUndefined();
    },
  );

  test("drops an alias two classes share, as Connect's computeAliases does", () => {
    const registry = new ConfigProviderRegistry([fake("a.VaultConfigProvider"), fake("b.VaultConfigProvider")]);
    expect(registry.find("VaultConfigProvider")).toBeUndefined();
    expect(registry.find("Vault")).toBeUndefined();
    expect(registry.find("a.VaultConfigProvider")?.className).toBe("a.VaultConfigProvider");
  });

  test("lists class names sorted", () => {
    expect(defaultConfigProviderRegistry().classNames()).toEqual([SECRETS, DIRECTORY, ENV, FILE]);
  });

  test("every built-in provider describes each of its params", () => {
    for (const descriptor of builtinConfigProviders) {
      expect(descriptor.summary).not.toBe("");
      for (const k of descriptor.config.keys) expect(k.doc).not.toBe("");
    }
  });
});
