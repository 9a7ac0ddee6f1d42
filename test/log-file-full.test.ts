/**
 * The gateway (compiled binary when GATEWAY_BIN is set) with its stdout appended to a log file that
 * cannot grow, as on a full disk: bash's `ulimit -f` (SIGXFSZ ignored) caps the files the process
 * writes, and the log file is made to start just below the cap (a sparse file), so writes to it fail
 * (EFBIG, as ENOSPC on a full disk) while the state file, far below the cap, is written as usual.
 * Needs no root. The gateway runs on; once the file has room again (cut to nothing, as logrotate's
 * copytruncate does) the log resumes with a WARN saying how many lines were lost, instead of
 * staying silent until a restart.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { gatewayCommand } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { RestClient } from "./support/rest-client.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const LIMIT_KIB = 16 * 1024;
const LIMIT = LIMIT_KIB * 1024;
/** Room left in the log file at the start: enough for the startup lines, not for many more. */
const HEADROOM = 4000;

const waitingSource = (n: string) => ({
  "connector.class": "FileStreamSource",
  file: `/nonexistent/${n}`,
  topic: "log-file-full",
});

describe("a log file on a full disk", () => {
  test("does not stop the gateway; once the file has room the log resumes with a WARN counting the lost lines", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("log-file-full-");
    const logFile = dir.file("gateway.log");
    writeFileSync(logFile, "");
    truncateSync(logFile, LIMIT - HEADROOM);
    const workerFile = dir.file("worker.properties");
    writeFileSync(
      workerFile,
      `listeners=http://127.0.0.1:0\nbootstrap.servers=${kafka.bootstrap}\ndata.dir=${dir.file("data")}\n`,
    );
    const proc = Bun.spawn(
      [
        "bash",
        "-c",
        `trap '' XFSZ; ulimit -f ${LIMIT_KIB}; exec "$@" >> "$LOG" 2>&1`,
        "bash",
        ...gatewayCommand(),
        workerFile,
      ],
      { cwd: dir.path, env: { ...process.env, LOG: logFile } },
    );
    try {
      const tail = () =>
        readFileSync(logFile)
          .subarray(Math.min(statSync(logFile).size, LIMIT - HEADROOM))
          .toString();
      const url = await waitFor(() => /REST server listening at (http:\/\/[^\s,]+?)\/?,/.exec(tail())?.[1], {
        what: "the REST listener's line",
      });
      const rest = new RestClient(url);
      let n = 0;
      await waitFor(
        async () => {
          if (statSync(logFile).size >= LIMIT) return true;
          expect((await rest.put(`/connectors/fill-${n}/config`, waitingSource(`${n++}`))).status).toBe(201);
          return false;
        },
        { what: "a log file at its limit" },
      );
      // Lines logged now are lost: the connector's start and its task's.
      expect((await rest.put("/connectors/while-full/config", waitingSource("while-full"))).status).toBe(201);
      await waitFor(async () => (await rest.get("/connectors/while-full/status")).body.tasks[0]?.state === "RUNNING");
      expect(statSync(logFile).size).toBe(LIMIT);

      truncateSync(logFile, 0);
      expect((await rest.put("/connectors/after-room/config", waitingSource("after-room"))).status).toBe(201);
      const text = await waitFor(() => {
        const t = readFileSync(logFile, "utf8");
        return t.includes("[after-room|task-0]") ? t : undefined;
      });
      expect(text).toMatch(
        /WARN \d+ log line\(s\) could not be written and are lost \((EFBIG|ENOSPC)[^)]*\); the log is written again/,
      );
      expect(text.indexOf("could not be written")).toBeLessThan(text.indexOf("[after-room|task-0]"));
      expect(proc.exitCode).toBeNull();
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    }
  });
});
