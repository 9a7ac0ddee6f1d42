/**
 * The gateway (the compiled binary when GATEWAY_BIN is set) logging to a reader that stops reading:
 * a stopped `| tee`, a stuck log collector, a Docker log pipe nobody drains (a terminal is not one:
 * writes to it block). Its stdout is a FIFO the test opens and does not read while REST requests log
 * ~12 MB of lines (opshunt: every line waited in the gateway's memory, 160 MB in 15 s). Past 8 MiB
 * waiting, lines are dropped and counted; once the reader reads again the log says how many were
 * lost, and the gateway served every request. Lines still waiting when it exits are read before
 * the exit (Bun's process.exit discarded them, "Gateway stopped" among them).
 */
import { describe, expect, test } from "bun:test";
import { closeSync, constants, existsSync, openSync, readSync, writeFileSync } from "node:fs";
import { gatewayCommand } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** What the FIFO holds now (nothing when it is empty). */
function readAvailable(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") break;
      throw error;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString();
}

const LOST =
  /WARN (\d+) log line\(s\) could not be written and are lost \(standard output is not keeping up \(not being read\): \d+ bytes of log lines wait for its reader\); the log is written again/g;

/** The lines the log's WARNs say were lost (undefined before the first WARN). */
function lostCount(output: string): number | undefined {
  const counts = [...output.matchAll(LOST)].map(([, n]) => Number(n));
  return counts.length === 0 ? undefined : counts.reduce((a, b) => a + b);
}

/**
 * The gateway with its stdout and stderr on a FIFO that the test reads only when it calls `read`;
 * `request` makes (and counts) a REST request; `exit` sends SIGTERM and reads on until it exited.
 */
async function gatewayOnFifo(dir: Awaited<ReturnType<typeof tempDir>>) {
  const fifo = dir.file("log.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const kafka = await kafkaBroker();
  writeFileSync(
    dir.file("worker.properties"),
    `listeners=http://127.0.0.1:0\nbootstrap.servers=${kafka.bootstrap}\ndata.dir=${dir.file("data")}\n`,
  );
  const proc = Bun.spawn([...gatewayCommand(), dir.file("worker.properties")], {
    cwd: dir.path,
    stdout: writer,
    stderr: writer,
  });
  closeSync(writer);
  const gateway = {
    output: "",
    requests: 0,
    read: () => {
      gateway.output += readAvailable(reader);
      return gateway.output;
    },
    url: "",
    request: async (path: string) => {
      gateway.requests++;
      const response = await fetch(`${gateway.url}${path}`);
      await response.arrayBuffer();
      return response.status;
    },
    /** `readFrom`: until it holds (or the gateway exited), the FIFO is not read. */
    exit: async (readFrom: () => boolean = () => true) => {
      proc.kill("SIGTERM");
      await waitFor(() => readFrom() || proc.exitCode !== null, {
        what: "the moment to read again",
        timeoutMs: 45_000,
      });
      // Read on until it exited: a reader that stopped again would hold its last lines.
      await waitFor(() => gateway.read() && proc.exitCode !== null, {
        what: "the gateway's exit",
        timeoutMs: 45_000,
      }).catch(() => proc.kill("SIGKILL"));
      closeSync(reader);
      return proc.exited;
    },
  };
  try {
    gateway.url = await waitFor(() => /REST server listening at (http:\/\/\S+?)\/,/.exec(gateway.read())?.[1], {
      what: "the REST listener's URL",
    });
    await waitFor(async () => (await gateway.request("/health")) === 200, { what: "a healthy gateway" });
  } catch (error) {
    await gateway.exit();
    throw error;
  }
  return gateway;
}

/** The paths of the REST request lines in `output`. */
const requestLines = (output: string) =>
  [...output.matchAll(/ INFO 127\.0\.0\.1 - - \[[^\]]+\] "GET (\S+) HTTP\/1\.1" /g)].map(([, path]) => path!);

describe("a log reader that stops reading", () => {
  test("lines past 8 MiB waiting are dropped and counted, the log says how many once read again, every request is served", async () => {
    await using dir = await tempDir("ops-log-backlog-");
    const gateway = await gatewayOnFifo(dir);
    try {
      // Each request's log line is ~2.1 KB: 6000 of them are ~12.6 MB.
      const pad = "p".repeat(2000);
      let served = 0;
      for (let i = 0; i < 6000; i++) if ((await gateway.request(`/connectors?pad=${pad}&i=${i}`)) === 200) served++;
      expect(served).toBe(6000);
      const lost = await waitFor(
        async () => {
          // A line to log once the backlog went down: the WARN comes before it.
          await gateway.request("/health");
          return lostCount(gateway.read());
        },
        { what: "the WARN counting the lines lost", timeoutMs: 30_000 },
      );
      expect(lost).toBeGreaterThan(0);
    } finally {
      expect(await gateway.exit()).toBe(0);
    }
    // Every request's line either reached the reader or was counted lost (no other line logs while
    // the reader stops), and those that arrived are in the order they were logged.
    const lines = requestLines(gateway.output);
    expect(lines.length + (lostCount(gateway.output) ?? 0)).toBe(gateway.requests);
    const indices = lines.flatMap((path) => /[?&]i=(\d+)$/.exec(path)?.[1] ?? []).map(Number);
    expect(indices.length).toBeGreaterThan(0);
    expect(indices.every((index, at) => at === 0 || index > indices[at - 1]!)).toBe(true);
  });

  // opshunt: Bun's process.exit discards what stdout still holds: "Gateway stopped" was lost whenever a backlog existed.
  test("lines still waiting when the stop ends are read before the exit, its own last lines included", async () => {
    await using dir = await tempDir("ops-log-backlog-exit-");
    const gateway = await gatewayOnFifo(dir);
    const pad = "p".repeat(2000);
    // ~630 KB of lines, far more than the FIFO holds: a backlog in the gateway.
    for (let i = 0; i < 300; i++) expect(await gateway.request(`/connectors?pad=${pad}&i=${i}`)).toBe(200);
    // The stop's last step closed the data file (SQLite removes its log): the exit is next.
    const wal = dir.file("data/gateway.db-wal");
    expect(existsSync(wal)).toBe(true);
    expect(await gateway.exit(() => !existsSync(wal))).toBe(0);
    expect(requestLines(gateway.output).filter((path) => path.startsWith("/connectors?"))).toHaveLength(300);
    expect(gateway.output).toMatch(/Received SIGTERM, stopping the gateway[\s\S]*Gateway stopped/);
  });
});
