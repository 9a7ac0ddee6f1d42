/**
 * explore22 F1, F2: a gateway killed with -9 leaves its sink tasks' members in their groups; a task
 * started again fences its own dead predecessor, but a member whose task does not start again (tasks.max
 * reduced while the gateway was down, a connector deleted with `gateway delete-connector` while it
 * was down) had nobody to fence it: its group sat in PreparingRebalance for session.timeout.ms, no
 * partition consumed, while every status said RUNNING. The worker's orphan sweep removes them.
 * session.timeout.ms is 5 minutes here: without the sweep the group would wait far past each test's
 * timeout. Both clients: the sweep's group calls are each adapter's own. The tasks.max case runs the
 * sweep after a task reconfiguration (the connector file with the lower tasks.max is applied after
 * the herder started, from stored task configs still three); the delete-connector case runs the
 * start's sweep. The start's sweep over a stored lower task count is proven by the unit tests
 * (src/runtime/orphan-members.test.ts, herder-consumer-members.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { processResult } from "./support/command.ts";
import { gatewayCommand } from "./support/gateway.ts";
import { createTopic, groupMembers, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { type FileSink, linesOf, sinkGateway } from "./support/sink-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PER_PARTITION = 50;
const WORKER = { "consumer.session.timeout.ms": "300000" };

// Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
describe.concurrent.each(["kafkajs", "platformatic"])("kafka.client=%s", (client) => {
  test("tasks.max reduced from 3 to 1 while the gateway was down after a kill -9: the dead members of tasks 1 and 2 are removed, the group is Stable with task 0 at once", async () => {
    const topic = uniqueTopic("orphan-tasks");
    const name = `orphan-${topic}`;
    const groupId = `connect-${name}`;
    await createTopic(topic, 3);
    const admin = (await testClient()).admin();
    await admin.connect();
    await using dir = await tempDir("orphan-tasks-");
    const out = dir.file("out.txt");
    const sink = (tasksMax: string): FileSink => ({
      name,
      config: { "tasks.max": tasksMax, file: out, topics: topic },
    });
    try {
      const killed = await sinkGateway(dir, client, [sink("3")], WORKER);
      await producePerPartition(topic, 3, PER_PARTITION, (p, i) => `${p}-${i}`);
      await waitFor(() => linesOf(out).length >= 3 * PER_PARTITION, { what: "every record written" });
      await waitFor(async () => (await groupMembers(admin, groupId)).length === 3, { what: "three members" });
      const dead = new Set((await groupMembers(admin, groupId)).map((m) => m.id));
      await killed.kill();
      await using restarted = await sinkGateway(dir, client, [sink("1")], WORKER);
      await waitFor(
        async () => {
          const members = await groupMembers(admin, groupId);
          return members.length === 1 && !dead.has(members[0]!.id) && members[0]!.partitions.length === 3;
        },
        { what: "task 0 alone in the group with the three partitions", timeoutMs: 30_000 },
      );
      await producePerPartition(topic, 3, PER_PARTITION, (p, i) => `${p}-${i}`, PER_PARTITION);
      await waitFor(() => new Set(linesOf(out)).size === 6 * PER_PARTITION, {
        what: "the records produced after the restart written",
      });
      const status = (await restarted.rest.get(`/connectors/${name}/status`)).body;
      expect(status.tasks.map((t: { id: number; state: string }) => [t.id, t.state])).toEqual([[0, "RUNNING"]]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  test("a connector sharing its group deleted with `gateway delete-connector` after a kill -9: the other connector consumes at once after the restart", async () => {
    const topicA = uniqueTopic("orphan-shared-a");
    const topicB = uniqueTopic("orphan-shared-b");
    const groupId = `shared-${topicA}`;
    await createTopic(topicA, 1);
    await createTopic(topicB, 1);
    const admin = (await testClient()).admin();
    await admin.connect();
    await using dir = await tempDir("orphan-shared-");
    const sink = (name: string, topic: string): FileSink => ({
      name,
      config: { "consumer.override.group.id": groupId, file: dir.file(`${name}.txt`), topics: topic },
    });
    try {
      const killed = await sinkGateway(dir, client, [sink("kA", topicA), sink("kB", topicB)], WORKER);
      await producePerPartition(topicA, 1, PER_PARTITION, (_, i) => `a-${i}`);
      await producePerPartition(topicB, 1, PER_PARTITION, (_, i) => `b-${i}`);
      await waitFor(
        () =>
          linesOf(dir.file("kA.txt")).length >= PER_PARTITION && linesOf(dir.file("kB.txt")).length >= PER_PARTITION,
        { what: "both connectors wrote every record" },
      );
      await waitFor(async () => (await groupMembers(admin, groupId)).length === 2, { what: "two members" });
      const dead = new Set((await groupMembers(admin, groupId)).map((m) => m.id));
      await killed.kill();

      const deleted = await processResult(
        Bun.spawn([...gatewayCommand(), "delete-connector", dir.file("worker.properties"), "kB"], {
          cwd: dir.path,
          stdout: "pipe",
          stderr: "pipe",
        }),
      );
      expect({ code: deleted.code, err: deleted.err }).toEqual({ code: 0, err: "" });
      expect(deleted.out).toContain(
        "  1 sink consumer member id (removed from their consumer groups at the next start)\n",
      );

      await using restarted = await sinkGateway(dir, client, [sink("kA", topicA)], WORKER);
      await waitFor(
        async () => {
          const members = await groupMembers(admin, groupId);
          return members.length === 1 && !dead.has(members[0]!.id) && members[0]!.partitions.length === 1;
        },
        { what: "kA's task alone in the shared group with its partition", timeoutMs: 30_000 },
      );
      await producePerPartition(topicA, 1, PER_PARTITION, (_, i) => `a-${i}`, PER_PARTITION);
      await waitFor(() => new Set(linesOf(dir.file("kA.txt"))).size === 2 * PER_PARTITION, {
        what: "kA wrote the records produced after the restart",
      });
      expect((await restarted.rest.get("/connectors")).body).toEqual(["kA"]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
