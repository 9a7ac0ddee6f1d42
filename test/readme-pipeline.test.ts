/**
 * Issue 8 points 4 and 8: the README's first pipeline, run as it is written there (the bash block
 * under "A first pipeline", with the worker settings of config/worker.properties). Only what must
 * differ on a shared test machine is replaced: the gateway's address (port 0), the scratch
 * directory for /tmp/ and the topic name. The FileStreamSink writes as it receives, so `cat` shows
 * hello and world within the README's `sleep 2`, long before the 10 s offset flush.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

function readmeBlock(): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## A first pipeline"));
  const block = /```bash\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("no bash block under 'A first pipeline' in README.md");
  return block[1]!;
}

function workerProperties(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(REPO, "config/worker.properties"), "utf8").split("\n")) {
    const m = /^\s*([^#\s][^=]*?)\s*=\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe("README: a first pipeline", () => {
  test("works as written", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...workerProperties(),
        "bootstrap.servers": kafka.bootstrap,
        listeners: "http://127.0.0.1:0",
        "data.dir": dir.file("data"),
      },
    });
    const topic = uniqueTopic("lines");
    const script = readmeBlock()
      .replaceAll("localhost:8083", new URL(gw.url).host)
      .replaceAll("/tmp/", `${dir.path}/`)
      .replaceAll('"lines"', `"${topic}"`);
    const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", script], { stdout: "pipe", stderr: "pipe" });
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
  }, 60_000);
});
