/**
 * The command line, parsed in one place (main.ts runs what it returns): every subcommand and
 * option is listed in USAGE, and anything else (an unknown flag, an unknown subcommand) is an
 * error with that usage, never taken for a file name.
 */
import { existsSync } from "node:fs";
import { healthUrlOfListeners } from "./listener.ts";

export const USAGE = `usage: gateway [options] [worker.properties] [connector.properties|connector.json ...]
       gateway healthcheck [url]
       gateway hash-password [--bcrypt] < password
       gateway delete-connector [worker.properties] [--] <name>

Runs the edge gateway: a Kafka Connect-compatible worker configured by worker.properties (and
CONNECT_* environment variables), creating or updating the connectors in the files given.

Subcommands:
  healthcheck [url]          exit 0 when GET <url>/health answers healthy, else 1 (default url:
                             $GATEWAY_HEALTH_URL, else the first of $CONNECT_LISTENERS, else
                             http://127.0.0.1:8083); for container checks
  hash-password [--bcrypt]   read a password on standard input and print its hash (argon2id, or
                             bcrypt with --bcrypt) for rest.authentication.basic.credentials.file
  delete-connector [worker.properties] [--] <name>
                             with the gateway stopped, delete connector <name> from gateway.db
                             in data.dir (as DELETE /connectors/<name> does; source offsets stay):
                             for a name the REST API cannot address, such as one with a /

Options:
  -h, --help                 print this help and exit
  -v, --version              print the gateway's version and exit
`;

export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "healthcheck"; readonly url: string }
  | { readonly kind: "hash-password"; readonly algorithm: "argon2id" | "bcrypt" }
  | { readonly kind: "delete-connector"; readonly workerFile: string | undefined; readonly name: string }
  | { readonly kind: "run"; readonly workerFile: string | undefined; readonly connectorFiles: string[] }
  | { readonly kind: "error"; readonly message: string };

const SUBCOMMANDS = ["healthcheck", "hash-password", "delete-connector"];

function error(message: string): Command {
  return { kind: "error", message };
}

/** A word that names no file and looks like a subcommand the user mistyped. */
function looksLikeSubcommand(arg: string, fileExists: (path: string) => boolean): boolean {
  return /^[a-z][a-z0-9-]*$/.test(arg) && !fileExists(arg);
}

/** `delete-connector [worker.properties] [--] <name>`: after `--`, a name may start with `-`. */
function deleteConnector(args: readonly string[]): Command {
  const end = args.indexOf("--");
  const before = end < 0 ? args : args.slice(0, end);
  const flag = before.find((a) => a.startsWith("-"));
  if (flag) return error(`unknown option ${flag} for delete-connector`);
  const words = end < 0 ? args : [...before, ...args.slice(end + 1)];
  if (words.length === 0 || words.length > 2) {
    return error("delete-connector takes [worker.properties] <name>: one connector name, after the worker file if any");
  }
  const name = words.at(-1)!;
  if (name === "") return error("delete-connector needs a connector name, got an empty one");
  return { kind: "delete-connector", workerFile: words.length === 2 ? words[0] : undefined, name };
}

export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  fileExists: (path: string) => boolean = existsSync,
): Command {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h")
    return rest.length === 0 ? { kind: "help" } : error(`unexpected ${rest[0]}`);
  if (first === "--version" || first === "-v") {
    return rest.length === 0 ? { kind: "version" } : error(`unexpected ${rest[0]}`);
  }
  if (first === "healthcheck") {
    const flag = rest.find((a) => a.startsWith("-"));
    if (flag) return error(`unknown option ${flag} for healthcheck`);
    if (rest.length > 1) return error(`healthcheck takes one url, got ${rest.join(" ")}`);
    const url = rest[0] ?? env.GATEWAY_HEALTH_URL ?? healthUrlOfListeners(env.CONNECT_LISTENERS);
    return { kind: "healthcheck", url: url ?? "http://127.0.0.1:8083" };
  }
  if (first === "hash-password") {
    const other = rest.find((a) => a !== "--bcrypt");
    if (other) return error(`unknown ${other.startsWith("-") ? "option" : "argument"} ${other} for hash-password`);
    return { kind: "hash-password", algorithm: rest.includes("--bcrypt") ? "bcrypt" : "argon2id" };
  }
  if (first === "delete-connector") return deleteConnector(rest);
  for (const arg of argv) {
    if (arg.startsWith("-")) return error(`unknown option ${arg}`);
  }
  if (first !== undefined && looksLikeSubcommand(first, fileExists)) {
    return error(`unknown subcommand ${first} (subcommands: ${SUBCOMMANDS.join(", ")}; or a worker file that exists)`);
  }
  const workerFile = first && !first.endsWith(".json") ? first : undefined;
  return { kind: "run", workerFile, connectorFiles: workerFile ? rest : [...argv] };
}
