import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConfigError, ConnectError, DataError, JavaException, RetriableError } from "../../errors.ts";
import { checkProducerProperties } from "../../kafka/client-config.ts";
import { DEFAULT_API_TIMEOUT_MS, MAX_BLOCK_MS } from "../../kafka/client-retry.ts";
import type { KafkaAdmin, TopicSpec } from "../../kafka/kafka-port.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { systemClock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { TaskMetrics } from "../task-metrics.ts";
import { DeadLetterQueueReporter, ErrantRecordReportError } from "./dead-letter-queue-reporter.ts";
import type { ProcessingContext } from "./processing-context.ts";
import { jsonConversionFailure } from "./processing-context-test-support.ts";

const context = jsonConversionFailure();

function reporter(
  kafka: MemoryKafka,
  admin = () => kafka.admin(),
  producer = () => kafka.producer(),
  checkProducer = () => {},
) {
  const metrics = new TaskMetrics();
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const r = new DeadLetterQueueReporter(
    { topic: "dlq", replicationFactor: 3, contextHeaders: true },
    admin,
    { check: checkProducer, create: producer },
    logs.get("dlq"),
    metrics,
  );
  return { r, metrics, lines };
}

/** Start options of a task that is not stopping. */
const running = { signal: new AbortController().signal, clock: systemClock };

describe("DeadLetterQueueReporter", () => {
  test("writes the original bytes with the original and the __connect.errors.* headers", async () => {
    const kafka = new MemoryKafka();
    const { r, metrics } = reporter(kafka);
    await r.report(context);
    await r.flush();
    const [record] = kafka.records("dlq");
    expect(new TextDecoder().decode(record!.value!)).toBe("{oops");
    expect(record!.headers.map((h) => h.key).slice(0, 5)).toEqual([
      "h",
      "__connect.errors.topic",
      "__connect.errors.partition",
      "__connect.errors.offset",
      "__connect.errors.connector.name",
    ]);
    expect([metrics.deadLetterQueueProduceRequests, metrics.deadLetterQueueProduceFailures]).toEqual([1, 0]);
  });

  test("an error without a message gets the exception.message header with a null value, as Connect's toBytes(null)", async () => {
    const kafka = new MemoryKafka();
    const { r } = reporter(kafka);
    await r.report({ ...context, error: new DataError("") });
    await r.flush();
    const headers = kafka.records("dlq")[0]!.headers;
    const message = headers.filter((h) => h.key === "__connect.errors.exception.message");
    expect(message).toEqual([{ key: "__connect.errors.exception.message", value: null }]);
    const keys = headers.map((h) => h.key);
    expect(keys.indexOf("__connect.errors.exception.message")).toBe(
      keys.indexOf("__connect.errors.exception.class.name") + 1,
    );
  });

  test("ErrantRecordReportError names the producer's error as Throwable.toString does: the class alone without a message", () => {
    const timeout = new JavaException("org.apache.kafka.common.errors.TimeoutException", "");
    const refused = new JavaException("org.apache.kafka.common.errors.RecordTooLargeException", "too large");
    expect([new ErrantRecordReportError(timeout).message, new ErrantRecordReportError(refused).message]).toEqual([
      "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.TimeoutException",
      "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.RecordTooLargeException: too large",
    ]);
  });

  test("a record the DLQ cannot take is logged and counted, never thrown; the next one gets a new producer", async () => {
    const kafka = new MemoryKafka();
    let producers = 0;
    const { r, metrics, lines } = reporter(kafka, undefined, async () => {
      producers++;
      if (producers === 1) throw new Error("broker unreachable");
      return kafka.producer();
    });
    await r.report(context);
    expect(metrics.deadLetterQueueProduceFailures).toBe(1);
    expect(lines.join("\n")).toContain("Could not produce message to dead letter queue. topic=dlq");
    kafka.failSends(new Error("send failed"));
    await r.report(context);
    await r.flush();
    expect(metrics.deadLetterQueueProduceFailures).toBe(2);
    await r.report(context);
    await r.flush();
    expect(kafka.records("dlq")).toHaveLength(1);
    expect([producers, metrics.deadLetterQueueProduceRequests]).toEqual([3, 3]);
  });

  test("an errant record (stage TASK_PUT) the DLQ cannot take fails every flush from then on (Connect's awaitFutures); a conversion failure's does not; close does not throw", async () => {
    const kafka = new MemoryKafka();
    const { r, metrics, lines } = reporter(kafka);
    kafka.rejectRecords(
      () => true,
      () => new ConnectError("Kafka rejected 1 record(s) for dlq-0: MESSAGE_TOO_LARGE"),
    );
    await r.report(context);
    await r.flush();
    await r.report({ ...context, stage: "TASK_PUT", executingClass: "org.apache.kafka.connect.sink.SinkTask" });
    const failure = await r.flush().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure?.message).toBe(
      "java.util.concurrent.ExecutionException: org.apache.kafka.connect.errors.ConnectException: Kafka rejected 1 record(s) for dlq-0: MESSAGE_TOO_LARGE",
    );
    expect(await r.flush().catch((e: Error) => e)).toBe(failure!);
    expect(metrics.deadLetterQueueProduceFailures).toBe(2);
    expect(lines.join("\n")).toContain("Encountered an error while awaiting an errant record future's completion.");
    await r.close();
  });

  describe("errant records of partitions the sink task lost (Connect's cancelFutures)", () => {
    const errant = (partition: number, offset: number): ProcessingContext => ({
      ...context,
      stage: "TASK_PUT",
      executingClass: "org.apache.kafka.connect.sink.SinkTask",
      consumed: { ...context.consumed!, partition, offset },
    });
    const offsetsIn = (kafka: MemoryKafka) =>
      kafka
        .records("dlq")
        .map((rec) => new TextDecoder().decode(rec.headers.find((h) => h.key === "__connect.errors.offset")!.value!));

    test("are still written, but no flush waits for them; Connect's refused cancellation is logged once each", async () => {
      const kafka = new MemoryKafka();
      const { r, lines } = reporter(kafka);
      kafka.holdAcks();
      await r.report(errant(0, 7));
      await r.report(errant(0, 8));
      await r.report(errant(1, 9));
      expect(kafka.heldSends).toBe(3);
      r.cancel([{ topic: "in", partition: 0 }]);
      let flushed = false;
      const flushing = r.flush().then(() => {
        flushed = true;
      });
      kafka.releaseAck(2);
      await flushing;
      expect([flushed, offsetsIn(kafka)]).toEqual([true, ["9"]]);
      let closed = false;
      const closing = r.close().then(() => {
        closed = true;
      });
      await Promise.resolve();
      expect(closed).toBe(false); // close still waits for them, as the producer's close would
      kafka.releaseAcks();
      await closing;
      expect(offsetsIn(kafka)).toEqual(["9", "7", "8"]);
      const refusals = lines.filter((l) =>
        l.includes("ERROR Encountered an error while cancelling an errant record future"),
      );
      expect(refusals.map((l) => l.includes("Reporting an errant record cannot be cancelled."))).toEqual([true, true]);
    });

    test("one whose headers could not be built is not on its way: its partition's loss has nothing to cancel", async () => {
      const kafka = new MemoryKafka();
      const { r, lines } = reporter(kafka);
      const error = Object.defineProperty(new DataError("put failed"), "errorContext", {
        get: () => {
          throw new Error("no context");
        },
      });
      expect(await r.report({ ...errant(0, 7), error }).catch((e: Error) => e.message)).toBe("no context");
      r.cancel([{ topic: "in", partition: 0 }]);
      expect(lines.filter((l) => l.includes("cancelling an errant record future"))).toEqual([]);
      await r.close();
    });

    test("their failure, met after the loss or before it, fails no flush; another partition's still does", async () => {
      const kafka = new MemoryKafka();
      const { r, metrics } = reporter(kafka);
      kafka.holdAcks();
      await r.report(errant(2, 7));
      await r.report(errant(0, 8));
      await r.report(errant(1, 9));
      kafka.releaseAck(0);
      kafka.failAck(1, new ConnectError("Kafka rejected 1 record(s) for dlq-0: MESSAGE_TOO_LARGE"));
      await waitFor(() => metrics.deadLetterQueueProduceFailures === 1);
      r.cancel([
        { topic: "in", partition: 0 },
        { topic: "in", partition: 1 },
      ]);
      kafka.failAck(2, new ConnectError("Kafka rejected 1 record(s) for dlq-0: MESSAGE_TOO_LARGE"));
      await r.flush();
      await waitFor(() => metrics.deadLetterQueueProduceFailures === 2);
      await r.flush();
      await r.report(errant(2, 10));
      kafka.failAck(3, new ConnectError("Kafka rejected 1 record(s) for dlq-0: INVALID_RECORD"));
      expect(await r.flush().catch((e: Error) => e.message)).toBe(
        "java.util.concurrent.ExecutionException: org.apache.kafka.connect.errors.ConnectException: Kafka rejected 1 record(s) for dlq-0: INVALID_RECORD",
      );
      await r.close();
    });
  });

  test.each([
    [false, "kept: the next record goes on it (no new producer per refused record)", 1, 0],
    [true, "closed and replaced", 2, 1],
  ])("a producer whose send Kafka refused, `failed` %p afterwards, is %s", async (failed, _, producers, closed) => {
    const kafka = new MemoryKafka();
    let created = 0;
    let closes = 0;
    const { r, metrics } = reporter(kafka, undefined, async () => {
      const inner = await kafka.producer();
      const refuse = created++ === 0;
      let sends = 0;
      return {
        maxInFlight: 1,
        get failed() {
          return sends > 0 && refuse && failed;
        },
        async close() {
          closes++;
          await inner.close();
        },
        async send(records) {
          if (refuse && sends++ === 0) throw new ConnectError("Kafka rejected 1 record(s) for dlq-0: INVALID_RECORD");
          return inner.send(records);
        },
      };
    });
    await r.report(context);
    await r.flush();
    await r.report(context);
    await r.flush();
    expect(metrics.deadLetterQueueProduceFailures).toBe(1);
    expect(kafka.records("dlq")).toHaveLength(1);
    expect([created, closes]).toEqual([producers, closed]);
  });

  test("reports do not wait for Kafka; flush and close wait for every record, which lands in report order", async () => {
    const kafka = new MemoryKafka();
    const { r } = reporter(kafka);
    await r.report(context); // creates the producer
    await r.flush();
    kafka.holdAcks();
    const offsets = [7, 8, 9];
    for (const offset of offsets) await r.report({ ...context, consumed: { ...context.consumed!, offset } });
    expect(kafka.heldSends).toBe(3); // all three sent, none acknowledged, report returned anyway
    let flushed = false;
    const flushing = r.flush().then(() => {
      flushed = true;
    });
    kafka.releaseAck(0);
    kafka.releaseAck(1);
    await Promise.resolve();
    expect(flushed).toBe(false);
    kafka.releaseAck(2);
    await flushing;
    const written = kafka.records("dlq").slice(1);
    expect(
      written.map((rec) =>
        new TextDecoder().decode(rec.headers.find((h) => h.key === "__connect.errors.offset")!.value!),
      ),
    ).toEqual(["7", "8", "9"]);
    await r.close();
  });

  describe("a producer that cannot connect for a while (the broker restarting), as Java's send waits max.block.ms", () => {
    const errant = { ...context, stage: "TASK_PUT" as const, executingClass: "org.apache.kafka.connect.sink.SinkTask" };
    /** Creation fails with the adapters' retriable error until `up`; the reporter started on a ManualClock. */
    async function restarting() {
      const kafka = new MemoryKafka();
      const clock = new ManualClock();
      const stop = new AbortController();
      let attempts = 0;
      let up = false;
      const { r, metrics } = reporter(kafka, undefined, async () => {
        attempts++;
        if (!up) throw new RetriableError("Failed to connect the producer: Connection error: connect ECONNREFUSED");
        return kafka.producer();
      });
      await r.start({ signal: stop.signal, clock });
      return {
        kafka,
        clock,
        stop,
        r,
        metrics,
        attempts: () => attempts,
        bringUp: () => {
          up = true;
        },
      };
    }

    test("an errant record waits for it and lands in the DLQ: nothing fails", async () => {
      const { kafka, clock, r, metrics, attempts, bringUp } = await restarting();
      const reported = r.report(errant);
      await waitFor(() => attempts() === 1 && clock.pending === 1);
      clock.advance(100);
      await waitFor(() => attempts() === 2 && clock.pending === 1);
      bringUp();
      clock.advance(200);
      await reported;
      await r.flush();
      expect(kafka.records("dlq")).toHaveLength(1);
      expect(metrics.deadLetterQueueProduceFailures).toBe(0);
      await r.close();
    });

    test("a flush waits for a report still waiting for the producer (a task that did not await it commits nothing past it)", async () => {
      const { kafka, clock, r, attempts, bringUp } = await restarting();
      void r.report(errant); // Java's report returns a Future a task may ignore
      await waitFor(() => attempts() === 1 && clock.pending === 1);
      let flushed = false;
      const flushing = r.flush().then(() => {
        flushed = true;
      });
      clock.advance(100);
      await waitFor(() => attempts() === 2 && clock.pending === 1);
      expect(flushed).toBe(false);
      bringUp();
      clock.advance(200);
      await flushing;
      expect(kafka.records("dlq")).toHaveLength(1);
      await r.close();
    });

    test("beyond MAX_BLOCK_MS the record fails (an errant one fails the flush), as does a stop meanwhile", async () => {
      const late = await restarting();
      let reported = false;
      void late.r.report(errant).then(() => {
        reported = true;
      });
      while (!reported) {
        await waitFor(() => late.clock.pending === 1 || reported);
        late.clock.advanceToNext();
      }
      expect(late.clock.monotonic()).toBe(MAX_BLOCK_MS);
      expect(await late.r.flush().catch((e: Error) => e.message)).toBe(
        "java.util.concurrent.ExecutionException: org.apache.kafka.connect.errors.RetriableException: Failed to connect the producer: Connection error: connect ECONNREFUSED",
      );
      const stopped = await restarting();
      const waiting = stopped.r.report(errant);
      await waitFor(() => stopped.clock.pending === 1);
      stopped.stop.abort(new Error("task stopping"));
      await waiting;
      expect([stopped.metrics.deadLetterQueueProduceFailures, stopped.attempts()]).toEqual([1, 1]);
      expect(await stopped.r.flush().catch((e: Error) => e.message)).toContain("task stopping");
    });

    test("a conversion failure's record fails the flush only when the stop ended the wait (Java's send still blocks: the closing commit is not made)", async () => {
      const late = await restarting();
      let reported = false;
      void late.r.report(context).then(() => {
        reported = true;
      });
      while (!reported) {
        await waitFor(() => late.clock.pending === 1 || reported);
        late.clock.advanceToNext();
      }
      await late.r.flush(); // beyond MAX_BLOCK_MS: Java's send fails, the record is skipped
      const stopped = await restarting();
      const waiting = stopped.r.report(context);
      await waitFor(() => stopped.clock.pending === 1);
      stopped.stop.abort(new Error("task stopping"));
      await waiting;
      expect(stopped.metrics.deadLetterQueueProduceFailures).toBe(1);
      const failure = await stopped.r.flush().catch((e: Error) => e);
      expect(failure).toBeInstanceOf(ConnectError);
      expect((failure as Error).message).toBe(
        "The task stopped before the dead letter queue copy of in-0@7 was written",
      );
      expect(await stopped.r.flush().catch((e: Error) => e)).toBe(failure);
      await stopped.r.close();
    });
  });

  test("reports made while the producer is being created share one producer", async () => {
    const kafka = new MemoryKafka();
    const gate = Promise.withResolvers<void>();
    let created = 0;
    const { r } = reporter(kafka, undefined, async () => {
      created++;
      await gate.promise;
      return kafka.producer();
    });
    const reports = [7, 8].map((offset) => r.report({ ...context, consumed: { ...context.consumed!, offset } }));
    await waitFor(() => created > 0);
    gate.resolve();
    await Promise.all(reports);
    await r.flush();
    expect(created).toBe(1);
    expect(kafka.records("dlq")).toHaveLength(2);
    await r.close();
  });

  describe("start (when the task starts, before its first poll, as Connect's createAndSetup)", () => {
    /** An admin whose calls are recorded; `topics` are those that exist. */
    function fakeAdmin(topics: string[], createTopic: (spec: TopicSpec) => Promise<boolean> = async () => true) {
      const calls: unknown[] = [];
      const admin = {
        listTopics: async () => {
          calls.push("listTopics");
          return topics;
        },
        createTopic: async (spec: TopicSpec) => {
          calls.push({ createTopic: spec });
          return createTopic(spec);
        },
        close: async () => void calls.push("close"),
      } as Partial<KafkaAdmin> as KafkaAdmin;
      return { admin: async () => admin, calls };
    }

    test("creates the topic with 1 partition and the configured replication factor; reports do not touch it", async () => {
      const kafka = new MemoryKafka();
      const { admin, calls } = fakeAdmin(["in"]);
      const { r, lines } = reporter(kafka, admin);
      await r.start(running);
      expect(calls).toEqual([
        "listTopics",
        { createTopic: { topic: "dlq", partitions: 1, replicationFactor: 3 } },
        "close",
      ]);
      expect(lines.join("\n")).toContain("Topic dlq doesn't exist. Will attempt to create topic.");
      await r.report(context);
      await r.flush();
      expect(calls).toHaveLength(3);
      expect(kafka.records("dlq")).toHaveLength(1);
    });

    test("a topic that exists is used as it is", async () => {
      const { admin, calls } = fakeAdmin(["in", "dlq"]);
      await reporter(new MemoryKafka(), admin).r.start(running);
      expect(calls).toEqual(["listTopics", "close"]);
    });

    test("a topic created meanwhile by someone else (already exists) is fine", async () => {
      const { admin, calls } = fakeAdmin([], async () => false);
      await reporter(new MemoryKafka(), admin).r.start(running);
      expect(calls).toEqual([
        "listTopics",
        { createTopic: { topic: "dlq", partitions: 1, replicationFactor: 3 } },
        "close",
      ]);
    });

    test("a topic that cannot be created rejects start with Connect's message and the cause; the admin is closed", async () => {
      const refused = new Error("Replication factor: 3 larger than available brokers: 1.");
      const { admin, calls } = fakeAdmin([], () => Promise.reject(refused));
      const error = await reporter(new MemoryKafka(), admin)
        .r.start(running)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect(error).toMatchObject({ message: "Could not initialize dead letter queue with topic=dlq", cause: refused });
      expect(calls.at(-1)).toBe("close");
    });

    test("an admin client that cannot be had for a reason a retry will not cure rejects start the same way, at once", async () => {
      const unreachable = new Error("broker unreachable");
      const error = await reporter(new MemoryKafka(), () => Promise.reject(unreachable))
        .r.start(running)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        message: "Could not initialize dead letter queue with topic=dlq",
        cause: unreachable,
      });
    });

    describe("the producer's configuration (Connect constructs the DLQ's KafkaProducer here)", () => {
      test("is checked after the topic is set up; the producer connects only on the first report", async () => {
        const kafka = new MemoryKafka();
        const order: string[] = [];
        const { admin, calls } = fakeAdmin(["dlq"]);
        const { r } = reporter(
          kafka,
          async () => {
            order.push("admin");
            return admin();
          },
          async () => {
            order.push("producer created");
            return kafka.producer();
          },
          () => void order.push(`producer checked after ${calls.join(",")}`),
        );
        await r.start(running);
        expect(order).toEqual(["admin", "producer checked after listTopics,close"]);
        await r.report(context);
        await r.flush();
        expect(order.at(-1)).toBe("producer created");
        expect(kafka.records("dlq")).toHaveLength(1);
      });

      test("a mistake rejects start with the client's ConfigError as it is (no DLQ wrapper, no value of a secret)", async () => {
        const props = {
          "bootstrap.servers": "localhost:9092",
          acks: "banana",
          "security.protocol": "SASL_PLAINTEXT",
          "sasl.mechanism": "PLAIN",
          "sasl.jaas.config":
            'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="s3cret";',
        };
        let created = 0;
        const { admin } = fakeAdmin(["dlq"]);
        const { r, metrics } = reporter(
          new MemoryKafka(),
          admin,
          async () => {
            created++;
            throw new Error("not to be called");
          },
          () => checkProducerProperties(props),
        );
        const error = await r.start(running).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toBe(
          "Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1",
        );
        expect(String((error as Error).stack)).not.toContain("s3cret");
        expect([created, metrics.deadLetterQueueProduceFailures]).toEqual([0, 0]);
      });

      test("is not checked when the topic cannot be set up (that failure is the one reported)", async () => {
        let checked = false;
        const error = await reporter(
          new MemoryKafka(),
          () => Promise.reject(new Error("no admin")),
          undefined,
          () => {
            checked = true;
          },
        )
          .r.start(running)
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ message: "Could not initialize dead letter queue with topic=dlq" });
        expect(checked).toBe(false);
      });
    });

    describe("while the broker is unreachable (Connect's admin client retries until default.api.timeout.ms)", () => {
      const unreachable = () => new RetriableError("Connection error: connect ECONNREFUSED 127.0.0.1:9092");

      /** Runs `start` on a manual clock, moving time to each backoff's end until start settles. */
      async function startDriven(
        r: DeadLetterQueueReporter,
        clock: ManualClock,
        signal = new AbortController().signal,
      ) {
        let outcome: { error: unknown } | undefined;
        const settled = r.start({ signal, clock }).then(
          () => {
            outcome = { error: undefined };
          },
          (error: unknown) => {
            outcome = { error };
          },
        );
        while (!outcome) {
          await waitFor(() => outcome !== undefined || clock.pending > 0, { intervalMs: 1 });
          clock.advanceToNext();
        }
        await settled;
        return outcome.error;
      }

      test("retries with backoff and creates the topic once the broker answers", async () => {
        const clock = new ManualClock();
        const { admin: answering, calls } = fakeAdmin([]);
        let attempts = 0;
        const admin = () => (++attempts <= 3 ? Promise.reject(unreachable()) : answering());
        const { r } = reporter(new MemoryKafka(), admin);
        expect(await startDriven(r, clock)).toBeUndefined();
        expect(attempts).toBe(4);
        expect(clock.sleeps).toEqual([100, 200, 400]);
        expect(calls).toEqual([
          "listTopics",
          { createTopic: { topic: "dlq", partitions: 1, replicationFactor: 3 } },
          "close",
        ]);
      });

      test("a retriable failure of a call is retried too, on a new admin client (the failed one is closed)", async () => {
        const clock = new ManualClock();
        let lists = 0;
        const { admin, calls } = fakeAdmin(["dlq"]);
        const flaky = async () => {
          const a = await admin();
          return {
            ...a,
            listTopics: () => (++lists === 1 ? Promise.reject(unreachable()) : a.listTopics()),
          } as KafkaAdmin;
        };
        const { r } = reporter(new MemoryKafka(), flaky);
        expect(await startDriven(r, clock)).toBeUndefined();
        expect(calls).toEqual(["close", "listTopics", "close"]);
      });

      test("gives up after 60 s with Connect's message and the last cause; the task then fails", async () => {
        const clock = new ManualClock();
        const causes: unknown[] = [];
        const { r } = reporter(new MemoryKafka(), () => {
          causes.push(unreachable());
          return Promise.reject(causes.at(-1));
        });
        const error = await startDriven(r, clock);
        expect(error).toBeInstanceOf(ConnectError);
        expect(error).toMatchObject({
          message: "Could not initialize dead letter queue with topic=dlq",
          cause: causes.at(-1),
        });
        expect(clock.monotonic()).toBe(DEFAULT_API_TIMEOUT_MS);
        expect(Math.max(...clock.sleeps)).toBe(1000);
      });

      test("a non-retriable failure (a replication factor the cluster cannot have) is not retried", async () => {
        const clock = new ManualClock();
        const invalid = Object.assign(new Error("Replication-factor is invalid"), { retriable: false });
        const { admin, calls } = fakeAdmin([], () => Promise.reject(invalid));
        const error = await startDriven(reporter(new MemoryKafka(), admin).r, clock);
        expect(error).toMatchObject({
          message: "Could not initialize dead letter queue with topic=dlq",
          cause: invalid,
        });
        expect(clock.sleeps).toEqual([]);
        expect(calls.filter((c) => c === "close")).toHaveLength(1);
      });
    });

    describe("when the task stops meanwhile", () => {
      test("a call that never returns is given up at once and its admin client closed; no topic is created", async () => {
        const { admin, calls } = fakeAdmin([]);
        let listing = false;
        const hung = async () =>
          ({
            ...(await admin()),
            listTopics: () => {
              listing = true;
              return new Promise<string[]>(() => {});
            },
          }) as KafkaAdmin;
        const stop = new AbortController();
        const starting = reporter(new MemoryKafka(), hung)
          .r.start({ signal: stop.signal, clock: new ManualClock() })
          .catch((e: unknown) => e);
        await waitFor(() => listing, { intervalMs: 1 });
        stop.abort();
        const error = await starting;
        expect(error).toMatchObject({ message: "Could not initialize dead letter queue with topic=dlq" });
        expect((error as Error).cause).toBe(stop.signal.reason);
        expect(calls).toEqual(["close"]);
      });

      test("an admin client had only after the stop is closed unused", async () => {
        const { admin, calls } = fakeAdmin([]);
        const gate = Promise.withResolvers<void>();
        const slow = async () => {
          await gate.promise;
          return admin();
        };
        const stop = new AbortController();
        const starting = reporter(new MemoryKafka(), slow)
          .r.start({ signal: stop.signal, clock: new ManualClock() })
          .catch((e: unknown) => e);
        stop.abort();
        expect(await starting).toBeInstanceOf(ConnectError);
        gate.resolve();
        await waitFor(() => calls.length > 0);
        expect(calls).toEqual(["close"]);
      });

      test("a stop during the backoff ends start without another attempt", async () => {
        const clock = new ManualClock();
        let attempts = 0;
        const stop = new AbortController();
        const starting = reporter(new MemoryKafka(), () => {
          attempts++;
          return Promise.reject(new RetriableError("broker unreachable"));
        })
          .r.start({ signal: stop.signal, clock })
          .catch((e: unknown) => e);
        await waitFor(() => clock.pending > 0);
        stop.abort();
        expect(await starting).toBeInstanceOf(ConnectError);
        expect(attempts).toBe(1);
      });
    });
  });
});
