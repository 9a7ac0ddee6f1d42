/**
 * The README's "start from scratch" command, as written
 * (`KAFKA_STATE_DIR=data/kafka scripts/kafka reset && rm -rf data`), run through bash in a scratch
 * directory that stands for the repository root (`scripts` there is a link to the real scripts, so
 * the command deletes the scratch `data`, never the checkout's). The state is the one a crash or a
 * power loss leaves: the broker is gone and its pid file names a process that is not a broker (the
 * pid reused after a reboot). The command must exit 0, delete the state and the data, and leave that
 * process alone: scripts/kafka used to kill whatever process the stale pid file named.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayOnPath } from "./support/gateway.ts";
import { kafkaBroker, REPO, readTopic, uniqueTopic } from "./support/kafka.ts";
import { readmeText, runReadmeCommand, splitCommands, substitute, workerProperties } from "./support/readme.ts";
import { runScript } from "./support/run-script.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * The README's first block (`scripts/run`, `scripts/test`) cannot run as written in a test:
 * `scripts/run` takes the fixed port 8083 and the checkout's ./data (test/run-script.test.ts runs it
 * with a worker file of its own), and `scripts/test` is the test run itself. What their comments
 * say is checked against the default worker file and the scripts.
 */
describe("README: the first block", () => {
  test("scripts/run and scripts/test do what their comments say", async () => {
    const block = /^```bash\n([\s\S]*?)```/m.exec(readmeText())![1]!;
    const commands = await splitCommands(block);
    expect(commands.map((c) => c.text.replace(/\s+#.*$/, ""))).toEqual(["scripts/run", "scripts/test"]);
    const [run, tests] = commands.map((c) => c.comment!);
    expect(run).toBe("run the gateway: REST on 127.0.0.1:8083, state in ./data, a local Kafka started for you");
    const runScriptText = readFileSync(join(REPO, "scripts/run"), "utf8");
    expect(runScriptText).toContain('worker="${1:-$REPO/config/worker.properties}"');
    const worker = workerProperties();
    expect({
      listeners: worker.listeners,
      dataDir: worker["data.dir"],
      bootstrap: worker["bootstrap.servers"],
    }).toEqual({ listeners: "http://127.0.0.1:8083", dataDir: "./data", bootstrap: undefined });
    expect(runScriptText).toContain("No bootstrap.servers configured: starting a local Kafka broker");
    expect(tests).toBe(
      'run every test against a real Kafka broker (3 parallel shards); ends with "N passed, N failed"',
    );
    const testScript = readFileSync(join(REPO, "scripts/test"), "utf8");
    expect(testScript).toContain("shards=${TEST_SHARDS:-3}");
    // Its last words, before the exit status.
    expect(testScript.trimEnd().split("\n").slice(-2)).toEqual([
      'echo "$passed passed, $failed failed"',
      '[ "$status" -eq 0 ]',
    ]);
  });
});

describe("README: starting from scratch", () => {
  test("the reset command deletes the state and data, and kills no process a stale pid file names", async () => {
    const command = /To start from scratch: `([^`]+)`/.exec(readmeText().replace(/\s+/g, " "))?.[1];
    expect(command).toBe("KAFKA_STATE_DIR=data/kafka scripts/kafka reset && rm -rf data");
    await using dir = await tempDir("readme-scripts-");
    symlinkSync(join(REPO, "scripts"), dir.file("scripts"));
    mkdirSync(dir.file("data/kafka/data"), { recursive: true });
    writeFileSync(dir.file("data/gateway.db"), "");
    writeFileSync(dir.file("data/kafka/cluster_id"), "AbCdEfGhIjKlMnOpQrStUv\n");
    writeFileSync(dir.file("data/kafka/info"), "bootstrap=127.0.0.1:1\n");
    // A live process that is not a Kafka broker, named by the stale pid file.
    const bystander = Bun.spawn(["cat"], { stdin: "pipe", stdout: "ignore" });
    try {
      writeFileSync(dir.file("data/kafka/broker.pid"), `${bystander.pid}\n`);
      const result = await runReadmeCommand(command!, { cwd: dir.path, curlHome: dir.path });
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
        code: 0,
        stdout: "reset\n",
        stderr: "",
      });
      expect(existsSync(dir.file("data"))).toBe(false);
      expect(bystander.exitCode).toBeNull();
      expect(bystander.killed).toBe(false);
    } finally {
      bystander.stdin.end();
      await bystander.exited;
    }
    // It exited because its input ended, not by a signal.
    expect({ code: bystander.exitCode, signal: bystander.signalCode }).toEqual({ code: 0, signal: null });
  });
});

describe("README: scripts/run with a worker file and a connector file", () => {
  test("runs the connector the file names, and stops with exit 0 on SIGTERM", async () => {
    const command = /Give it your own worker file and connector files like `connect-standalone`: `([^`]+)`/.exec(
      readmeText().replace(/\s+/g, " "),
    )?.[1];
    expect(command).toBe("scripts/run my-worker.properties my-connector.json");
    await using dir = await tempDir("readme-scripts-run-");
    const topic = uniqueTopic("readme-run");
    writeFileSync(dir.file("in.txt"), "from a connector file\n");
    writeFileSync(
      dir.file("my-worker.properties"),
      `bootstrap.servers=${(await kafkaBroker()).bootstrap}\nlisteners=http://127.0.0.1:0\ndata.dir=${dir.file("data")}\n`,
    );
    const connector = {
      name: "from-file",
      config: {
        "connector.class": "FileStreamSource",
        file: dir.file("in.txt"),
        topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    };
    writeFileSync(dir.file("my-connector.json"), JSON.stringify(connector));
    const [script, worker, ...connectors] = substitute(command!, [
      ["my-worker.properties", dir.file("my-worker.properties")],
      ["my-connector.json", dir.file("my-connector.json")],
    ]).split(" ");
    expect(script).toBe("scripts/run");
    const run = runScript(worker!, dir.file("kafka-state"), connectors);
    try {
      const url = await run.url();
      expect(run.output()).not.toContain("starting a local Kafka broker");
      const taskState = async () => {
        const status = (await (await fetch(`${url}/connectors/from-file/status`)).json()) as {
          tasks?: { state: string }[];
        };
        return status.tasks?.[0]?.state;
      };
      await waitFor(async () => (await taskState()) === "RUNNING", { what: "the connector of the file RUNNING" });
      expect((await readTopic(topic, 1)).map((r) => r.value?.toString())).toEqual(["from a connector file"]);
    } finally {
      process.kill(run.proc.pid!, "SIGTERM");
    }
    expect(await run.exited).toBe(0);
  }, 180_000);
});

describe("README: commands quoted in the text", () => {
  const text = () => readmeText().replace(/\s+/g, " ");

  test("gateway --help lists what the README says; gateway --version prints the version", async () => {
    await using dir = await tempDir("readme-cli-");
    const env = { PATH: gatewayOnPath(dir.file("bin")) };
    const listed = /`gateway --help` lists the subcommands \((.*?)\) and options \((.*?)\)/.exec(text());
    expect(listed).not.toBeNull();
    const named = [...`${listed![1]} ${listed![2]}`.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    expect(named).toEqual([
      "healthcheck [url]",
      "hash-password [--bcrypt]",
      "delete-connector [worker.properties] [--] <name>",
      "--help",
      "--version",
    ]);
    const help = await runReadmeCommand("gateway --help", { cwd: dir.path, curlHome: dir.path, env });
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: "" });
    for (const word of named) expect(help.stdout).toContain(word);

    expect(text()).toContain("`gateway --version` prints the version");
    const version = await runReadmeCommand("gateway --version", { cwd: dir.path, curlHome: dir.path, env });
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    expect({ code: version.code, stdout: version.stdout, stderr: version.stderr }).toEqual({
      code: 0,
      stdout: `${pkg.version}\n`,
      stderr: "",
    });
    // Two starts of the compiled binary: past bun's 5 s default on a loaded 2-core CI host (seen once).
  }, 30_000);

  test("every scripts/bench and scripts/kafka subcommand the README names exists", () => {
    const readme = text();
    const accepted = (script: string, pattern: RegExp) =>
      pattern
        .exec(readFileSync(join(REPO, script), "utf8"))![1]!
        .split("|")
        .map((s) => s.trim());
    const bench = accepted("scripts/bench", /^ {2}([\w -]+(?:\|[\w -]+)+)\) ;;$/m);
    const benchNamed = [...readme.matchAll(/`(?:\w+=\S+ )*scripts\/bench ([\w|-]+)`/g)].flatMap((m) =>
      m[1]!.split("|"),
    );
    expect(new Set(benchNamed)).toEqual(new Set(bench));
    const kafka = accepted("scripts/kafka", /usage: scripts\/kafka ([\w|]+)/);
    const kafkaNamed = [...readme.matchAll(/`(?:\w+=\S+ )*scripts\/kafka ([\w|]+)/g)].flatMap((m) => m[1]!.split("|"));
    expect(kafkaNamed.length).toBeGreaterThan(3);
    for (const name of kafkaNamed) expect({ name, accepted: kafka.includes(name) }).toEqual({ name, accepted: true });
    // Variables set before scripts/bench are read by it or its benchmarks.
    const sources = [
      "scripts/bench",
      ...readdirSync(join(REPO, "bench"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `bench/${f}`),
    ]
      .map((f) => readFileSync(join(REPO, f), "utf8"))
      .join("\n");
    const variables = [...readme.matchAll(/`((?:\w+=\S+ )+)scripts\/bench /g)].flatMap((m) =>
      [...m[1]!.matchAll(/(\w+)=/g)].map((v) => v[1]!),
    );
    expect(variables).toContain("BENCH_B_ROUNDS");
    for (const name of variables) expect({ name, read: sources.includes(name) }).toEqual({ name, read: true });
  });
});
