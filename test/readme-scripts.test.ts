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
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";
import { readmeText, runReadmeCommand } from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";

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
