/**
 * Real HTTP client programs as devices (test/fixtures/device-clients): Java's java.net.http
 * HttpClient, Python's http.client, curl, Node's fetch (undici) and Bun's fetch, each
 * with its own defaults. Every one sends the requests of a spec (path, headers, body) in order over
 * one keep-alive client and prints "version TAB status TAB body" per answer. `buildClients` compiles
 * the Java program once (javac); a missing tool fails with a message naming it (Java, Python, curl
 * and Node are on every CI machine of this project). No Go client: on a fresh machine its first
 * build compiles Go's whole net/http (about 2 minutes of a 2-core CI host) and what it would add
 * (chunked bodies, ALPN h2 first) curl and Java's HttpClient already send.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./kafka.ts";

const FIXTURES = join(REPO, "test", "fixtures", "device-clients");

export type ClientName = "java" | "python" | "curl" | "node" | "bun";
export const CLIENTS: readonly ClientName[] = ["java", "python", "curl", "node", "bun"];

export interface ClientRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface ClientAnswer {
  readonly version: string;
  readonly status: number;
  readonly body: string;
  /** curl only: connections opened for this request (0: an open keep-alive connection was reused). */
  readonly connects?: number;
}

/** Where to send and which TLS material to use (ca alone: https; ca + cert + key: mTLS). */
export interface ClientTarget {
  readonly base: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface BuiltClients {
  readonly dir: string;
}

async function exec(cmd: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(cmd, { ...options, env: { ...process.env, ...options.env }, stdout: "pipe", stderr: "pipe" });
  } catch (error) {
    throw new Error(`${cmd[0]} is needed by this test (it is on every CI machine of this project): ${error}`);
  }
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout as ReadableStream).text(),
    new Response(proc.stderr as ReadableStream).text(),
  ]);
  return { code, out, err };
}

async function mustRun(cmd: string[], cwd: string): Promise<void> {
  const { code, err } = await exec(cmd, { cwd });
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${code}): ${err}`);
}

/** Compiles the Java client into `dir`. */
export async function buildClients(dir: string): Promise<BuiltClients> {
  await mustRun(["javac", "-d", dir, join(FIXTURES, "DeviceClient.java")], dir);
  return { dir };
}

function tlsArgs(target: ClientTarget): string[] {
  if (!target.ca) return [];
  return target.cert ? [target.ca, target.cert, target.key!] : [target.ca];
}

function curlCommand(target: ClientTarget, specDir: string, requests: readonly ClientRequest[]): string[] {
  const cmd = ["curl"];
  requests.forEach((request, i) => {
    if (i > 0) cmd.push("--next");
    cmd.push("-sS", "--max-time", "30", "--http2", "-X", "POST");
    if (target.ca) cmd.push("--cacert", target.ca);
    if (target.cert) cmd.push("--cert", target.cert, "--key", target.key!);
    for (const [name, value] of Object.entries(request.headers)) cmd.push("-H", `${name}: ${value}`);
    cmd.push("--data-binary", `@${join(specDir, `body-${i}`)}`);
    cmd.push("-w", "\\t%{http_code}\\t%{http_version}\\t%{num_connects}\\n", target.base + request.path);
  });
  return cmd;
}

function command(client: ClientName, built: BuiltClients, target: ClientTarget, spec: string): string[] {
  const args = [target.base, spec, ...tlsArgs(target)];
  switch (client) {
    case "java":
      return ["java", "-cp", built.dir, "DeviceClient", ...args];
    case "python":
      return ["python3", join(FIXTURES, "device_client.py"), ...args];
    case "node":
      return ["node", join(FIXTURES, "device-client.mjs"), target.base, spec];
    case "bun":
      return [process.execPath, join(FIXTURES, "device-client.mjs"), ...args];
    case "curl":
      throw new Error("curl takes its requests on the command line");
  }
}

function parseAnswers(client: ClientName, out: string): ClientAnswer[] {
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const f = line.split("\t");
      if (client === "curl")
        return { body: f[0]!, status: Number(f[1]), version: `HTTP/${f[2]}`, connects: Number(f[3]) };
      return { version: f[0]!, status: Number(f[1]), body: f[2] ?? "" };
    });
}

/**
 * Runs `client` against `target` with `requests` (spec and bodies written under `specDir`); its
 * answers in order. A client that fails or answers fewer requests throws with its output.
 */
export async function runClient(
  client: ClientName,
  built: BuiltClients,
  target: ClientTarget,
  specDir: string,
  requests: readonly ClientRequest[],
): Promise<ClientAnswer[]> {
  const lines = requests.map((request, i) => {
    const file = join(specDir, `body-${i}`);
    writeFileSync(file, request.body);
    const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
    return `${request.path}\t${headers.join("|")}\t${file}\n`;
  });
  const spec = join(specDir, "spec.tsv");
  writeFileSync(spec, lines.join(""));
  const cmd = client === "curl" ? curlCommand(target, specDir, requests) : command(client, built, target, spec);
  const env: Record<string, string> = client === "node" && target.ca ? { NODE_EXTRA_CA_CERTS: target.ca } : {};
  const { code, out, err } = await exec(cmd, { env });
  const answers = parseAnswers(client, out);
  if (code !== 0 || answers.length !== requests.length)
    throw new Error(
      `${client} against ${target.base} (exit ${code}) answered ${answers.length} of ${requests.length}:\n${out}\n${err}`,
    );
  return answers;
}
