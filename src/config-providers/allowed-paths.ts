/**
 * `allowed.paths` of FileConfigProvider and DirectoryConfigProvider
 * (org.apache.kafka.common.config.internals.AllowedPaths, KIP-993): a comma-separated list of
 * absolute, existing paths. A path a reference names is normalised (`.` and `..` removed, no
 * symlinks followed, as Java's `Path.normalize`) and must equal one of them or lie beneath one,
 * compared whole component by whole component (`/etc/app` does not allow `/etc/application`).
 * Not set or empty: every path is allowed.
 *
 * Beyond Apache (which compares the normalised path only): the file actually opened must also
 * lie beneath an allowed path once every symlink is followed (`containsRealPath`), so a symlink
 * inside an allowed directory cannot reach outside it, as SecretFilesConfigProvider already does.
 */
import { existsSync, realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { isAbsolute, normalize } from "node:path";
import { type ConfigKey, key, type Validator } from "../plugin/config-def.ts";

export const ALLOWED_PATHS_CONFIG = "allowed.paths";

const ALLOWED_PATHS_DOC =
  "A comma separated list of paths that this config provider is allowed to access. If not set, all paths are allowed.";

/** Java's `Path.normalize`: no `.`/`..` segments, no trailing separator. */
export function normalizePath(path: string): string {
  const normalized = normalize(path);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** True when `path` is `root` or lies beneath it, whole component by whole component. */
export function isWithin(path: string, root: string): boolean {
  if (root === "/") return path.startsWith("/");
  return path === root || path.startsWith(`${root}/`);
}

const absoluteExistingPaths: Validator<string[] | null> = (paths) => {
  for (const path of paths ?? []) {
    const normalized = path === "" ? "" : normalizePath(path);
    if (!isAbsolute(normalized)) return `Path ${normalized} is not absolute`;
    if (!existsSync(normalized)) return `Path ${normalized} does not exist`;
  }
  return undefined;
};

/** The `allowed.paths` key, as both path-based providers declare it. */
export function allowedPathsKey(): ConfigKey<string[] | null> {
  return key.list({
    doc: ALLOWED_PATHS_DOC,
    default: null,
    importance: "MEDIUM",
    validators: [absoluteExistingPaths],
  });
}

function realOrNormalized(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export class AllowedPaths {
  private readonly roots: readonly string[] | undefined;
  /** The roots with their own symlinks followed (an allowed path may itself be a link). */
  private readonly realRoots: readonly string[] | undefined;

  /** `paths` as parsed from `allowed.paths`; null or empty allows every path. */
  constructor(paths: readonly string[] | null) {
    this.roots = paths && paths.length > 0 ? paths.map(normalizePath) : undefined;
    this.realRoots = this.roots?.map(realOrNormalized);
  }

  /**
   * Whether `path`, with every symlink followed, lies beneath an allowed path. A path that does
   * not exist passes (opening it fails anyway); without allowed.paths every path passes.
   */
  async containsRealPath(path: string): Promise<boolean> {
    if (this.realRoots === undefined) return true;
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return true;
    }
    return this.realRoots.some((root) => isWithin(real, root));
  }

  /** The path to open, or undefined when it lies outside every allowed path. */
  parseUntrustedPath(path: string): string | undefined {
    if (this.roots === undefined) return path;
    const normalized = normalizePath(path);
    return this.roots.some((root) => isWithin(normalized, root)) ? normalized : undefined;
  }
}
