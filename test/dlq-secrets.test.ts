/**
 * The dead letter queue's context headers (`__connect.errors.exception.message`, `.stacktrace`)
 * hide secrets as log lines and status traces do: here a config provider's value that an SMT's
 * per-record error quotes (ExtractField naming a field the record lacks), on the real binary and
 * broker.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

const SECRET = "dlq-pr0vider-s3cret";

describe("dead letter queue context headers", () => {
  test("a resolved value quoted by a record's error shows as [hidden]", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
      },
      env: { DLQ_FIELD: SECRET },
    });
    const topic = uniqueTopic("dlq-secret");
    const dlq = `${topic}-dlq`;
    // A name (so a consumer group) of its own: overlapping runs on the shared broker would otherwise
    // share the group.
    const name = uniqueTopic("dlq-secret");
    await createTopic(topic);
    const struct = { schema: { type: "struct", fields: [{ field: "n", type: "int32" }] }, payload: { n: 1 } };
    await produce(topic, [{ value: JSON.stringify(struct) }]);
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: dir.file("out.txt"),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
        transforms: "pick",
        "transforms.pick.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
        "transforms.pick.field": "${env:DLQ_FIELD}",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "errors.deadletterqueue.context.headers.enable": "true",
      },
    });
    expect(created.status).toBe(201);
    const [dead] = await readTopic(dlq, 1);
    const headers = Object.fromEntries(Object.entries(dead!.headers).map(([k, v]) => [k, String(v)]));
    expect(headers).toMatchObject({
      "__connect.errors.stage": "TRANSFORMATION",
      "__connect.errors.exception.message": "Unknown field: [hidden]",
    });
    expect(headers["__connect.errors.exception.stacktrace"]).toContain("Unknown field: [hidden]");
    const status = await gw.rest.get(`/connectors/${name}/status`);
    expect(status.body.tasks[0].state).toBe("RUNNING");
    for (const shown of [JSON.stringify(headers), status.text, gw.output()]) expect(shown).not.toContain(SECRET);
  });
});
