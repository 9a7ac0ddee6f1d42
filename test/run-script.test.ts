/**
 * The README's first command: `scripts/run` with a worker file that names no bootstrap.servers
 * starts a local Kafka broker, runs the gateway against it, and on Ctrl-C (SIGINT) stops both.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("scripts/run", () => {
  test("starts a local broker when none is configured, and Ctrl-C stops gateway and broker", async () => {
    await using dir = await tempDir();
    const worker = dir.file("worker.properties");
    writeFileSync(worker, [`listeners=http://127.0.0.1:0`, `data.dir=${dir.file("data")}`].join("\n"));
    const kafkaState = dir.file("kafka");
    const env: Record<string, string | undefined> = { ...process.env, KAFKA_STATE_DIR: kafkaState };
    delete env.CONNECT_BOOTSTRAP_SERVERS;
    let output = "";
    const proc = Bun.spawn(["bash", join(REPO, "scripts/run"), worker], { env, stdout: "pipe", stderr: "pipe" });
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) output += new TextDecoder().decode(chunk);
    };
    const pumped = Promise.all([
      pump(proc.stdout as ReadableStream<Uint8Array>),
      pump(proc.stderr as ReadableStream<Uint8Array>),
    ]);
    try {
      const url = await waitFor(() => output.match(/REST server listening at (http:\/\/[^\s,]+?)\/?,/)?.[1], {
        timeoutMs: 120_000,
        what: "the gateway started by scripts/run",
      });
      expect(output).toContain("No bootstrap.servers configured: starting a local Kafka broker");
      const info = readFileSync(join(kafkaState, "info"), "utf8");
      const root = await waitFor(async () => {
        const r = await fetch(`${url}/`);
        const body = (await r.json()) as { kafka_cluster_id: string | null };
        return body.kafka_cluster_id ? body : undefined;
      });
      expect(info).toContain(`cluster_id=${root.kafka_cluster_id}`);
      const brokerPid = Number(readFileSync(join(kafkaState, "broker.pid"), "utf8"));

      proc.kill("SIGINT");
      expect(await proc.exited).toBe(0);
      await pumped;
      expect(output).toContain("Gateway stopped");
      expect(output).toContain("Kafka stopped");
      expect(existsSync(kafkaState)).toBe(false);
      expect(() => process.kill(brokerPid, 0)).toThrow();
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      if (existsSync(join(kafkaState, "broker.pid"))) {
        try {
          process.kill(Number(readFileSync(join(kafkaState, "broker.pid"), "utf8")), "SIGKILL");
        } catch {}
      }
    }
  }, 180_000);
});
