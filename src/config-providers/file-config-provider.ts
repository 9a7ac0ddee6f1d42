/**
 * FileConfigProvider (org.apache.kafka.common.config.provider.FileConfigProvider):
 * `${file:/etc/kafka/app.properties:db.password}` reads the Java properties file at the path and
 * yields the named keys. As Apache: an empty path yields nothing; a path outside `allowed.paths`
 * yields nothing and logs a warning (the reference stays as written); a file that cannot be read
 * is a ConfigError naming the path.
 */
import { readFile } from "node:fs/promises";
import { ConfigError, ConnectError } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import type { Logger } from "../util/logger.ts";
import { parseProperties } from "../util/properties.ts";
import { CONNECT_VERSION } from "../version.ts";
import { ALLOWED_PATHS_CONFIG, AllowedPaths, allowedPathsKey } from "./allowed-paths.ts";
import type { ConfigProvider, ConfigProviderDescriptor } from "./config-provider.ts";

export const fileConfigProviderConfig = defineConfig({
  [ALLOWED_PATHS_CONFIG]: allowedPathsKey(),
});

export class FileConfigProvider implements ConfigProvider {
  private allowedPaths: AllowedPaths | undefined;

  constructor(private readonly logger: Logger) {}

  configure(params: Readonly<Record<string, string>>): void {
    this.allowedPaths = new AllowedPaths(fileConfigProviderConfig.parse(params)[ALLOWED_PATHS_CONFIG]);
  }

  async get(path: string, keys?: ReadonlySet<string>): Promise<Map<string, string>> {
    if (this.allowedPaths === undefined) throw new ConnectError("The provider has not been configured yet.");
    const data = new Map<string, string>();
    if (path === "") return data;
    const filePath = this.allowedPaths.parseUntrustedPath(path);
    if (filePath === undefined) {
      this.logger.warn(`The path ${path} is not allowed to be accessed`);
      return data;
    }
    let text: string;
    try {
      text = await readFile(filePath, "utf8");
    } catch (cause) {
      const error = new ConfigError(`Could not read properties from file ${path}`);
      error.cause = cause;
      throw error;
    }
    const properties = parseProperties(text);
    for (const [key, value] of Object.entries(properties)) {
      if (keys === undefined || keys.has(key)) data.set(key, value);
    }
    return data;
  }

  close(): void {}
}

export const fileConfigProvider: ConfigProviderDescriptor = {
  className: "org.apache.kafka.common.config.provider.FileConfigProvider",
  version: CONNECT_VERSION,
  summary:
    "Reads values from Java properties files: `${file:/path/to/file.properties:key}`. Restrict the files it may " +
    "read with `allowed.paths`.",
  config: fileConfigProviderConfig,
  create: ({ logger }) => new FileConfigProvider(logger),
};
