/**
 * App.stop when a listener does not close (a client holding its connection, a runtime bug): the
 * stop gives up on it at its limit, logs that, and goes on to stop the tasks (which commit what
 * Kafka acknowledged) and close the store, as Connect's Jetty bounds its REST server's stop before
 * the herder stops. Regression (opsp3): a REST stop that never settled kept the tasks running until
 * the forced exit (nothing committed at stop, exit 1).
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { tempDir } from "../test/support/temp-dir.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { testApp } from "./app-test-support.ts";
import { MemoryKafka } from "./kafka/memory-kafka.ts";
import { openDatabase } from "./store/database.ts";
import { OffsetStore } from "./store/offset-store.ts";
import { LogManager } from "./util/logger.ts";

const never = () => new Promise<void>(() => {});

describe("App.stop", () => {
  test.each([
    ["rest", "the REST listeners"],
    ["ingest", "the ingest listeners"],
  ] as const)("a %s listener that never closes is given up on and the tasks still stop", async (listener, name) => {
    await using dir = await tempDir("app-stop-");
    const lines: string[] = [];
    const kafka = new MemoryKafka();
    const app = testApp(
      dir,
      { "task.shutdown.graceful.timeout.ms": "1" },
      { kafka, logs: new LogManager({ sink: (line) => lines.push(line) }), listenerCloseLimitMs: 1 },
    );
    const file = dir.file("in.txt");
    appendFileSync(file, "a\nb\n");
    await app.herder.start();
    await app.herder.putConnectorConfig(
      "source",
      { name: "source", "connector.class": "FileStreamSource", file, topic: "t", "tasks.max": "1" },
      { allowReplace: false },
    );
    await waitFor(() => (kafka.topics.get("t")?.flat().length ?? 0) === 2 || undefined, { what: "both lines sent" });
    const stuck = app[listener] as { stop: () => Promise<void> };
    const realStop = stuck.stop.bind(stuck);
    stuck.stop = never;
    try {
      await app.stop();
    } finally {
      // The listener given up on is still open: close it, or its sockets outlive the test.
      await realStop();
    }

    expect(lines.filter((l) => l.includes("Gave up waiting"))).toEqual([
      expect.stringContaining(
        `WARN Gave up waiting for ${name} to stop after ${listener === "rest" ? 0.001 : 0.002} s; the stop goes on without it (io.edgegateway.Gateway)`,
      ),
    ]);
    expect(app.worker.allTasks()).toEqual([]);
    expect(app.stopping()).toBeUndefined();
    // The store was closed (the last step ran) after the task committed what Kafka acknowledged.
    expect(() => app.db.query("SELECT 1").get()).toThrow();
    const db = openDatabase(dir.path);
    expect(new OffsetStore(db).all("source")).toEqual([{ partition: { filename: file }, offset: { position: 4 } }]);
    db.close();
  });
});
