/**
 * A sink connector whose name holds spaces: its consumer group is `connect-<name>` with them, which Kafka and
 * Connect's Java clients take. Regression (found by scripts/diff-connect against Apache Connect 4.3.1, seed 7108: a
 * sink named ` pad-… `): the gateway's Kafka client refused such a group id ("/options/groupId must match pattern"),
 * so the task was FAILED at once where Connect's runs; its offsets' reset (which deletes the group) failed too.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createTopic, produce } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });

describe("a sink connector named with spaces", () => {
  test("runs its task, delivers the topic's records, lists its group's offsets and resets them once stopped", async () => {
    const run = Date.now().toString(36);
    const topic = `sink-name-whitespace-${run}`;
    await createTopic(topic);
    await produce(topic, [{ value: "one" }, { value: "two" }]);
    const name = ` my sink ${run} `;
    const path = `/connectors/${encodeURIComponent(name)}`;
    const out = suite.dir.file("out.txt");
    const put = await suite.gw.rest.put(`${path}/config`, {
      "connector.class": "FileStreamSink",
      topics: topic,
      file: out,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    expect(put.status).toBe(201);
    const delivered = await waitFor(
      () => {
        try {
          const lines = readFileSync(out, "utf8").split("\n").filter(Boolean);
          return lines.length === 2 && lines;
        } catch {
          return undefined;
        }
      },
      { what: "the sink's file holding both records" },
    );
    expect(delivered).toEqual(["one", "two"]);
    const status = await suite.gw.rest.get(`${path}/status`);
    expect(status.body.tasks.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
    // Its consumer committed both records under its group, `connect- my sink … `.
    const offsets = await waitFor(
      async () => {
        const answer = await suite.gw.rest.get(`${path}/offsets`);
        return answer.body.offsets?.[0]?.offset.kafka_offset === 2 && answer.body;
      },
      { what: "the sink's committed offsets" },
    );
    expect(offsets).toEqual({
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 2 } }],
    });
    expect((await suite.gw.rest.put(`${path}/stop`)).status).toBe(204);
    const reset = await suite.gw.rest.delete(`${path}/offsets`);
    expect([reset.status, reset.body]).toEqual([
      200,
      { message: "The offsets for this connector have been reset successfully" },
    ]);
    expect((await suite.gw.rest.get(`${path}/offsets`)).body).toEqual({ offsets: [] });
  });
});
