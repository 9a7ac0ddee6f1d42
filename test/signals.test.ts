/**
 * Signals to the compiled binary, as an operator sends them. SIGHUP (a closed terminal or SSH
 * session, `kill -HUP`) is a graceful stop like SIGTERM and SIGINT, as the JVM runs Connect's
 * shutdown hook on all three: the source task's offsets are committed before the exit (status 0).
 * `offset.flush.interval.ms` is far away here, so only the stop can have committed them.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exitCodeWithin, gatewayCommand, spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { RestClient } from "./support/rest-client.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("signals", () => {
  test("SIGHUP stops the gateway gracefully: offsets committed, exit 0", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-");
    const input = dir.file("in.txt");
    writeFileSync(input, Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(""));
    const worker = {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "offset.flush.interval.ms": "3600000",
    };
    const topic = `signals-${crypto.randomUUID()}`;
    {
      await using gw = await startGateway({ dir: dir.path, worker });
      await gw.rest.post("/connectors", {
        name: "hup-in",
        config: {
          "connector.class": "FileStreamSource",
          file: input,
          topic,
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        },
      });
      await waitFor(
        async () => {
          const text = await (await fetch(`${gw.url}/metrics`)).text();
          return /source_record_write_total\{connector="hup-in",task="0"\} 500\b/.test(text);
        },
        { what: "500 records written" },
      );
      gw.proc.kill("SIGHUP");
      expect(await gw.proc.exited).toBe(0);
      expect(gw.output()).toContain("Received SIGHUP, stopping the gateway");
      expect(gw.output()).toContain("Gateway stopped");
    }
    await using again = await startGateway({ dir: dir.path, worker });
    const offsets = await again.rest.get("/connectors/hup-in/offsets");
    expect(offsets.body.offsets).toEqual([
      { partition: { filename: input }, offset: { position: statSync(input).size } },
    ]);
  }, 90_000);

  test("a closed terminal (SIGHUP, then EIO on every log write) is a graceful stop too: offsets committed, exit 0", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-pty-");
    const input = dir.file("in.txt");
    writeFileSync(input, Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join(""));
    const worker = {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "offset.flush.interval.ms": "3600000",
    };
    const workerFile = dir.file("worker.properties");
    writeFileSync(
      workerFile,
      Object.entries({ listeners: "http://127.0.0.1:0", ...worker })
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
    // The gateway on a terminal of its own, as started from an SSH session.
    const [bin, ...binArgs] = gatewayCommand();
    const proc = Bun.spawn(["python3", join(import.meta.dir, "support", "pty-run.py"), bin!, ...binArgs, workerFile], {
      stdout: "pipe",
      stderr: "inherit",
    });
    let output = "";
    const pumped = (async () => {
      for await (const chunk of proc.stdout) output += new TextDecoder().decode(chunk);
    })();
    try {
      const url = (
        await waitFor(() => output.match(/REST server listening at (http:\/\/[^\s,]+?)\/?,/) ?? undefined, {
          what: "the gateway on its terminal listening",
        })
      )[1]!;
      const rest = new RestClient(url);
      await rest.post("/connectors", {
        name: "pty-in",
        config: {
          "connector.class": "FileStreamSource",
          file: input,
          topic: `signals-pty-${crypto.randomUUID()}`,
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        },
      });
      await waitFor(
        async () =>
          /source_record_write_total\{connector="pty-in",task="0"\} 300\b/.test(
            await (await fetch(`${url}/metrics`)).text(),
          ),
        { what: "300 records written" },
      );
      proc.kill("SIGUSR1"); // the terminal hangs up
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      await pumped;
    }
    await using again = await startGateway({ dir: dir.path, worker });
    const offsets = await again.rest.get("/connectors/pty-in/offsets");
    expect(offsets.body.offsets).toEqual([
      { partition: { filename: input }, offset: { position: statSync(input).size } },
    ]);
  }, 90_000);

  test("SIGUSR1, SIGUSR2 and SIGALRM are logged and ignored: the gateway and its tasks run on, SIGTERM still stops it (exit 0)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-stray-");
    const input = dir.file("in.txt");
    writeFileSync(input, "first\n");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    await gw.rest.post("/connectors", {
      name: "stray-in",
      config: {
        "connector.class": "FileStreamSource",
        file: input,
        topic: `signals-stray-${crypto.randomUUID()}`,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    const written = (n: number) =>
      gw.waitUntil(
        async () =>
          new RegExp(`source_record_write_total\\{connector="stray-in",task="0"\\} ${n}\\b`).test(
            await (await fetch(`${gw.url}/metrics`)).text(),
          ),
        30_000,
        `${n} records written`,
      );
    await written(1);
    // Before: each ended the process at once (138, 140, 142), as the JVM ends on them, with no stop.
    for (const signal of ["SIGUSR1", "SIGUSR2", "SIGALRM"] as const) {
      gw.proc.kill(signal);
      await gw.waitForOutput(
        new RegExp(`WARN Received ${signal}; ignored \\(the gateway stops on SIGTERM, SIGINT or SIGHUP\\)`),
      );
    }
    writeFileSync(input, "first\nsecond\n");
    await written(2);
    expect((await gw.rest.get("/connectors/stray-in/status")).body.tasks).toEqual([
      { id: 0, state: "RUNNING", worker_id: expect.any(String), version: expect.any(String) },
    ]);
    expect(await gw.stop()).toBe(0);
    expect(gw.output()).toContain("Received SIGTERM, stopping the gateway");
  }, 60_000);

  // leftfix2: checked, nothing to fix (startup before the stop handler is synchronous: opening SQLite, starting
  // the connectors of the files); pinned here while the worker's first Kafka lookup cannot end.
  test("SIGTERM while the worker is still connecting to Kafka (a broker that never answers): exit 0, stopped, its data intact", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-connecting-");
    const input = dir.file("in.txt");
    writeFileSync(input, "one\n");
    const connectorFile = dir.file("fs.properties");
    writeFileSync(
      connectorFile,
      `name=fs\nconnector.class=FileStreamSource\nfile=${input}\ntopic=signals-${crypto.randomUUID()}\n`,
    );
    // Accepts connections and never answers: the cluster id lookup waits until its timeout.
    using silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const data = dir.file("data");
    const spawned = spawnGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": `127.0.0.1:${silent.port}`, "data.dir": data },
      args: [connectorFile],
    });
    await waitFor(() => /Created connector fs/.test(spawned.output()) || spawned.proc.exitCode !== null, {
      what: "the connector file applied",
    });
    expect(spawned.output()).not.toContain("Connected to Kafka cluster");
    spawned.proc.kill("SIGTERM");
    expect(await exitCodeWithin(spawned, 30_000)).toBe(0);
    const lines = spawned.output().trim().split("\n");
    expect(lines.at(-1)).toContain("INFO Gateway stopped");
    expect(spawned.output()).toContain("Received SIGTERM, stopping the gateway");
    // The stop closed the database: no WAL left to replay, and the connector is there on the next start.
    expect(readdirSync(data)).toEqual(["gateway.db"]);
    await using again = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": data },
    });
    expect((await again.rest.get("/connectors")).body).toEqual(["fs"]);
  }, 60_000);

  test("SIGTERM as soon as the process runs (its modules still loading) stops it cleanly: exit 0, not killed (143)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-early-");
    const workerFile = dir.file("worker.properties");
    writeFileSync(
      workerFile,
      `listeners=http://127.0.0.1:0\nbootstrap.servers=${kafka.bootstrap}\ndata.dir=${dir.file("data")}\n`,
    );
    // A file, not a pipe: what the gateway has logged is there to read at any moment.
    const log = dir.file("out.log");
    // The window between the first moment the process catches SIGTERM and its first log line is
    // ~100 ms: a poll delayed past it (a loaded machine) proves nothing, so that run is dropped
    // and the process started again, until a signal lands inside the window.
    for (let attempt = 1; ; attempt++) {
      writeFileSync(log, "");
      const proc = Bun.spawn([...gatewayCommand(), workerFile], { stdout: Bun.file(log), stderr: "pipe" });
      try {
        // The first moment the process catches SIGTERM (bit 15 of SigCgt): before the fix, only once
        // started (its first log lines written); now before a line is written.
        const logged = await waitFor(
          () => {
            const caught = readFileSync(`/proc/${proc.pid}/status`, "utf8").match(/^SigCgt:\s*([0-9a-f]+)$/m)?.[1];
            if (caught === undefined || (BigInt(`0x${caught}`) & (1n << 14n)) === 0n) return undefined;
            return { text: readFileSync(log, "utf8") };
          },
          { intervalMs: 1, what: "SIGTERM caught" },
        );
        if (logged.text !== "" && attempt < 10) continue;
        expect(logged.text).toBe("");
        proc.kill("SIGTERM");
        expect(await proc.exited).toBe(0);
        expect(readFileSync(log, "utf8")).toMatch(
          /Received SIGTERM(, stopping the gateway| before the gateway started)/,
        );
        return;
      } finally {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
  }, 60_000);
});
