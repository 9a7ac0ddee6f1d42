/**
 * FileConfigProvider (org.apache.kafka.common.config.provider.FileConfigProvider):
 * `${file:/etc/kafka/app.properties:db.password}` reads the Java properties file at the path and
 * yields the named keys. As Apache: an empty path yields nothing; a path outside `allowed.paths`
 * yields nothing and logs a warning (the reference stays as written); a file that cannot be read
 * (or is not UTF-8) is a ConfigError naming the path.
 */
import { ConfigError } from "../errors.ts";
import { parseProperties } from "../util/properties.ts";
import { CONNECT_VERSION } from "../version.ts";
import type { ConfigProviderDescriptor } from "./config-provider.ts";
import { PathConfigProvider, pathConfigProviderConfig, readUtf8 } from "./path-config-provider.ts";

export class FileConfigProvider extends PathConfigProvider {
  protected async read(
    path: string,
    filePath: string,
    keys: ReadonlySet<string> | undefined,
  ): Promise<Map<string, string>> {
    let text: string;
    try {
      text = await readUtf8(filePath);
    } catch (cause) {
      throw new ConfigError(`Could not read properties from file ${path}`, undefined, { cause });
    }
    const data = new Map<string, string>();
    for (const [key, value] of Object.entries(parseProperties(text))) {
      if (keys === undefined || keys.has(key)) data.set(key, value);
    }
    return data;
  }
}

export const fileConfigProvider: ConfigProviderDescriptor = {
  className: "org.apache.kafka.common.config.provider.FileConfigProvider",
  version: CONNECT_VERSION,
  summary:
    "Reads values from Java properties files: `${file:/path/to/file.properties:key}`. Restrict the files it may " +
    "read with `allowed.paths`.",
  config: pathConfigProviderConfig,
  create: ({ logger }) => new FileConfigProvider(logger),
};
