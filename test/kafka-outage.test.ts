/**
 * An edge reality: Kafka becomes unreachable for a while. The broker process is frozen (SIGSTOP)
 * while lines keep arriving; source and sink tasks stay RUNNING, retrying, and when the broker
 * comes back (SIGCONT) every line reaches Kafka and the sink file, in order, without loss. The
 * broker is the test's own (startOwnBroker): the shared one other tests use is never frozen.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { freeze } from "./support/freeze.ts";
import { startGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `event ${from + i}`);
const distinctLines = (path: string) =>
  existsSync(path)
    ? [
        ...new Set(
          readFileSync(path, "utf8")
            .split("\n")
            .filter((l) => l !== ""),
        ),
      ]
    : [];

describe("a Kafka outage", () => {
  test("tasks ride it out and deliver everything once the broker is back", async () => {
    await using dir = await tempDir();
    await using kafka = await startOwnBroker(dir.file("kafka"));
    expect(kafka.pid).toBeGreaterThan(0);
    const input = dir.file("in.txt");
    const output = dir.file("out.txt");
    const topic = uniqueTopic("outage");
    writeFileSync(input, "");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "request.timeout.ms": "2000",
        "socket.connection.setup.timeout.ms": "2000",
        // A send the producer could not retry within its own loop (ci91: none of its retry lines within 60 s
        // on a loaded host) fails after this, and the task's retry says so: one of the two lines comes.
        "producer.delivery.timeout.ms": "20000",
      },
    });
    await gw.rest.post("/connectors", {
      name: "in",
      config: { "connector.class": "FileStreamSource", file: input, topic },
    });
    await gw.rest.post("/connectors", {
      name: "out",
      config: { "connector.class": "FileStreamSink", file: output, topics: topic },
    });
    appendFileSync(input, `${lines(1, 10).join("\n")}\n`);
    await waitFor(() => distinctLines(output).length === 10, { what: "10 lines before the outage" });

    await freeze(kafka.pid);
    try {
      appendFileSync(input, `${lines(11, 20).join("\n")}\n`);
      // The producer retries on its own first (until delivery.timeout.ms) and says so; the task's
      // retries take over when a send fails.
      await gw.waitForOutput(
        /Failed to send \d+ records to Kafka, retrying|retrying \(attempt \d+\) until delivery/,
        60_000,
      );
      for (const name of ["in", "out"]) {
        const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
        expect([status.connector.state, status.tasks[0].state]).toEqual(["RUNNING", "RUNNING"]);
      }
    } finally {
      process.kill(kafka.pid, "SIGCONT");
    }
    await waitFor(() => distinctLines(output).length === 20, {
      what: "all 20 lines after the outage",
      timeoutMs: 90_000,
    });
    expect(distinctLines(output)).toEqual(lines(1, 20));
    for (const name of ["in", "out"]) {
      expect((await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0].state).toBe("RUNNING");
    }
  }, 180_000);
});
