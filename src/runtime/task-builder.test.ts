import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config, SinkTaskContext } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import { EnvVarConfigProvider } from "../config-providers/env-var-config-provider.ts";
import type { SourceConnectorDescriptor } from "../plugin/descriptor.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import {
  type InProcessWorker,
  inProcessWorker,
  SCRIPTED_SINK,
  SCRIPTED_SOURCE,
  Scripted,
  scriptedPlugins,
} from "./herder-test-support.ts";
import { resolvingWith } from "./resolved-values.ts";
import { sinkGroupId } from "./task-builder.ts";

const source = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SOURCE, ...extra });
const sink = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SINK, topics: "in", ...extra });
const BAD_ACKS =
  "org.apache.kafka.common.config.ConfigException: Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1\n";

/** What each consumer the worker creates from now on subscribes (topics, and the pattern as written). */
function subscriptions(w: InProcessWorker): { topics: unknown; topicsPattern?: string }[] {
  const asked: { topics: unknown; topicsPattern?: string }[] = [];
  const memoryConsumer = w.kafka.consumer.bind(w.kafka);
  w.kafka.consumer = async (options) => {
    asked.push({ topics: options.topics, topicsPattern: options.topicsPattern });
    return memoryConsumer(options);
  };
  return asked;
}

/** The connector's state and its tasks' states and traces, once its task 0 is in `state`. */
async function awaitTask0(w: InProcessWorker, name: string, state: string) {
  return waitFor(
    async () => {
      const { body } = await w.rest("GET", `/connectors/${name}/status`);
      return body?.tasks?.[0]?.state === state ? body : undefined;
    },
    { what: `${name}'s task 0 to be ${state}` },
  );
}

describe("buildTask", () => {
  describe("a source task's producer configuration is checked when the task is built (Connect's buildWorkerTask)", () => {
    test("invalid: the task FAILs with the client's message; its SourceTask never starts", async () => {
      await using w = await inProcessWorker();
      const created = await w.rest("POST", "/connectors", {
        name: "a",
        config: source({ "producer.override.acks": "banana" }),
      });
      expect(created.status).toBe(201);
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.connector.state).toBe("RUNNING");
      expect(status.tasks[0].trace).toStartWith(BAD_ACKS);
      expect(w.scripted.taskStarts).toBe(0);
    });

    test("delivery.timeout.ms below linger.ms + request.timeout.ms: FAILED as KafkaProducer's constructor fails it", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", {
        name: "a",
        config: source({ "producer.override.delivery.timeout.ms": "1000" }),
      });
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.tasks[0].trace).toStartWith(
        "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\n",
      );
      expect(status.tasks[0].trace).toContain(
        "Caused by: org.apache.kafka.common.config.ConfigException: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
      );
      expect(w.scripted.taskStarts).toBe(0);
    });

    test("invalid, for a task created PAUSED: FAILED, not PAUSED (Worker.startTask fails it whatever the target state)", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitTask0(w, "a", "RUNNING");
      await w.rest("PUT", "/connectors/a/pause");
      await awaitTask0(w, "a", "PAUSED");
      // While paused, the task restarted with the new config is created PAUSED (a config update
      // alone leaves a PAUSED connector's tasks as they are until it is resumed, as Connect).
      expect((await w.rest("PUT", "/connectors/a/config", source({ "producer.override.acks": "banana" }))).status).toBe(
        200,
      );
      await w.rest("POST", "/connectors/a/tasks/0/restart");
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.connector.state).toBe("PAUSED");
      expect(status.tasks[0].trace).toStartWith(BAD_ACKS);
      expect(w.scripted.taskStarts).toBe(1);
    });
  });

  describe("a sink task's consumer configuration is checked when the task is built (ConsumerConfig in KafkaConsumer's constructor)", () => {
    test.each([
      ["max.poll.records", "0", "Value must be at least 1"],
      ["max.poll.interval.ms", "0", "Value must be at least 1"],
      ["fetch.min.bytes", "-1", "Value must be at least 0"],
    ])("%s=%s: the task FAILs with the client's message; its SinkTask never starts", async (key, value, reason) => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: sink({ [`consumer.override.${key}`]: value }) });
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.connector.state).toBe("RUNNING");
      expect(status.tasks[0].trace).toStartWith(
        `org.apache.kafka.common.config.ConfigException: Invalid value ${value} for configuration ${key}: ${reason}\n`,
      );
      expect(w.scripted.taskStarts).toBe(0);
    });
  });

  describe("a client's class keys are checked when the task is built, wherever they come from", () => {
    const NOT_FOUND =
      "org.apache.kafka.common.config.ConfigException: Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found.\n";

    test("a worker-level producer.partitioner.class Connect cannot load: the task FAILs with its ConfigException", async () => {
      await using w = await inProcessWorker({ worker: { "producer.partitioner.class": "com.example.P" } });
      expect((await w.rest("POST", "/connectors", { name: "a", config: source() })).status).toBe(201);
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.tasks[0].trace).toStartWith(NOT_FOUND);
      expect(w.scripted.taskStarts).toBe(0);
    });

    test("a class override stored before validation refused it: its task FAILs when restarted", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitTask0(w, "a", "RUNNING");
      w.configs.putConfig("a", { ...source(), name: "a", "producer.override.partitioner.class": "com.example.P" });
      expect((await w.rest("POST", "/connectors/a/restart?includeTasks=true")).status).toBe(202);
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.tasks[0].trace).toStartWith(NOT_FOUND);
    });

    test("an interceptor: the task FAILs and its log says the gateway runs none", async () => {
      await using w = await inProcessWorker({ worker: { "producer.interceptor.classes": "com.example.I" } });
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.tasks[0].trace).toStartWith(
        "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\n",
      );
      expect(
        w.logLines.some(
          (l) =>
            l.includes("WARN") &&
            l.includes(
              "[a|task-0] This task's producer names Kafka client classes, but the gateway runs no Kafka client interceptors",
            ),
        ),
      ).toBe(true);
    });

    test("client keys without effect in this gateway: one WARN at task start naming them (not their values); the task runs", async () => {
      await using w = await inProcessWorker({
        // A top-level key reaches task clients here (a superset of Connect, where it is the worker's own clients'): no WARN on every task.
        worker: { "consumer.client.rack": "rack-secret-a", "reconnect.backoff.max.ms": "5000" },
      });
      const overrides = { "consumer.override.group.protocol": "consumer", "consumer.override.fetch.min.bytes": "2" };
      await w.rest("POST", "/connectors", { name: "s", config: sink(overrides) });
      await awaitTask0(w, "s", "RUNNING");
      await w.rest("POST", "/connectors", { name: "a", config: source({ "producer.override.max.block.ms": "1000" }) });
      await awaitTask0(w, "a", "RUNNING");
      const warnings = w.logLines.filter((l) => l.includes("WARN") && l.includes("no effect in this gateway"));
      expect(warnings).toHaveLength(2);
      expect(warnings.join("\n")).toContain(
        "[s|task-0] This task's consumer has Kafka client settings that have no effect in this gateway: client.rack, group.protocol (see docs/client-keys.md)",
      );
      expect(warnings.join("\n")).toContain(
        "[a|task-0] This task's producer has Kafka client settings that have no effect in this gateway: max.block.ms (see",
      );
      expect(w.logLines.join("\n")).not.toContain("rack-secret-a");
    });

    test("so do a sink task's dead letter queue producer and admin client, a source task's topic-creation admin client", async () => {
      await using w = await inProcessWorker({ worker: { "admin.connections.max.idle.ms": "60000" } });
      const dlq = { "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq" };
      const overrides = { "producer.override.max.block.ms": "1000", "admin.override.retries": "3" };
      await w.rest("POST", "/connectors", { name: "s", config: sink({ ...dlq, ...overrides }) });
      await awaitTask0(w, "s", "RUNNING");
      const creation = { "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1" };
      await w.rest("POST", "/connectors", {
        name: "a",
        config: source({ ...creation, "admin.override.retries": "3" }),
      });
      await awaitTask0(w, "a", "RUNNING");
      const warnings = w.logLines.filter((l) => l.includes("WARN") && l.includes("no effect in this gateway"));
      const what = (whose: string, keys: string) =>
        `${whose} has Kafka client settings that have no effect in this gateway: ${keys} (see docs/client-keys.md)`;
      for (const line of [
        what("[s|task-0] This task's dead letter queue producer", "max.block.ms"),
        what("[s|task-0] This task's dead letter queue admin client", "connections.max.idle.ms, retries"),
        what("[a|task-0] This task's topic-creation admin client", "connections.max.idle.ms, retries"),
      ])
        expect(warnings.join("\n")).toContain(line);
    });

    describe("a sink task's dead letter queue admin (Connect's Admin.create in DeadLetterQueueReporter)", () => {
      const BAD_LOGIN = { "admin.override.sasl.login.class": "com.example.X" };
      const NOT_FOUND_LOGIN =
        "org.apache.kafka.common.config.ConfigException: Invalid value com.example.X for configuration sasl.login.class: Class com.example.X could not be found.\n";

      test("with a DLQ topic, a class its admin cannot load FAILs the task with the ConfigException", async () => {
        await using w = await inProcessWorker();
        const dlq = { "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq" };
        await w.rest("POST", "/connectors", { name: "s", config: sink(dlq) });
        await awaitTask0(w, "s", "RUNNING");
        // Stored as a config from before validation refused class overrides.
        w.configs.putConfig("s", { ...sink({ ...dlq, ...BAD_LOGIN }), name: "s" });
        expect((await w.rest("POST", "/connectors/s/restart?includeTasks=true")).status).toBe(202);
        const status = await awaitTask0(w, "s", "FAILED");
        expect(status.tasks[0].trace).toStartWith(NOT_FOUND_LOGIN);
      });

      test("without a DLQ topic the sink task builds no admin client: the same key does not fail it", async () => {
        await using w = await inProcessWorker();
        await w.rest("POST", "/connectors", { name: "s", config: sink() });
        await awaitTask0(w, "s", "RUNNING");
        w.configs.putConfig("s", { ...sink(BAD_LOGIN), name: "s" });
        expect((await w.rest("POST", "/connectors/s/restart?includeTasks=true")).status).toBe(202);
        const status = await waitFor(
          async () => {
            const { body } = await w.rest("GET", "/connectors/s/status");
            return body?.tasks?.[0]?.state === "RUNNING" && w.scripted.taskStarts >= 2 ? body : undefined;
          },
          { what: "s's task 0 to run again" },
        );
        expect(status.tasks[0].state).toBe("RUNNING");
      });
    });
  });

  // Found by scripts/diff-connect (seeds 7108, 7109): the gateway built the new class's task from the old task config.
  test("task configs of a connector of the other kind fail the task with Java's ClassCastException (Worker.startTask's cast)", async () => {
    await using w = await inProcessWorker();
    await w.rest("POST", "/connectors", { name: "a", config: sink() });
    await awaitTask0(w, "a", "RUNNING");
    // Paused, the connector is not reconfigured: its stored task configs still name the sink's task class.
    expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
    expect((await w.rest("PUT", "/connectors/a/config", source())).status).toBe(200);
    expect((await w.rest("POST", "/connectors/a/restart?includeTasks=true")).status).toBe(202);
    const status = await awaitTask0(w, "a", "FAILED");
    const cast =
      "java.lang.ClassCastException: class test.ScriptedSinkTask cannot be cast to class org.apache.kafka.connect.source.SourceTask (test.ScriptedSinkTask and org.apache.kafka.connect.source.SourceTask are in unnamed module of loader 'app')\n";
    expect([status.connector.state, status.tasks[0].version, status.tasks[0].trace.split("\tat")[0]]).toEqual([
      "PAUSED",
      null,
      cast,
    ]);
    // Resumed, the connector generates its own task configs: its task runs.
    expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
    expect((await awaitTask0(w, "a", "RUNNING")).tasks[0].version).not.toBeNull();
  });

  test("task configs of another connector of the same kind run that connector's task until the connector is reconfigured", async () => {
    const next = otherScripted("sink");
    await using w = await inProcessWorker({ plugins: [next.plugin] });
    w.kafka.createTopic("in", 1);
    const putBy: string[] = [];
    w.scripted.script = { put: (records) => void putBy.push(...records.map(() => "old")) };
    next.scripted.script = { put: (records) => void putBy.push(...records.map(() => "new")) };
    await w.rest("POST", "/connectors", { name: "a", config: sink() });
    await awaitTask0(w, "a", "RUNNING");
    const before = w.worker.task({ connector: "a", task: 0 });
    expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
    const changed = { "connector.class": next.plugin.className, topics: "in" };
    expect((await w.rest("PUT", "/connectors/a/config", changed)).status).toBe(200);
    expect((await w.rest("POST", "/connectors/a/restart?includeTasks=true")).status).toBe(202);
    await waitFor(() => (w.worker.task({ connector: "a", task: 0 }) ?? before) !== before, { what: "a new task 0" });
    // As Connect's Worker.startTask: the stored task config's task.class, under the new connector's config.
    expect(w.worker.task({ connector: "a", task: 0 })?.metrics.plugins).toMatchObject({
      connectorClass: next.plugin.className,
      taskClass: "test.ScriptedSinkTask",
    });
    expect([w.scripted.tasksCreated, next.scripted.tasksCreated]).toEqual([2, 0]);
    // Resumed while the new connector fails to start, its task configs are not generated again: the old task runs.
    next.scripted.script.start = () => {
      throw new Error("not now");
    };
    expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
    expect((await awaitTask0(w, "a", "RUNNING")).connector.state).toBe("FAILED");
    w.kafka.append({ topic: "in", partition: 0, key: null, value: null, headers: [], timestamp: 1 });
    await waitFor(async () => {
      await w.kafka.deliver();
      return putBy.length === 1;
    });
    expect([putBy, w.scripted.taskStarts, next.scripted.tasksCreated]).toEqual([["old"], 2, 0]);
    // Restarted, the connector generates its own task configs, and its task is the new class's.
    delete next.scripted.script.start;
    expect((await w.rest("POST", "/connectors/a/restart?includeTasks=true")).status).toBe(202);
    await waitFor(() => next.scripted.taskStarts === 1, { what: "the new class's task to start" });
    expect(w.worker.task({ connector: "a", task: 0 })?.metrics.plugins?.taskClass).toBe(next.plugin.taskClass);
  });
});

// Review of diffhunt10: an old task config's task took topics.regex and the converter defaults from the new connector config.
describe("a task run on its old task config (its connector changed while paused, then failed to start on resume)", () => {
  /** Pauses `a`, stores `changed` as its config, restarts its task on the old task config and resumes it. */
  async function resumedOnOldTaskConfig(w: InProcessWorker, changed: Config, next: Scripted) {
    expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
    expect((await w.rest("PUT", "/connectors/a/config", changed)).status).toBe(200);
    expect((await w.rest("POST", "/connectors/a/restart?includeTasks=true")).status).toBe(202);
    next.script.start = () => {
      throw new Error("not now");
    };
    expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
    return awaitTask0(w, "a", "RUNNING");
  }

  test.each([
    [{ topics: "in" }, { "topics.regex": "re-.*" }, ["in"]],
    [{ "topics.regex": "in-[0-9]+" }, { topics: "other" }, "in-[0-9]+"],
  ])(
    "a sink task subscribes as its task config says (%j), not as the new connector config (%j)",
    async (old, changed, expected) => {
      await using w = await inProcessWorker();
      const asked = subscriptions(w);
      await w.rest("POST", "/connectors", { name: "a", config: { "connector.class": SCRIPTED_SINK, ...old } });
      await awaitTask0(w, "a", "RUNNING");
      await resumedOnOldTaskConfig(w, { "connector.class": SCRIPTED_SINK, ...changed }, w.scripted);
      await waitFor(() => asked.length === 2, { what: "the old task's consumer" });
      expect(Array.isArray(expected) ? asked[1]?.topics : asked[1]?.topicsPattern).toEqual(expected);
    },
  );

  test("a source task keeps its own plugin's converter defaults (schemas.enable=false), not the new connector's", async () => {
    const defaults = { "schemas.enable": "false" };
    const old = otherScripted("source", { converterDefaults: { "value.converter": defaults } });
    await using w = await inProcessWorker({
      plugins: [old.plugin],
      worker: { "value.converter": "org.apache.kafka.connect.json.JsonConverter" },
    });
    w.kafka.createTopic("out", 1);
    // Each task sends one record, then waits until stopped.
    let sentBy = 0;
    old.scripted.script = {
      poll: async (signal) => {
        if (sentBy === old.scripted.taskStarts)
          return new Promise((resolve) => signal.addEventListener("abort", () => resolve(null), { once: true }));
        sentBy = old.scripted.taskStarts;
        const value = { value: "v", valueSchema: Schemas.STRING };
        return [sourceRecord({ topic: "out", ...value, sourcePartition: null, sourceOffset: null })];
      },
    };
    await w.rest("POST", "/connectors", { name: "a", config: { "connector.class": old.plugin.className } });
    await awaitTask0(w, "a", "RUNNING");
    await waitFor(() => w.kafka.records("out").length === 1, { what: "the first record" });
    await resumedOnOldTaskConfig(w, source(), w.scripted);
    await waitFor(() => w.kafka.records("out").length === 2, { what: "the old task's record" });
    const values = w.kafka.records("out").map((r) => new TextDecoder().decode(r.value ?? undefined));
    expect(values).toEqual(['"v"', '"v"']);
    expect([old.scripted.taskStarts, w.scripted.tasksCreated]).toEqual([2, 0]);
  });
});

/** A scripted connector of `kind` with its own counters and script, under another class: the one a connector changes to. */
function otherScripted(kind: "source" | "sink", extra: Partial<SourceConnectorDescriptor> = {}) {
  const scripted = new Scripted();
  const [scriptedSource, scriptedSink] = scriptedPlugins(scripted);
  const name = kind === "source" ? "Source" : "Sink";
  const base = kind === "source" ? { ...scriptedSource, ...extra } : scriptedSink;
  return { scripted, plugin: { ...base, className: `test.Other${name}Connector`, taskClass: `test.Other${name}Task` } };
}

describe("a sink task's offset.flush.timeout.ms is the worker's, as Connect's WorkerSinkTask", () => {
  test("a commit the group does not answer within it is given up with Connect's WARN", async () => {
    await using w = await inProcessWorker({
      worker: { "offset.flush.interval.ms": "20", "offset.flush.timeout.ms": "50" },
    });
    w.kafka.createTopic("in", 1);
    const answered = deferred<void>();
    const memoryConsumer = w.kafka.consumer.bind(w.kafka);
    w.kafka.consumer = async (options) => {
      const consumer = await memoryConsumer(options);
      const commit = consumer.commit.bind(consumer);
      consumer.commit = async (offsets) => {
        await answered.promise; // the group holds every commit up
        return commit(offsets);
      };
      return consumer;
    };
    const put: unknown[] = [];
    w.scripted.script = { put: (records) => void put.push(...records) };
    expect((await w.rest("POST", "/connectors", { name: "s", config: sink() })).status).toBe(201);
    await awaitTask0(w, "s", "RUNNING");
    w.kafka.append({ topic: "in", partition: 0, key: null, value: null, headers: [], timestamp: 1 });
    await waitFor(async () => {
      await w.kafka.deliver();
      return put.length === 1;
    });
    await waitFor(
      () => w.logLines.some((l) => l.includes(" WARN ") && l.includes("Commit of offsets timed out (sequence number")),
      {
        what: "the commit given up",
      },
    );
    answered.resolve();
  });
});

describe("a sink task's errantRecordReporter, as Connect's Worker.createWorkerErrantRecordReporter", () => {
  const reporterOf = async (extra: Config) => {
    await using w = await inProcessWorker();
    expect((await w.rest("POST", "/connectors", { name: "s", config: sink(extra) })).status).toBe(201);
    await awaitTask0(w, "s", "RUNNING");
    const context = w.scripted.taskContexts[0] as SinkTaskContext;
    return context.errantRecordReporter;
  };

  test("neither a DLQ topic nor errors.log.enable: none (null in Connect), whatever errors.tolerance", async () => {
    expect(await reporterOf({})).toBeUndefined();
    expect(await reporterOf({ "errors.tolerance": "all" })).toBeUndefined();
    expect(await reporterOf({ "errors.deadletterqueue.topic.name": "  " })).toBeUndefined();
  });

  test("errors.log.enable=true or a DLQ topic: the task has one", async () => {
    expect(await reporterOf({ "errors.log.enable": "true" })).toBeDefined();
    expect(await reporterOf({ "errors.deadletterqueue.topic.name": "dlq" })).toBeDefined();
  });
});

describe("a sink task's consumer subscription", () => {
  test("topics.regex reaches the consumer with the pattern as the user wrote it (logged as Java logs it)", async () => {
    await using w = await inProcessWorker();
    const asked = subscriptions(w);
    const config = { "connector.class": SCRIPTED_SINK, "topics.regex": "in-[0-9]+" };
    expect((await w.rest("POST", "/connectors", { name: "s", config })).status).toBe(201);
    await awaitTask0(w, "s", "RUNNING");
    expect(asked[0]?.topics).toBeInstanceOf(RegExp);
    expect(asked[0]?.topicsPattern).toBe("in-[0-9]+");
  });
});

describe("a task's providedKeys (PluginContext.providedKeys)", () => {
  const env = new EnvVarConfigProvider({ HOOK: "Xk9hookS3cret" }, new LogManager().get("env"));
  env.configure({});
  // secretp5: a `${a:b}` no provider resolved (no provider `vault`, no variable MISSING) is left as
  // written, as Connect's ConfigTransformer leaves it: the user's own text, no provided key.
  test.each([
    ["sink", sink],
    ["source", source],
  ])("a %s connector and its task are told the keys whose reference a provider resolved", async (_, config) => {
    await using w = await inProcessWorker({ resolveConfig: resolvingWith(new Map([["env", env]])) });
    // As the HTTP connectors do: the task gets the connector's config.
    let connectorConfig: Config = {};
    w.scripted.script = {
      start: (c) => {
        connectorConfig = c;
      },
      taskConfigs: () => [connectorConfig],
    };
    const created = await w.rest("POST", "/connectors", {
      name: "p",
      config: config({
        "hook.url": "https://h.example/services/${env:HOOK}",
        "plain.url": "https://h.example/x",
        "literal.url": "https://h.example/${vault:team}/x",
        "missing.url": "https://h.example/${env:MISSING}/x",
      }),
    });
    expect(created.status).toBe(201);
    await awaitTask0(w, "p", "RUNNING");
    expect(w.scripted.connectorContexts[0]!.providedKeys).toEqual(new Set(["hook.url"]));
    expect(w.scripted.taskContexts[0]!.providedKeys).toEqual(new Set(["hook.url"]));
  });
});

// Found by the eighth REST hunt: a sink named with a lone surrogate ended the gateway (the client's
// group lookup failed on the broker's answer for the group id TextEncoder had written as U+FFFD).
describe("sinkGroupId", () => {
  test.each([
    ["s", {}, "connect-s"],
    ["s\ud800", {}, "connect-s?"],
    ["s", { "consumer.override.group.id": " g\udc00 " }, "g?"],
    ["s😀", {}, "connect-s😀"],
    // Trimmed as ConsumerConfig does (Java's String.trim), not as JavaScript's trim.
    ["s", { "consumer.override.group.id": "\u00a0" }, "\u00a0"],
    ["s", { "consumer.override.group.id": " g\u3000\t" }, "g\u3000"],
  ])("%p with %p → %p", (name, config, group) => {
    expect(sinkGroupId(name, config)).toBe(group);
  });
});
