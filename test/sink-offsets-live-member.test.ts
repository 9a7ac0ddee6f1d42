/**
 * Altering and resetting a STOPPED sink connector's offsets on the real broker, on both Kafka
 * clients, as Connect 4.x's Worker (alterSinkConnectorOffsets, resetSinkConnectorOffsets) answers
 * them. While the connector's consumer group still has a live member (a task of another worker, a
 * consumer outside Connect) the broker refuses both: PATCH and DELETE answer 500 with Connect's
 * message saying the request may be retried, and the worker logs it at ERROR with the broker's
 * reason. Before (explore20 F3) PATCH answered only "Failed to alter consumer group offsets for
 * connector X" and logged nothing, DELETE answered with the client's text. A reset deletes the whole
 * group (explore20 F4: it deleted only its committed offsets), and a reset of a group already gone
 * succeeds.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, stableSubscriptions, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const zombies = (verb: "alter" | "reset", name: string) =>
  `Failed to ${verb} consumer group offsets for connector ${name} either because its tasks haven't stopped completely yet or the connector was resumed before the request to ${verb} its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.`;

const CLIENTS = ["platformatic", "kafkajs"] as const;
const reset = { message: "The offsets for this connector have been reset successfully" };

/** A gateway on `client` with a STOPPED sink connector whose group committed offset 0 of its topic's partition. */
async function stoppedSinkWithGroup(client: (typeof CLIENTS)[number], prefix: string) {
  const kafka = await kafkaBroker();
  const name = uniqueTopic(`${prefix}-${client}`);
  await createTopic(name, 1);
  // Disposed in reverse (the admin, the gateway, its directory); here only if the setup failed.
  await using stack = new AsyncDisposableStack();
  const dir = stack.use(await tempDir());
  const gw = stack.use(
    await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    }),
  );
  const admin = (await testClient()).admin();
  await admin.connect();
  stack.defer(() => admin.disconnect());
  const created = await gw.rest.post("/connectors", {
    name,
    config: { "connector.class": "FileStreamSink", topics: name, file: dir.file("out.txt") },
    initial_state: "STOPPED",
  });
  expect(created.status).toBe(201);
  const offsets = (offset: { kafka_offset: number } | null) => ({
    offsets: [{ partition: { kafka_topic: name, kafka_partition: 0 }, offset }],
  });
  const altered = { message: "The offsets for this connector have been altered successfully" };
  expect((await gw.rest.patch(`/connectors/${name}/offsets`, offsets({ kafka_offset: 0 }))).body).toEqual(altered);
  const owned = stack.move();
  return { name, groupId: `connect-${name}`, gw, admin, offsets, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

// Every case of this file has a gateway, topic and group of its own and mostly waits (rebalances): they run at once.
test.concurrent.each(CLIENTS)(
  "kafka.client=%s: a live member of the group refuses PATCH and DELETE …/offsets as Connect does",
  async (client) => {
    await using sink = await stoppedSinkWithGroup(client, "sink-live-member");
    const { name, groupId, gw, admin, offsets } = sink;
    const outside = (await testClient()).consumer({ groupId });
    try {
      await outside.connect();
      await outside.subscribe({ topics: [name] });
      await outside.run({ eachMessage: async () => {} });
      await waitFor(async () => (await stableSubscriptions(admin, groupId))?.length === 1, {
        what: "the outside consumer in the connector's group",
      });

      // OffsetCommit (UNKNOWN_MEMBER_ID) and OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC) refused alike.
      for (const offset of [{ kafka_offset: 0 }, null]) {
        const refused = await gw.rest.patch(`/connectors/${name}/offsets`, offsets(offset));
        expect({ status: refused.status, body: refused.body }).toEqual({
          status: 500,
          body: { error_code: 500, message: zombies("alter", name) },
        });
      }
      const notReset = await gw.rest.delete(`/connectors/${name}/offsets`);
      expect({ status: notReset.status, body: notReset.body }).toEqual({
        status: 500,
        body: { error_code: 500, message: zombies("reset", name) },
      });
      const logged = (message: string) => gw.output().includes(`ERROR ${message}`);
      await waitFor(() => logged(zombies("alter", name)) && logged(zombies("reset", name)), {
        what: "the refusals logged at ERROR",
      });
      // The broker's reasons, in the logged traces.
      expect(gw.output()).toContain("The coordinator is not aware of this member");
      expect(gw.output()).toContain(
        "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it",
      );
      expect(gw.output()).toContain("The group is not empty");
    } finally {
      await outside.disconnect();
    }
    // Once the member left, the reset the refusal said to retry succeeds.
    expect((await gw.rest.delete(`/connectors/${name}/offsets`)).body).toEqual(reset);
  },
  120_000,
);

test.concurrent.each(CLIENTS)(
  "kafka.client=%s: DELETE …/offsets deletes the connector's group, and succeeds again once it is gone",
  async (client) => {
    await using sink = await stoppedSinkWithGroup(client, "sink-reset-group");
    const { name, groupId, gw, admin } = sink;
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);
    expect((await gw.rest.delete(`/connectors/${name}/offsets`)).body).toEqual(reset);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
    const again = await gw.rest.delete(`/connectors/${name}/offsets`);
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: reset });
  },
  120_000,
);
