/**
 * A sink task's consumer logs its group steps and starting positions as Java's consumer does under
 * Connect (texts, INFO, logger names, `[Consumer clientId=…, groupId=…]` after the task's context),
 * in the whole gateway against the real broker: the join (with the rejoin MEMBER_ID_REQUIRED asks
 * for) and sync, the partitions assigned, no committed offset and the reset policy's position for a
 * new group, the LeaveGroup of a task restart and the generation it resets, the committed offset the
 * next consumer starts from, and the empty revoke of a member owning nothing in an eager rebalance. An operator (or a flake hunt) sees from the log
 * alone which member owns what and where it started.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const INTERNALS = "org.apache.kafka.clients.consumer.internals";

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A whole log line: Connect's `[timestamp] LEVEL ` before `text`, `(logger)` after it. */
function line(level: string, text: string, logger: string): RegExp {
  return new RegExp(`^\\[[^\\]]+\\] ${level} ${text} \\(${literal(`${INTERNALS}.${logger}`)}\\)$`, "m");
}

/** Java's FetchPosition of `offset` on the partition's leader (a broker of the cluster). */
const position = (offset: number) =>
  literal(`FetchPosition{offset=${offset}, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=Optional[`) +
  `[^ ]+:\\d+ \\(id: \\d+ rack: null isFenced: false\\)\\], epoch=\\d+\\}\\}`;

/** The group protocol both clients' members prefer (Java's RoundRobinAssignor's name, mixproto). */
const PROTOCOL = "roundrobin";

// Every case of this file has a gateway, topic and group of its own and mostly waits (rebalances): they run at once.
test.concurrent.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a sink task's consumer logs its join, assignment, starting positions and leave as Java's consumer",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("consumer-log");
    // A connector of its own name: its group connect-<name> is new, on a fresh broker or a shared one.
    const name = uniqueTopic("consumer-log-sink");
    await createTopic(topic, 2);
    const producer = (await testClient()).producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "first" }] });
    } finally {
      await producer.disconnect();
    }
    const file = dir.file("sink.txt");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    });
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    const context = literal(
      `[${name}|task-0] [Consumer clientId=connector-consumer-${name}-0, groupId=connect-${name}]`,
    );
    const member = `connector-consumer-${literal(name)}-0-[0-9a-f-]+`;
    const p0 = literal(`${topic}-0`);
    const p1 = literal(`${topic}-1`);
    const started = [
      line("INFO", `${context} \\(Re-\\)joining group`, "ConsumerCoordinator"),
      line(
        "INFO",
        `${context} Successfully joined group with generation Generation\\{generationId=\\d+, memberId='${member}', protocol='${PROTOCOL}'\\}`,
        "ConsumerCoordinator",
      ),
      line(
        "INFO",
        `${context} Request joining group due to: need to re-join with the given member-id: ${member}`,
        "ConsumerCoordinator",
      ),
      line(
        "INFO",
        `${context} Successfully synced group in generation Generation\\{generationId=\\d+, memberId='${member}', protocol='${PROTOCOL}'\\}`,
        "ConsumerCoordinator",
      ),
      line("INFO", `${context} Adding newly assigned partitions: ${p0}, ${p1}`, "ConsumerRebalanceListenerInvoker"),
    ];
    // Where a partition starts kafkajs decides without telling: only the platformatic adapter logs it.
    const positions = [
      line("INFO", `${context} Found no committed offset for partition ${p0}`, "ConsumerCoordinator"),
      line("INFO", `${context} Found no committed offset for partition ${p1}`, "ConsumerCoordinator"),
      // Connect's sink consumers read a new group's partitions from the earliest offset.
      line(
        "INFO",
        `${context} Resetting offset for partition ${p0} to position ${position(0)}\\.`,
        "SubscriptionState",
      ),
      line(
        "INFO",
        `${context} Resetting offset for partition ${p1} to position ${position(0)}\\.`,
        "SubscriptionState",
      ),
    ];
    for (const pattern of [...started, ...(client === "platformatic" ? positions : [])])
      await gw.waitForOutput(pattern, 60_000);
    await waitFor(async () => (await Bun.file(file).exists()) && (await Bun.file(file).text()) === "first\n", {
      what: "the record in the file",
      timeoutMs: 60_000,
    });

    // The restart's stop commits what the task wrote; its consumer leaves, the next one starts there.
    const before = gw.output().length;
    expect((await gw.rest.post(`/connectors/${name}/tasks/0/restart`, {})).status).toBe(204);
    const coordinator = "[^ ]+:\\d+ \\(id: \\d+ rack: null isFenced: false\\)";
    const left = [
      line(
        "INFO",
        `${context} Member ${member} sending LeaveGroup request to coordinator ${coordinator} due to the consumer is being closed`,
        "ConsumerCoordinator",
      ),
      line(
        "INFO",
        `${context} Resetting generation and member id due to: consumer pro-actively leaving the group`,
        "ConsumerCoordinator",
      ),
      line(
        "INFO",
        `${context} Request joining group due to: consumer pro-actively leaving the group`,
        "ConsumerCoordinator",
      ),
    ];
    const restarted = [
      // ConsumerUtils' logger is static in Java: no consumer prefix.
      line(
        "INFO",
        `${literal(`[${name}|task-0]`)} Setting offset for partition ${p0} to the committed offset ${position(1)}`,
        "ConsumerUtils",
      ),
    ];
    for (const pattern of [...left, ...(client === "platformatic" ? restarted : [])])
      await waitFor(() => pattern.test(gw.output().slice(before)), { what: `${pattern}`, timeoutMs: 60_000 });
    expect(await gw.stop()).toBe(0);
  },
  120_000,
);

test.concurrent.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a member that owns no partition says it revokes none when it rejoins, as Java's eager rebalance",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("consumer-log-empty");
    const name = uniqueTopic("consumer-log-empty-sink");
    await createTopic(topic, 1); // two tasks, one partition: one member owns nothing
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    });
    const config = { "connector.class": "FileStreamSink", topics: topic, file: dir.file("sink.txt"), "tasks.max": "2" };
    expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    const context = (task: number) =>
      literal(`[${name}|task-${task}] [Consumer clientId=connector-consumer-${name}-${task}, groupId=connect-${name}]`);
    /** What each task's last assignment line added (its whole assignment: an eager rejoin gave all up). */
    const lastAdded = (task: number) =>
      [...gw.output().matchAll(new RegExp(`${context(task)} Adding newly assigned partitions: (.*) \\(`, "g"))].at(
        -1,
      )?.[1];
    const { owner } = await waitFor(
      () => {
        const [a, b] = [lastAdded(0), lastAdded(1)];
        if (a === `${topic}-0` && b === "") return { owner: 0 };
        if (b === `${topic}-0` && a === "") return { owner: 1 };
        return undefined;
      },
      { what: "one task owning the partition, the other nothing", timeoutMs: 60_000 },
    );
    const empty = 1 - owner;
    // The owner's restart makes its consumer leave: the other rejoins in order, owning nothing.
    const before = gw.output().length;
    expect((await gw.rest.post(`/connectors/${name}/tasks/${owner}/restart`, {})).status).toBe(204);
    const revoked = line(
      "INFO",
      `${context(empty)} Revoke previously assigned partitions `,
      "ConsumerRebalanceListenerInvoker",
    );
    await waitFor(() => revoked.test(gw.output().slice(before)), { what: `${revoked}`, timeoutMs: 60_000 });
    expect(await gw.stop()).toBe(0);
  },
  120_000,
);
