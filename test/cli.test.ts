/**
 * Issue 8 point 7: the command line of the real binary. `--help` lists every subcommand and
 * option; an unknown flag or subcommand is an error with the usage (exit 2), never read as a file
 * name; GET / reports the same commit whether the gateway runs from the sources or the binary;
 * `healthcheck` says why it fails.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { gatewayCommand, startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

async function run(args: string[], command = gatewayCommand()) {
  const proc = Bun.spawn([...command, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, stdout, stderr };
}

describe("gateway command line", () => {
  test("--help lists every subcommand and option", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const word of [
      "healthcheck [url]",
      "hash-password [--bcrypt]",
      "delete-connector [worker.properties] [--] <name>",
      "-h, --help",
      "-v, --version",
      "worker.properties",
    ]) {
      expect(stdout).toContain(word);
    }
  });

  test.each([
    [["--verbose"], "gateway: unknown option --verbose"],
    [["healtcheck"], "gateway: unknown subcommand healtcheck"],
    [["hash-password", "--md5"], "gateway: unknown option --md5 for hash-password"],
  ])("%p is an error with the usage", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toStartWith(message);
    expect(stderr).toContain("usage: gateway");
    expect(stderr).not.toContain("cannot read worker config");
  });

  test("the fatal line writes a lone surrogate as Java and the log lines do, ? (not U+FFFD)", async () => {
    await using dir = await tempDir();
    // Properties.load reads \uD800 as a lone surrogate: the value Connect's ConfigException quotes.
    const worker = dir.file("worker.properties");
    await Bun.write(
      worker,
      `bootstrap.servers=127.0.0.1:1\ndata.dir=${dir.file("data")}\nlisteners=http://127.0.0.1:0\nsecurity.protocol=SSL\\uD800\n`,
    );
    const { code, stderr } = await run([worker]);
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr:
        "gateway: invalid worker configuration: Invalid value SSL? for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL\n",
    });
  });

  test("healthcheck says on stderr why the gateway is not healthy (exit 1)", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const { code, stdout, stderr } = await run(["healthcheck", url]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toStartWith(`gateway healthcheck: cannot reach ${url}/health: `);
  });

  test("GET / reports the same commit from the sources and from the binary", async () => {
    const kafka = await kafkaBroker();
    const commits: string[] = [];
    for (const bin of [undefined, process.env.GATEWAY_BIN ?? join(REPO, "dist/gateway")]) {
      await using dir = await tempDir();
      const saved = process.env.GATEWAY_BIN;
      // startGateway picks the command from GATEWAY_BIN: sources first, then the binary.
      if (bin) process.env.GATEWAY_BIN = bin;
      else delete process.env.GATEWAY_BIN;
      try {
        await using gw = await startGateway({
          dir: dir.path,
          worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
        });
        commits.push((await gw.rest.get("/")).body.commit);
      } finally {
        if (saved === undefined) delete process.env.GATEWAY_BIN;
        else process.env.GATEWAY_BIN = saved;
      }
    }
    const head = Bun.spawnSync(["git", "-C", REPO, "rev-parse", "HEAD"]).stdout.toString().trim().slice(0, 16);
    expect(commits).toEqual([head, head]);
  }, 60_000);
});
