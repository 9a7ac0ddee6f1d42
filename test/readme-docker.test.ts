/**
 * The README's Docker commands (`docker build -t edge-gateway .`, `docker run -p 8083:8083 -v
 * gateway-data:/data -e CONNECT_BOOTSTRAP_SERVERS=broker:9092 edge-gateway`) without a Docker
 * engine, which this machine and CI lack: what can be checked without one is.
 *
 * The build: `RUN npm ci` runs the root package's `postinstall` (scripts/patch-dependencies.mjs,
 * which the compiled binary needs); the files it runs must be copied into the build stage before
 * that step, or `docker build` fails there.
 *
 * The run: the binary is started as the image starts it (its ENTRYPOINT, no arguments) with the
 * image's ENV and the README's `-e`, then the image's HEALTHCHECK command is run against it and
 * must exit 0. Substitutions, the only ones a shared test machine needs: the volume `/data` → a
 * scratch directory with the mode the Dockerfile gives `/data` (the start must not warn about it),
 * the listener `http://:8083` → `http://127.0.0.1:0` (and the health check's `http://127.0.0.1:8083`
 * → that port), `broker:9092` → the test broker, `/usr/local/bin/gateway`
 * → the binary under test.
 *
 * "## Operating" (small hosts) sets the engine option `BUN_JSC_forceRAMSize=1073741824` with `docker
 * run -e BUN_JSC_forceRAMSize=1073741824 …`: the binary is started so, as above, and must start and
 * pass the health check (Bun refuses a BUN_JSC_ name or value its engine does not know, exit 1).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gatewayCommand } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { readmeBlock, readmeText } from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): string[] {
  return readFileSync(join(REPO, "Dockerfile"), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The instructions of the Dockerfile's last stage, the image that runs. */
function runtimeStage(): string[] {
  const lines = dockerfile();
  return lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));
}

/** The image's ENV, then each `-e NAME=VALUE` of a `docker run` command line. */
function runEnv(dockerRun: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of runtimeStage().filter((l) => l.startsWith("ENV "))) {
    for (const m of l.slice(4).matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  for (const m of dockerRun.matchAll(/-e (\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}

/** The image's HEALTHCHECK command (its exec form). */
function healthcheckCommand(): string[] {
  return JSON.parse(/ CMD (\[.*\])$/.exec(runtimeStage().find((l) => l.startsWith("HEALTHCHECK "))!)![1]!);
}

/**
 * The image's `/data`, as Docker makes it (static: no engine here): the build-stage directory the
 * runtime stage copies there, with the mode its `mkdir` gives it (`-m`, else 0755 under the build's
 * umask 022; a `--chmod` on the COPY wins), owned by the COPY's `--chown`. A named volume Docker fills
 * from the image takes both.
 */
function imageDataDir(): { mode: number; owner: string | undefined } {
  const copy = runtimeStage().find((l) => l.startsWith("COPY ") && / \/data\/?$/.test(l));
  if (!copy) throw new Error("the Dockerfile's runtime stage copies nothing to /data");
  const words = copy.split(/\s+/);
  const source = words.at(-2)!;
  const option = (name: string) => words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
  const lines = dockerfile();
  const build = lines.slice(
    0,
    lines.findLastIndex((l) => l.startsWith("FROM ")),
  );
  const mkdir = build
    .flatMap((l) => l.split(/&&|;/))
    .map((c) => c.trim().split(/\s+/))
    .find((c) => c[0] === "mkdir" && c.at(-1) === source);
  if (!mkdir) throw new Error(`the Dockerfile's build stage makes no ${source} with mkdir`);
  const m = mkdir.indexOf("-m");
  const mode =
    option("chmod") ?? (m > 0 ? mkdir[m + 1] : mkdir.find((w) => w.startsWith("--mode="))?.slice(7)) ?? "755";
  return { mode: Number.parseInt(mode, 8), owner: option("chown") };
}

/**
 * Starts the binary as the image starts it (no arguments) with `env`, its data directory a scratch
 * one, its listener on loopback port 0 (`env`'s listener moved there, as an operator's `-e
 * CONNECT_LISTENERS=…` moves it; the health check gets the port bound, as the image's own listener
 * would be known to it: a port picked free and freed before the start could be taken meanwhile) and the test broker as bootstrap; runs the image's HEALTHCHECK
 * command, in the same environment and unchanged, until it passes; stops it with SIGTERM (exit 0).
 * Returns what it wrote.
 */
async function runAsTheImage(env: Record<string, string>): Promise<string> {
  const healthcheck = healthcheckCommand();
  await using data = await tempDir("readme-docker-data-");
  await chmod(data.path, imageDataDir().mode);
  const kafka = await kafkaBroker();
  const listener = (env.CONNECT_LISTENERS ?? "http://:8083").replace(/\/\/[^/]*$/, "//127.0.0.1:0");
  const runEnvironment = {
    ...process.env,
    ...env,
    CONNECT_DATA_DIR: data.path,
    CONNECT_LISTENERS: listener,
    CONNECT_BOOTSTRAP_SERVERS: kafka.bootstrap,
  };
  const proc = Bun.spawn(gatewayCommand(), {
    cwd: data.path,
    env: runEnvironment,
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  try {
    const bound = (
      await waitFor(() => /REST server listening at (http:\/\/127\.0\.0\.1:\d+)\//.exec(output) ?? undefined, {
        what: `the gateway started as the image starts it; output:\n${output}`,
      })
    )[1]!;
    const [, ...args] = healthcheck;
    const checkEnvironment = { ...runEnvironment, CONNECT_LISTENERS: bound };
    const check = await waitFor(
      async () => {
        const hc = Bun.spawn([...gatewayCommand(), ...args], { env: checkEnvironment, stdout: "pipe", stderr: "pipe" });
        const [code, out, err] = await Promise.all([
          hc.exited,
          new Response(hc.stdout).text(),
          new Response(hc.stderr).text(),
        ]);
        return code === 0 ? { code, out, err } : undefined;
      },
      { what: "the HEALTHCHECK command to pass" },
    );
    expect(check.code).toBe(0);
  } finally {
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await pumped;
  }
  return output;
}

describe("README: Docker", () => {
  test("docker build: the build stage has the files npm ci's postinstall runs before it runs", () => {
    const block = readmeBlock("## Building and Docker");
    expect(block).toContain("docker build -t edge-gateway .");
    const postinstall = (
      JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts.postinstall;
    const scripts = [...(postinstall ?? "").matchAll(/\bscripts\/[\w./-]+/g)].map((m) => m[0]);
    expect(scripts).toEqual(["scripts/patch-dependencies.mjs"]);
    // The modules it imports are needed too.
    const imported = (script: string) =>
      [...readFileSync(join(REPO, script), "utf8").matchAll(/^import .* from "(\.{1,2}\/[^"]+)";$/gm)].map((m) =>
        join(dirname(script), m[1]!),
      );
    const needed = scripts.flatMap((script) => [script, ...imported(script)]);
    // Every patch module there is imported (so the parse above found them all).
    const patchModules = readdirSync(join(REPO, "scripts/patches"))
      .filter((f) => f.endsWith(".mjs"))
      .sort()
      .map((f) => `scripts/patches/${f}`);
    expect(patchModules.length).toBeGreaterThan(0);
    expect(needed).toEqual(["scripts/patch-dependencies.mjs", ...patchModules]);
    const lines = dockerfile();
    const npmCi = lines.findIndex((l) => /^RUN npm ci\b/.test(l));
    expect(npmCi).toBeGreaterThan(0);
    const copied = lines
      .slice(0, npmCi)
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const file of needed) {
      expect({
        file,
        copiedBeforeNpmCi: copied.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, "")}/`)),
      }).toEqual({
        file,
        copiedBeforeNpmCi: true,
      });
    }
  });

  test("docker run: the image's ENV, the README's -e, and its HEALTHCHECK command", async () => {
    const run = /^docker run (.*) edge-gateway$/m.exec(readmeBlock("## Building and Docker"))?.[1];
    expect(run).toBe("-p 8083:8083 -v gateway-data:/data -e CONNECT_BOOTSTRAP_SERVERS=broker:9092");
    const env = runEnv(run!);
    expect(env).toEqual({
      CONNECT_DATA_DIR: "/data",
      CONNECT_LISTENERS: "http://:8083",
      CONNECT_BOOTSTRAP_SERVERS: "broker:9092",
    });
    const runtime = runtimeStage();
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/.exec(runtime.find((l) => l.startsWith("ENTRYPOINT "))!)![1]!);
    expect(entrypoint).toEqual(["/usr/local/bin/gateway"]);
    expect(runtime.some((l) => l.startsWith("CMD "))).toBe(false);
    expect(healthcheckCommand()).toEqual(["/usr/local/bin/gateway", "healthcheck"]);

    const output = await runAsTheImage(env);
    // The image's /data is the gateway user's alone: a start does not warn, about something the
    // operator could not fix inside the image (distroless, no shell to chmod it).
    expect(output).not.toContain("accessible by other users");
  });

  test("docker run: the image's /data is 0700 and owned by the user the gateway runs as", () => {
    const user = runtimeStage()
      .find((l) => l.startsWith("USER "))
      ?.slice(5);
    expect(user).toBe("65532:65532");
    const data = imageDataDir();
    expect({ mode: data.mode.toString(8), owner: data.owner }).toEqual({ mode: "700", owner: user });
  });

  // An operator who moves the REST listener (`-e CONNECT_LISTENERS=http://:9083`) keeps a healthy
  // container: the HEALTHCHECK follows the listener instead of asking a fixed :8083 for ever.
  test("docker run -e CONNECT_LISTENERS=…: the HEALTHCHECK follows the moved listener", async () => {
    const run =
      "-p 9083:9083 -v gateway-data:/data -e CONNECT_BOOTSTRAP_SERVERS=broker:9092 -e CONNECT_LISTENERS=http://:9083";
    await runAsTheImage(runEnv(run));
  });

  // "## Operating", small hosts: `docker run -e BUN_JSC_forceRAMSize=1073741824 …`. The engine
  // reads BUN_JSC_* itself and refuses a name or value it does not know (exit 1 before the
  // gateway's code runs), so the README's option must be one this binary's engine takes.
  test("docker run -e BUN_JSC_forceRAMSize=… (Operating, small hosts): the binary takes the engine option as written", async () => {
    const text = readmeText().replace(/\s+/g, " ");
    const run = /`docker run (-e BUN_JSC_\w+=\S+) …`/.exec(text)?.[1];
    expect(run).toBe("-e BUN_JSC_forceRAMSize=1073741824");
    const [name, value] = run!.slice(3).split("=") as [string, string];
    expect(text).toContain(`set the engine option \`${name}=${value}\` in its environment`);
    // The image does not set it (the README: "the image does not set it").
    expect(Object.keys(runEnv("")).filter((k) => k.startsWith("BUN_JSC_"))).toEqual([]);
    // A name the engine does not know stops the binary at once: a start is the check.
    const misspelled = Bun.spawnSync([...gatewayCommand(), "--version"], {
      env: { ...process.env, [`${name}x`]: value },
      stderr: "pipe",
    });
    expect({
      code: misspelled.exitCode,
      invalid: misspelled.stderr.toString().includes("invalid JSC environment variable"),
    }).toEqual({ code: 1, invalid: true });
    const output = await runAsTheImage(runEnv(`${run} -e CONNECT_BOOTSTRAP_SERVERS=broker:9092`));
    expect(output).not.toContain("invalid JSC environment variable");
  });
});
