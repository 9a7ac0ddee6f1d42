/**
 * What FileConfigProvider and DirectoryConfigProvider share, as Apache's do: the `allowed.paths`
 * key, and the checks before a path is read. An empty path yields nothing; a path outside
 * `allowed.paths` yields nothing and logs a warning, so the reference stays as written. "Outside"
 * counts after symlinks are followed: the path itself here, each file read by the subclass through
 * `mayRead`.
 */
import { stat } from "node:fs/promises";
import { ConnectError } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { PROVIDER_FILE_MAX_BYTES, readBoundedFile } from "../util/bounded-file.ts";
import type { Logger } from "../util/logger.ts";
import { ALLOWED_PATHS_CONFIG, AllowedPaths, allowedPathsKey } from "./allowed-paths.ts";
import type { ConfigProvider } from "./config-provider.ts";

export const pathConfigProviderConfig = defineConfig({
  [ALLOWED_PATHS_CONFIG]: allowedPathsKey(),
});

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of a file the providers read, as Apache's read it (a UTF-8 BufferedReader, Files.readString):
 * bytes that are not UTF-8 are an error, not U+FFFD in a secret; a byte order mark stays a character.
 * Read bounded (readBoundedFile): a FIFO, /dev/zero or a file over 16 MiB a connector config names is
 * an error, not a blocked thread or memory grown without limit.
 */
export async function readUtf8(path: string): Promise<string> {
  return utf8.decode(readBoundedFile(path, PROVIDER_FILE_MAX_BYTES));
}

/** True when `path` is a regular file, symlinks followed; false when it is anything else or missing. */
export async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export abstract class PathConfigProvider implements ConfigProvider {
  private allowedPaths: AllowedPaths | undefined;

  constructor(protected readonly logger: Logger) {}

  configure(params: Readonly<Record<string, string>>): void {
    this.allowedPaths = new AllowedPaths(pathConfigProviderConfig.parse(params)[ALLOWED_PATHS_CONFIG]);
  }

  async get(path: string, keys?: ReadonlySet<string>): Promise<Map<string, string>> {
    if (this.allowedPaths === undefined) throw new ConnectError("The provider has not been configured yet.");
    if (path === "") return new Map();
    const allowed = this.allowedPaths.parseUntrustedPath(path);
    if (allowed === undefined || !(await this.allowedPaths.containsRealPath(allowed))) {
      this.logger.warn(`The path ${path} is not allowed to be accessed`);
      return new Map();
    }
    return this.read(path, allowed, keys);
  }

  /** Whether the file at `path` (symlinks followed) may be read; logs a warning when not. */
  protected async mayRead(path: string): Promise<boolean> {
    if (await this.allowedPaths!.containsRealPath(path)) return true;
    this.logger.warn(`The path ${path} is not allowed to be accessed`);
    return false;
  }

  close(): void {}

  /** The values at `allowed` (the path as given is `path`, for messages), limited to `keys` when given. */
  protected abstract read(
    path: string,
    allowed: string,
    keys: ReadonlySet<string> | undefined,
  ): Promise<Map<string, string>>;
}
