/**
 * Issue 8 points 4 and 8: the README's first pipeline, run as it is written there (the bash block
 * under "A first pipeline", with the worker settings of config/worker.properties), then the block
 * that resets it ("To run the example again"), then the first block again, which must give the
 * same answers. Only what must differ on a shared test machine is replaced: the gateway's address
 * (port 0), the scratch directory for /tmp/ and the topic name; and the wait for the source's offset
 * flush is cut (every 1 s and `sleep 3` instead of the README's 10 s and `sleep 10`, which are
 * checked to agree with config/worker.properties). The FileStreamSink writes as it receives, so
 * `cat` shows hello and world within the README's `sleep 2`, before the offset flush. Then the
 * block of "## Operating" (metrics, a logger level, the health check) on the same gateway.
 */
import { describe, expect, test } from "bun:test";
import { gatewayOnPath, startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import {
  curlHome,
  readmeBlock,
  runReadmeCommand,
  shownAnswer,
  splitCommands,
  substitute,
  workerProperties,
} from "./support/readme.ts";
import { tempDir } from "./support/temp-dir.ts";

describe("README: a first pipeline", () => {
  test("works as written, and again after the README's reset", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    // The block waits for the source's offset flush with `sleep 10` (README: "stored every 10 s
    // (offset.flush.interval.ms)"), twice: it must say the interval config/worker.properties sets;
    // the run here flushes every second and sleeps 3 s instead of 10 (the same wait, 16 s less).
    const readmeFlush = /sleep (\d+) +# source offsets are stored every (\d+) s \(offset\.flush\.interval\.ms\)/.exec(
      readmeBlock("## A first pipeline"),
    );
    const flushMs = Number(workerProperties()["offset.flush.interval.ms"]);
    expect([Number(readmeFlush?.[1]) * 1000, Number(readmeFlush?.[2]) * 1000]).toEqual([flushMs, flushMs]);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...workerProperties(),
        "bootstrap.servers": kafka.bootstrap,
        listeners: "http://127.0.0.1:0",
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "1000",
      },
    });
    const topic = uniqueTopic("lines");
    const localize = (block: string) =>
      substitute(block, [
        ["localhost:8083", new URL(gw.url).host],
        ["/tmp/", `${dir.path}/`],
      ]);
    const pipeline = substitute(localize(readmeBlock("## A first pipeline")), [
      ['"lines"', `"${topic}"`],
      [/sleep 10 (?= +# source offsets are stored)/, "sleep 3 "],
    ]);

    const runPipeline = async () => {
      const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", pipeline], { stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      expect({ code: await proc.exited, stderr }).toEqual({ code: 0, stderr: "" });

      expect(stdout).toContain('{"name":"file-in","config":{"connector.class":"FileStreamSource"');
      expect(stdout).toContain('{"name":"file-out","config":{"connector.class":"FileStreamSink"');
      expect(stdout).toContain('"type":"sink"}hello\nworld\n');
      const status = /hello\nworld\n(\{.*\})\{"offsets"/.exec(stdout)?.[1];
      expect(status).toBeDefined();
      const expanded = JSON.parse(status!) as Record<string, { status: { connector: { state: string } } }>;
      expect(Object.keys(expanded).sort()).toEqual(["file-in", "file-out"]);
      for (const c of Object.values(expanded)) expect(c.status.connector.state).toBe("RUNNING");
      expect(
        stdout.endsWith(`{"offsets":[{"partition":{"filename":"${dir.path}/in.txt"},"offset":{"position":12}}]}`),
      ).toBe(true);
    };

    await runPipeline();

    const again = await splitCommands(
      localize(readmeBlock("## A first pipeline", { marker: "To run the example again" })),
    );
    const home = curlHome(dir.file("curl-home"));
    const statuses: number[] = [];
    for (const command of again) {
      const result = await runReadmeCommand(command, { cwd: dir.path, curlHome: home });
      expect({ command: command.text, code: result.code, stderr: result.stderr }).toEqual({
        command: command.text,
        code: 0,
        stderr: "",
      });
      if (command.comment?.startsWith("{")) expect(result.output).toMatch(shownAnswer(command.comment));
      statuses.push(...result.statuses);
    }
    // stop 204 (stopped when it answers, so the offsets can be reset at once), reset 200, deletes 204.
    expect(statuses).toEqual([204, 200, 204, 204]);

    await runPipeline();

    // "## Operating": its commands, on the gateway that now runs both connectors (`gateway` on
    // PATH is the binary under test).
    const path = gatewayOnPath(dir.file("bin"));
    const host = new URL(gw.url).host;
    const operating = await splitCommands(
      substitute(readmeBlock("## Operating"), [
        ["localhost:8083", host],
        ["http://127.0.0.1:8083", `http://${host}`],
      ]),
    );
    expect(operating.map((c) => c.text.split(" ").slice(0, 2).join(" "))).toEqual([
      "curl -s",
      "curl -s",
      "gateway healthcheck",
    ]);
    const answers: string[] = [];
    for (const command of operating) {
      const result = await runReadmeCommand(command, {
        cwd: dir.path,
        curlHome: home,
        env: { PATH: path },
      });
      expect({ command: command.text, code: result.code, stderr: result.stderr }).toEqual({
        command: command.text,
        code: 0,
        stderr: "",
      });
      answers.push(result.output);
    }
    // The failed-task count of each connector (the README shows file-in's line), the loggers the
    // PUT changed, and nothing from a healthy healthcheck.
    expect(answers[0]!.split("\n")).toContain(operating[0]!.comment!);
    expect(answers[0]).toContain('failed_task_count{connector="file-out"} 0');
    expect(answers[1]).toMatch(shownAnswer(operating[1]!.comment!));
    expect(answers[2]).toBe("");
  }, 90_000);
});
