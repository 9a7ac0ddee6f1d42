/**
 * Issue 8 points 2 and 3: `scripts/run` with a worker file that names no bootstrap.servers starts
 * a local Kafka broker whose state lives under <data.dir>/kafka and is never deleted; Ctrl-C
 * (SIGINT to the whole process group, as a terminal sends it) gives one graceful stop of gateway
 * and broker, also when the signal comes twice; a SIGINT sent to the script alone is not passed on,
 * and a later SIGTERM to the script alone still is; scripts/run exits with the gateway's status. The
 * README pipeline survives a SIGKILL of the gateway while lines are appended: after a restart on
 * the same state (same cluster id) every line arrives, duplicates only for records in flight.
 * Each test runs its own broker (its own KAFKA_STATE_DIR), never the shared one.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  committedBeforeKill,
  extraWorker,
  gatewayPid,
  killBroker,
  type RunScript,
  replaysOf,
  rootInfo,
  runScript,
  signalIgnored,
  workerFile,
} from "./support/run-script.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("scripts/run", () => {
  // One test, one broker start less: the restart after the SIGKILL is the run that Ctrl-C (twice) stops.
  test("keeps the broker's state under data.dir; the README pipeline loses no line when the gateway is killed with SIGKILL and restarted; Ctrl-C twice still gives one graceful stop, exit 0; SIGINT then SIGTERM to the script alone: one graceful stop", async () => {
    await using dir = await tempDir();
    const worker = workerFile(dir.path);
    const kafkaState = join(dir.path, "data", "kafka");
    const input = join(dir.path, "in.txt");
    const output = join(dir.path, "out.txt");
    const topic = `lines-${Date.now()}`;
    writeFileSync(input, "hello\n");
    let run = runScript(worker, kafkaState);
    let extra: RunScript | undefined;
    let written = 1;
    const append = (n: number) => {
      for (let i = 0; i < n; i++) appendFileSync(input, `line-${written++}\n`);
    };
    try {
      const url = await run.url();
      expect(run.output()).toContain(`starting a local Kafka broker (scripts/kafka, state in ${kafkaState})`);
      const clusterId = (await rootInfo(url)).kafka_cluster_id;
      expect(readFileSync(join(kafkaState, "cluster_id"), "utf8").trim()).toBe(clusterId!);
      const post = (body: unknown) =>
        fetch(`${url}/connectors`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      const stringValues = { "value.converter": "org.apache.kafka.connect.storage.StringConverter" };
      expect(
        (
          await post({
            name: "file-in",
            config: { "connector.class": "FileStreamSource", file: input, topic, ...stringValues },
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await post({
            name: "file-out",
            config: { "connector.class": "FileStreamSink", file: output, topics: topic, ...stringValues },
          })
        ).status,
      ).toBe(201);
      await waitFor(() => existsSync(output) && readFileSync(output, "utf8").includes("hello\n"), {
        timeoutMs: 60_000,
        what: "hello in the sink's file",
      });

      // The sink has committed its first offsets (so a restart need not replay from the start).
      await waitFor(
        async () => {
          const r = (await (await fetch(`${url}/connectors/file-out/offsets`)).json()) as {
            offsets: { offset: { kafka_offset: number } }[];
          };
          return r.offsets.some((o) => o.offset.kafka_offset >= 1);
        },
        { timeoutMs: 30_000, what: "the sink's first committed offset" },
      );

      // Lines keep coming while the gateway dies.
      append(200);
      await waitFor(() => readFileSync(output, "utf8").includes("line-100\n"), { timeoutMs: 60_000, what: "line-100" });
      append(100);
      // What each stage had committed just before the kill (lower bounds: commits only move on).
      const committed = await committedBeforeKill(url, input);
      process.kill(gatewayPid(run.proc.pid!), "SIGKILL");
      append(100);
      expect(await run.exited).toBe(137);
      expect(run.output()).toContain("Kafka stopped (state kept");
      append(100);

      run = runScript(worker, kafkaState);
      const url2 = await run.url();
      // A second scripts/run on this broker (bootstrap.servers named: no broker of its own), for
      // signals sent to the script alone; it starts while the pipeline catches up.
      extra = runScript(extraWorker(dir.path, kafkaState), join(dir.path, "extra-kafka"));
      expect((await rootInfo(url2)).kafka_cluster_id).toBe(clusterId);
      append(100);
      const expected = ["hello", ...Array.from({ length: written - 1 }, (_, i) => `line-${i + 1}`)];
      const lines = await waitFor(
        () => {
          const text = readFileSync(output, "utf8");
          // Complete lines only: a write may be under way.
          const got = text
            .slice(0, text.lastIndexOf("\n") + 1)
            .split("\n")
            .filter(Boolean);
          const seen = new Set(got);
          return expected.every((l) => seen.has(l)) ? got : undefined;
        },
        { timeoutMs: 90_000, what: `all ${expected.length} lines in the sink's file` },
      );
      const duplicates = lines.length - new Set(lines).size;
      console.log(
        `README pipeline after SIGKILL: ${expected.length} lines, all arrived, ${duplicates} duplicates; committed before the kill: source up to line ${committed.sourceLine}, sink up to offset ${committed.sinkOffset}`,
      );
      // At-least-once, and nothing weaker: no line lost or out of order, and a line comes again
      // only as part of a replay that starts at or after what a stage had committed. The source
      // replays from its committed file position, the sink from its committed Kafka offset (both
      // may be up to offset.flush.interval.ms behind), so how many duplicates there are depends
      // on timing and is not asserted.
      const replays = replaysOf(lines, expected, Math.min(committed.sourceLine, committed.sinkOffset));
      console.log(`  replays: ${replays.replays.join(", ") || "none"}`);
      expect(replays).toEqual({
        unexpected: [],
        firstOccurrences: expected,
        gaps: [],
        replaysOfCommitted: [],
        replays: expect.any(Array),
      });

      // SIGINT to the script alone (not its group) is not passed on: the gateway keeps running; a
      // later SIGTERM to the script alone still is: one graceful stop, exit 0.
      await extra.url();
      const extraRun = extra;
      await signalIgnored(extraRun.proc.pid!, "SIGINT");
      expect(() => process.kill(gatewayPid(extraRun.proc.pid!), 0)).not.toThrow();
      extraRun.proc.kill("SIGTERM");
      await waitFor(() => extraRun.output().includes("stopping the gateway"), {
        timeoutMs: 30_000,
        what: `the SIGTERM passed on after a SIGINT; output so far:\n${extraRun.output()}`,
      });
      expect(await extraRun.exited).toBe(0);
      expect(extraRun.output()).toContain("Received SIGTERM, stopping the gateway");
      expect(extraRun.output()).not.toContain("SIGINT");
      expect(extraRun.output().match(/Gateway stopped/g)).toHaveLength(1);

      // Ctrl-C twice: one graceful stop of gateway and broker; the broker's state is kept.
      const brokerPid = Number(readFileSync(join(kafkaState, "broker.pid"), "utf8"));
      run.signalGroup("SIGINT");
      await waitFor(() => run.output().includes("stopping the gateway"), { what: "the graceful stop" });
      run.signalGroup("SIGINT");
      expect(await run.exited).toBe(0);
      const stopped = run.output();
      expect(stopped).not.toContain("forcing exit");
      expect(stopped.match(/Gateway stopped/g)).toHaveLength(1);
      expect(stopped).toContain(`Kafka stopped (state kept in ${kafkaState})`);
      expect(() => process.kill(brokerPid, 0)).toThrow();
      // Nothing was deleted: the next start is the same cluster.
      expect(readFileSync(join(kafkaState, "cluster_id"), "utf8").trim()).toBe(clusterId!);
      expect(existsSync(join(dir.path, "data", "gateway.db"))).toBe(true);
    } finally {
      if (run.proc.exitCode === null) run.signalGroup("SIGKILL");
      if (extra && extra.proc.exitCode === null && extra.proc.signalCode === null) {
        try {
          extra.signalGroup("SIGKILL");
        } catch {}
      }
      killBroker(kafkaState);
    }
  }, 300_000);
});
