/**
 * DirectoryConfigProvider (org.apache.kafka.common.config.provider.DirectoryConfigProvider):
 * `${dir:/var/run/secrets/db:password}` yields the content of the file `password` in the
 * directory, byte for byte as UTF-8 (nothing trimmed). As Apache: every regular file directly in
 * the directory is a key (symlinks to regular files count, as Kubernetes secret volumes use them;
 * subdirectories are ignored, nothing is recursive); a path outside `allowed.paths` or one that is
 * not a directory yields nothing and logs a warning; a directory or file that cannot be read is a
 * ConfigError naming it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, ConnectError } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import type { Logger } from "../util/logger.ts";
import { CONNECT_VERSION } from "../version.ts";
import { ALLOWED_PATHS_CONFIG, AllowedPaths, allowedPathsKey } from "./allowed-paths.ts";
import type { ConfigProvider, ConfigProviderDescriptor } from "./config-provider.ts";

export const directoryConfigProviderConfig = defineConfig({
  [ALLOWED_PATHS_CONFIG]: allowedPathsKey(),
});

function configError(message: string, cause: unknown): ConfigError {
  const error = new ConfigError(message);
  error.cause = cause;
  return error;
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export class DirectoryConfigProvider implements ConfigProvider {
  private allowedPaths: AllowedPaths | undefined;

  constructor(private readonly logger: Logger) {}

  configure(params: Readonly<Record<string, string>>): void {
    this.allowedPaths = new AllowedPaths(directoryConfigProviderConfig.parse(params)[ALLOWED_PATHS_CONFIG]);
  }

  async get(path: string, keys?: ReadonlySet<string>): Promise<Map<string, string>> {
    if (this.allowedPaths === undefined) throw new ConnectError("The provider has not been configured yet.");
    const data = new Map<string, string>();
    if (path === "") return data;
    const dir = this.allowedPaths.parseUntrustedPath(path);
    if (dir === undefined) {
      this.logger.warn(`The path ${path} is not allowed to be accessed`);
      return data;
    }
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      this.logger.warn(`The path ${path} is not a directory`);
      return data;
    }
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (cause) {
      throw configError(`Could not list directory ${dir}`, cause);
    }
    for (const name of names.sort()) {
      if (keys !== undefined && !keys.has(name)) continue;
      const file = join(dir, name);
      if (!(await isRegularFile(file))) continue;
      try {
        data.set(name, await readFile(file, "utf8"));
      } catch (cause) {
        throw configError(`Could not read file ${file} for property ${name}`, cause);
      }
    }
    return data;
  }

  close(): void {}
}

export const directoryConfigProvider: ConfigProviderDescriptor = {
  className: "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
  version: CONNECT_VERSION,
  summary:
    "Reads values from a directory of files, one file per key: `${dir:/path/to/dir:filename}` is the content of " +
    "the file. Restrict the directories it may read with `allowed.paths`.",
  config: directoryConfigProviderConfig,
  create: ({ logger }) => new DirectoryConfigProvider(logger),
};
