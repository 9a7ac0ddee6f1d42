/**
 * SecretFilesConfigProvider (io.edgegateway.config.provider.SecretFilesConfigProvider): the
 * gateway's provider for secrets mounted as files (Docker and Kubernetes secrets, systemd
 * credentials). With `config.providers.secrets.param.dir=/run/secrets`:
 *
 * - `${secrets:api/token}` is the content of `/run/secrets/api/token`, one trailing line break
 *   (`\n` or `\r\n`) removed, as `echo` and most editors add one;
 * - `${secrets:db.properties:password}` is the key `password` of the Java properties file
 *   `/run/secrets/db.properties` (the path is relative to `dir`, as FileConfigProvider's form).
 *
 * Unlike Apache's providers, which leave a reference they cannot resolve as written, this one
 * fails loudly: a missing file or key, a name that is absolute or has a `..` segment, and a file
 * whose real path (symlinks followed) lies outside the real `dir` are ConfigErrors naming the key
 * and `dir`, never the content. Symlinks that stay inside `dir` (Kubernetes' `..data` links) work.
 */
import { existsSync, statSync } from "node:fs";
import { readdir, realpath } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { ConfigError, ConnectError } from "../errors.ts";
import { defineConfig, key, type Validator } from "../plugin/config-def.ts";
import { PROVIDER_FILE_MAX_BYTES, readBoundedFile } from "../util/bounded-file.ts";
import { parseProperties } from "../util/properties.ts";
import { GATEWAY_VERSION } from "../version.ts";
import { isWithin, normalizePath } from "./allowed-paths.ts";
import type { ConfigProvider, ConfigProviderDescriptor } from "./config-provider.ts";
import { isRegularFile } from "./path-config-provider.ts";

export const SECRET_FILES_DIR_CONFIG = "dir";

const existingDirectory: Validator<string> = (dir) => {
  if (!isAbsolute(dir)) return `Path ${dir} is not absolute`;
  if (!existsSync(dir)) return `Path ${dir} does not exist`;
  if (!statSync(dir).isDirectory()) return `Path ${dir} is not a directory`;
  return undefined;
};

export const secretFilesConfigProviderConfig = defineConfig({
  [SECRET_FILES_DIR_CONFIG]: key.string({
    doc:
      "The absolute path of the directory holding the secret files, e.g. /run/secrets. `${secrets:api/token}` " +
      "reads the file api/token beneath it; no reference can read a file outside it.",
    importance: "HIGH",
    validators: [existingDirectory],
  }),
});

function fail(message: string, cause?: unknown): never {
  throw new ConfigError(message, undefined, cause === undefined ? undefined : { cause });
}

/** Removes one trailing line break. */
function trimNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

export class SecretFilesConfigProvider implements ConfigProvider {
  private dir: string | undefined;

  configure(params: Readonly<Record<string, string>>): void {
    this.dir = normalizePath(secretFilesConfigProviderConfig.parse(params)[SECRET_FILES_DIR_CONFIG]);
  }

  async get(path: string, keys?: ReadonlySet<string>): Promise<Map<string, string>> {
    const dir = this.dir;
    if (dir === undefined) throw new ConnectError("The provider has not been configured yet.");
    return path === "" ? this.files(dir, keys) : this.properties(dir, path, keys);
  }

  close(): void {}

  /** `${secrets:name}`: one file per key; without keys, every regular file directly in `dir` that stays in it. */
  private async files(dir: string, keys: ReadonlySet<string> | undefined): Promise<Map<string, string>> {
    const names = keys ?? (await this.topLevelFiles(dir));
    const data = new Map<string, string>();
    for (const name of names) data.set(name, trimNewline(await this.read(dir, name)));
    return data;
  }

  /** `${secrets:file:key}`: keys of the properties file `file` beneath `dir`. */
  private async properties(
    dir: string,
    path: string,
    keys: ReadonlySet<string> | undefined,
  ): Promise<Map<string, string>> {
    const properties = parseProperties(await this.read(dir, path));
    const data = new Map<string, string>();
    for (const name of keys ?? Object.keys(properties)) {
      if (!Object.hasOwn(properties, name)) fail(`Secret file ${path} in ${dir} has no key ${name}`);
      data.set(name, properties[name]!);
    }
    return data;
  }

  /** Regular files directly in `dir` whose real path stays inside it. */
  private async topLevelFiles(dir: string): Promise<string[]> {
    const realDir = await realpath(dir);
    const names: string[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const real = await realpath(join(dir, name)).catch(() => undefined);
      if (real !== undefined && isWithin(real, realDir) && (await isRegularFile(real))) names.push(name);
    }
    return names;
  }

  /** The content of `name` beneath `dir`, after checking it cannot escape `dir`. */
  private async read(dir: string, name: string): Promise<string> {
    if (name === "" || name.includes("\0")) fail(`Invalid secret name '${name}'`);
    if (isAbsolute(name)) fail(`Secret ${name} must be a path relative to ${dir}`);
    if (name.split("/").includes("..")) fail(`Secret ${name} must not contain '..'`);
    let realDir: string;
    let realFile: string;
    try {
      realDir = await realpath(dir);
      realFile = await realpath(join(dir, name));
    } catch (cause) {
      fail(`Secret ${name} not found in ${dir}`, cause);
    }
    if (!isWithin(realFile, realDir)) fail(`Secret ${name} resolves to a file outside ${dir}`);
    if (!(await isRegularFile(realFile))) fail(`Secret ${name} in ${dir} is not a regular file`);
    try {
      return readBoundedFile(realFile, PROVIDER_FILE_MAX_BYTES).toString("utf8");
    } catch (cause) {
      fail(`Could not read secret ${name} in ${dir}`, cause);
    }
  }
}

export const secretFilesConfigProvider: ConfigProviderDescriptor = {
  className: "io.edgegateway.config.provider.SecretFilesConfigProvider",
  version: GATEWAY_VERSION,
  summary:
    "Reads secrets mounted as files beneath one directory: `${secrets:api/token}` is the content of " +
    "`<dir>/api/token` without its trailing newline, and `${secrets:db.properties:password}` a key of a " +
    "properties file beneath it. Names that are absolute, contain `..` or resolve outside the directory are rejected.",
  config: secretFilesConfigProviderConfig,
  create: () => new SecretFilesConfigProvider(),
};
