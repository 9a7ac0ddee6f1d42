/**
 * DirectoryConfigProvider (org.apache.kafka.common.config.provider.DirectoryConfigProvider):
 * `${dir:/var/run/secrets/db:password}` yields the content of the file `password` in the
 * directory, byte for byte as UTF-8 (nothing trimmed). As Apache: every regular file directly in
 * the directory is a key (symlinks to regular files count, as Kubernetes secret volumes use them;
 * subdirectories are ignored, nothing is recursive); a path outside `allowed.paths` or one that is
 * not a directory yields nothing and logs a warning, and so does a file whose link leads outside
 * `allowed.paths`; a directory or file that cannot be read (or is not UTF-8) is a
 * ConfigError naming it.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { CONNECT_VERSION } from "../version.ts";
import type { ConfigProviderDescriptor } from "./config-provider.ts";
import { isRegularFile, PathConfigProvider, pathConfigProviderConfig, readUtf8 } from "./path-config-provider.ts";

export class DirectoryConfigProvider extends PathConfigProvider {
  protected async read(path: string, dir: string, keys: ReadonlySet<string> | undefined): Promise<Map<string, string>> {
    const data = new Map<string, string>();
    const isDirectory = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDirectory) {
      this.logger.warn(`The path ${path} is not a directory`);
      return data;
    }
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (cause) {
      throw new ConfigError(`Could not list directory ${dir}`, undefined, { cause });
    }
    for (const name of names.sort()) {
      if (keys !== undefined && !keys.has(name)) continue;
      const file = join(dir, name);
      if (!(await isRegularFile(file)) || !(await this.mayRead(file))) continue;
      try {
        data.set(name, await readUtf8(file));
      } catch (cause) {
        throw new ConfigError(`Could not read file ${file} for property ${name}`, undefined, { cause });
      }
    }
    return data;
  }
}

export const directoryConfigProvider: ConfigProviderDescriptor = {
  className: "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
  version: CONNECT_VERSION,
  summary:
    "Reads values from a directory of files, one file per key: `${dir:/path/to/dir:filename}` is the content of " +
    "the file. Restrict the directories it may read with `allowed.paths`.",
  config: pathConfigProviderConfig,
  create: ({ logger }) => new DirectoryConfigProvider(logger),
};
