/**
 * FileStreamSource with a line Kafka refuses for good (over the topic's max.message.bytes, errors.tolerance=none;
 * explore16 F3): the task fails, and its final offset commit saves the position after the lines Kafka wrote before
 * that line, as Connect's WorkerSourceTask commits the acknowledged prefix of a failed task (SubmittedRecords,
 * finalOffsetCommit). Once the topic takes the line, a task restart writes the rest: every line is in Kafka once. The
 * failure reads as Connect's (explore19 F4): its trace starts "Unrecoverable exception from producer send callback",
 * and the send callback's ERROR line is logged once.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { failedTask } from "./support/gateway.ts";
import { createTopic, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { SEND_CALLBACK_FAILURE } from "./support/send-callback-trace.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

describe.each(["platformatic", "kafkajs"])("FileStreamSource (kafka.client=%s)", (client) => {
  const suite = suiteGateway({ "kafka.client": client, "offset.flush.interval.ms": "100" });

  const storedPosition = async (name: string): Promise<number | undefined> =>
    (await suite.gw.rest.get(`/connectors/${name}/offsets`)).body?.offsets?.[0]?.offset?.position;

  test("the lines before a refused one are in Kafka once after the failure and a restart (explore16 F3)", async () => {
    const { gw, dir } = suite;
    const topic = uniqueTopic("fs-refused-line");
    await createTopic(topic, 1, [{ name: "max.message.bytes", value: "2000" }]);
    const lines = ["line1", "line2", "line3", "line4", "line5", "L".repeat(3000), "line7", "line8", "line9", "line10"];
    const file = dir.file("lines.txt");
    const text = lines.map((l) => `${l}\n`).join("");
    writeFileSync(file, text);
    const name = "fs-refused-line";
    const put = await gw.rest.put(`/connectors/${name}/config`, {
      "connector.class": "FileStreamSource",
      file,
      topic,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    expect(put.status).toBe(201);
    const failed = await failedTask(gw, name);
    // Connect's first line (WorkerSourceTask.maybeThrowProducerSendException), the client's failure and Kafka's
    // exception under it (explore19 F4).
    const causes = String(failed.trace)
      .split("\n")
      .filter((l) => !l.startsWith("\t"));
    expect(causes[0]).toBe(SEND_CALLBACK_FAILURE);
    expect(causes[1]).toStartWith("Caused by: org.apache.kafka.connect.errors.ConnectException: ");
    expect(causes[2]).toStartWith("Caused by: org.apache.kafka.common.errors.RecordTooLargeException: ");
    // Connect's send callback logs the refused send once, on its logger, with the task's context.
    const callback = `ERROR [${name}|task-0] WorkerSourceTask{id=${name}-0} failed to send record to ${topic}: \n`;
    await waitFor(() => gw.output().includes(callback), { what: "the send callback's ERROR line" });
    expect(gw.output().split(callback)).toHaveLength(2);
    expect(gw.output().split(callback)[1]).toMatch(
      /^[^[]*\(org\.apache\.kafka\.connect\.runtime\.AbstractWorkerSourceTask\)\n/,
    );
    // The position after line5: a restart does not write lines 1-5 again. Saved by the final offset commit,
    // which runs after the status says FAILED (review-prefixoff P3-1).
    const afterLine5 = "line1\nline2\nline3\nline4\nline5\n".length;
    await waitFor(async () => (await storedPosition(name)) !== undefined, { what: "the final offset commit" });
    expect(await storedPosition(name)).toBe(afterLine5);

    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: topic, configEntries: [{ name: "max.message.bytes", value: "100000" }] }],
      });
    } finally {
      await admin.disconnect();
    }
    expect((await gw.rest.post(`/connectors/${name}/tasks/0/restart`)).status).toBe(204);
    await waitFor(async () => (await storedPosition(name)) === Buffer.byteLength(text), {
      timeoutMs: 30_000,
      what: "the whole file's position stored",
    });
    const written = (await readAll(topic)).map((r) => String(r.value));
    expect(written).toEqual(lines);
  }, 60_000);
});
