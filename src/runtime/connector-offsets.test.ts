import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import type { Config, SinkConnector, SourceConnector } from "../api/connector.ts";
import {
  BadRequestError,
  ConnectError,
  DataError,
  JavaException,
  KafkaError,
  UnsupportedOperationError,
} from "../errors.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { withKafkaError } from "../kafka/send-rejection.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import { migrate } from "../store/database.ts";
import { OffsetStore } from "../store/offset-store.ts";
import { Deadline } from "../util/deadline.ts";
import { LogManager } from "../util/logger.ts";
import { modifySinkOffsets, modifySourceOffsets, parseSinkOffsets } from "./connector-offsets.ts";
import type { ConnectorOffset } from "./entities.ts";

describe("parseSinkOffsets", () => {
  test("prints a map it cannot parse in the body's order (Jackson binds it to a LinkedHashMap)", () => {
    const partition = { kafka_topic: "t", kafka_partition: { b: 1, a: 2, name: "x", id: 3 } };
    expect(() => parseSinkOffsets([{ partition, offset: { kafka_offset: 1 } }])).toThrow(
      "Failed to parse the following Kafka partition value in the provided offsets: '{b=1, a=2, name=x, id=3}'. Partition values for sink connectors need to be integers.",
    );
  });

  // hunt7 (h7-offsets-long-max): a number rounded Long.MAX_VALUE past a long, which the broker refused.
  test("keeps an offset beyond a number's exact range exact, up to Long.MAX_VALUE", () => {
    const parsed = [9007199254740993n, 9223372036854775807n, 5n].map(
      (kafka_offset) =>
        parseSinkOffsets([{ partition: { kafka_topic: "t", kafka_partition: 0 }, offset: { kafka_offset } }])[0]!
          .offset,
    );
    expect(parsed).toEqual([9007199254740993n, 9223372036854775807n, 5]);
  });
});

// diffhunt7-b: the connector's alterOffsets was given Long.MAX_VALUE rounded past a long; the fake group rounded it too.
describe("modifySinkOffsets, offsets beyond a number's exact range", () => {
  test("reach the connector's alterOffsets and the group exact, up to Long.MAX_VALUE", async () => {
    const kafka = new MemoryKafka();
    const seen: unknown[] = [];
    const sink: SinkConnector = {
      alterOffsets: (_config, offsets) => {
        seen.push(...offsets.map((o) => o.offset));
        return true;
      },
    } as SinkConnector;
    const offsets = [5, 9007199254740993n, 9223372036854775807n];
    await modifySinkOffsets({
      name: "k",
      descriptor: { type: "sink", create: () => sink } as unknown as ConnectorDescriptor,
      config: {},
      requested: offsets.map((kafka_offset, kafka_partition) => ({
        partition: { kafka_topic: "in", kafka_partition },
        offset: { kafka_offset },
      })),
      admin: await kafka.admin(),
      log: worker().log,
    });
    expect(seen).toEqual(offsets);
    const committed = await (await kafka.admin()).groupOffsets("connect-k");
    expect(committed.sort((a, b) => a.partition - b.partition)).toEqual(
      offsets.map((offset, partition) => ({ topic: "in", partition, offset })),
    );
  });
});

/** A connector of `type` whose alterOffsets is `alterOffsets` (none: the connector does not say). */
function connector(type: "sink" | "source", alterOffsets?: (config: Config) => boolean): ConnectorDescriptor {
  return {
    type,
    create: () => ({ alterOffsets }) as unknown as SinkConnector & SourceConnector,
  } as ConnectorDescriptor;
}

function offsetStore(): OffsetStore {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
  return new OffsetStore(db);
}

function worker() {
  const lines: string[] = [];
  const log = new LogManager({ sink: (line) => lines.push(line) }).get("org.apache.kafka.connect.runtime.Worker");
  /** The ERROR lines, each as its message and whether it carries `cause`'s text. */
  const errors = (cause: string) =>
    lines.filter((l) => l.includes(" ERROR ")).map((l) => [l.split(" ERROR ")[1]!.split("\n")[0], l.includes(cause)]);
  return { lines, log, errors };
}

/** The REST answer's parts of a failure: its class (its status) and message. */
const answerOf = (error: Error | undefined) => ({ class: error?.constructor.name, message: error?.message });

const SINK_FAILED = "Failed to modify offsets for sink connector k";
const UNSUPPORTED =
  "Failed to modify offsets for connector k because it doesn't support external modification of offsets";
const atOffset = (kafka_offset: unknown): ConnectorOffset[] => [
  { partition: { kafka_topic: "in", kafka_partition: 0 }, offset: { kafka_offset } },
];

// p3mix item 2: Connect's Worker logs each failure of modifySinkConnectorOffsets at ERROR; the gateway logged only the admin's.
describe("modifySinkOffsets, when the change fails", () => {
  async function alter(descriptor: ConnectorDescriptor, offsets: ConnectorOffset[]) {
    const kafka = new MemoryKafka();
    kafka.commit("connect-k", [{ topic: "in", partition: 0, offset: 3 }]);
    const w = worker();
    const admin = await kafka.admin();
    const failure = await modifySinkOffsets({
      name: "k",
      descriptor,
      config: {},
      requested: offsets,
      admin,
      log: w.log,
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    return { failure, ...w, committed: await (await kafka.admin()).groupOffsets("connect-k") };
  }

  test.each([
    [
      "a negative offset: 500",
      connector("sink"),
      atOffset(-1),
      new ConnectError(SINK_FAILED),
      "Invalid negative offset",
    ],
    [
      "an offset that does not parse: its 400",
      connector("sink"),
      atOffset("x"),
      new BadRequestError(
        "Failed to parse the following Kafka offset value in the provided offsets: 'x'. Offset values for sink connectors need to be integers.",
      ),
      "Offset values for sink connectors need to be integers",
    ],
    [
      "the connector's alterOffsets throwing: 500",
      connector("sink", () => {
        throw new Error("the connector refuses offset 1");
      }),
      atOffset(1),
      new ConnectError(SINK_FAILED),
      "the connector refuses offset 1",
    ],
    // p3mix review: a JDK exception or a KafkaException (a ConnectError here, none in Java) was answered as it is.
    [
      "the connector's alterOffsets throwing Java's IllegalArgumentException: 500",
      connector("sink", () => {
        throw new JavaException("java.lang.IllegalArgumentException", "offset 1 is not a valid position");
      }),
      atOffset(1),
      new ConnectError(SINK_FAILED),
      "offset 1 is not a valid position",
    ],
    [
      "the connector's alterOffsets throwing a KafkaException: 500",
      connector("sink", () => {
        throw new KafkaError("the connector's own client failed");
      }),
      atOffset(1),
      new ConnectError(SINK_FAILED),
      "the connector's own client failed",
    ],
    [
      "the connector's alterOffsets throwing a ConnectException: answered as it is",
      connector("sink", () => {
        throw new DataError("offset 1 is before the connector's retention");
      }),
      atOffset(1),
      new DataError("offset 1 is before the connector's retention"),
      "offset 1 is before the connector's retention",
    ],
  ])(
    "%s, logged at ERROR as Connect's Worker logs it, with the cause",
    async (_, descriptor, offsets, answer, cause) => {
      const { failure, errors, committed } = await alter(descriptor, offsets);
      expect(answerOf(failure)).toEqual(answerOf(answer));
      expect(errors(cause)).toEqual([[SINK_FAILED, true]]);
      expect(committed).toEqual([{ topic: "in", partition: 0, offset: 3 }]);
    },
  );

  test("a connector that does not support it: its own ERROR line first, as Connect's Worker writes both", async () => {
    const unsupported = connector("sink", () => {
      throw new UnsupportedOperationError("no external offsets");
    });
    const { failure, errors } = await alter(unsupported, atOffset(1));
    expect(answerOf(failure)).toEqual(answerOf(new ConnectError(UNSUPPORTED)));
    expect(errors("no external offsets")).toEqual([
      [UNSUPPORTED, true],
      [SINK_FAILED, true],
    ]);
  });

  test("the admin call refused: only its own line (sink-group-offsets.ts), as Connect's Worker logs it", async () => {
    const kafka = new MemoryKafka();
    const real = await kafka.admin();
    const refuse = async () => {
      throw withKafkaError(new ConnectError("refused: GROUP_ID_NOT_FOUND"), "GROUP_ID_NOT_FOUND");
    };
    const w = worker();
    const altered = modifySinkOffsets({
      name: "k",
      descriptor: connector("sink"),
      config: {},
      requested: atOffset(1),
      admin: { ...real, alterGroupOffsets: refuse },
      log: w.log,
    });
    await expect(altered).rejects.toThrow(new ConnectError("Failed to alter consumer group offsets for connector k"));
    expect(w.errors("GROUP_ID_NOT_FOUND")).toEqual([["Failed to alter consumer group offsets for connector k", true]]);
  });
});

describe("modifySourceOffsets, when the change fails", () => {
  test("logged at ERROR as Connect's Worker logs it (Failed to modify offsets for source connector), the answer kept", async () => {
    const w = worker();
    const offsets = [{ partition: { filename: "in.txt" }, offset: { position: [1] } }];
    const altered = modifySourceOffsets({
      name: "k",
      descriptor: connector("source"),
      config: {},
      requested: offsets,
      store: offsetStore(),
      log: w.log,
    });
    const answer = "Offsets may only contain primitive types as values, but field position contains ARRAY";
    await expect(altered).rejects.toThrow(new DataError(answer));
    expect(w.errors(answer)).toEqual([["Failed to modify offsets for source connector k", true]]);
  });
});

// Review herdexec P3-3: a source change ignored the request's deadline and wrote after the REST layer answered 500.
describe("modifySinkOffsets and modifySourceOffsets, when the request's deadline passes during alterOffsets", () => {
  test.each(["source", "sink"] as const)(
    "of a %s connector: refused as Connect's Worker, nothing written",
    async (type) => {
      const clock = { t: 0, now: () => clock.t, sleep: async () => {} };
      const deadline = new Deadline(90_000, undefined, clock);
      const slow = connector(type, () => {
        clock.t += 90_000;
        return true;
      });
      const kafka = new MemoryKafka();
      kafka.commit("connect-k", [{ topic: "in", partition: 0, offset: 3 }]);
      const store = offsetStore();
      const w = worker();
      const change = { name: "k", descriptor: slow, config: {}, log: w.log, bound: deadline };
      const timedOut = `Timed out while calling the 'alterOffsets' method for ${type} connector k`;
      const altered =
        type === "sink"
          ? modifySinkOffsets({ ...change, requested: atOffset(5), admin: await kafka.admin() })
          : modifySourceOffsets({
              ...change,
              requested: [{ partition: { filename: "in.txt" }, offset: { position: 5 } }],
              store,
            });
      await expect(altered).rejects.toThrow(new ConnectError(timedOut));
      expect(w.errors(timedOut)).toEqual([
        [`${timedOut} (org.apache.kafka.connect.runtime.Worker)`, true],
        [`Failed to modify offsets for ${type} connector k`, true],
      ]);
      expect([store.all("k"), await (await kafka.admin()).groupOffsets("connect-k")]).toEqual([
        [],
        [{ topic: "in", partition: 0, offset: 3 }],
      ]);
    },
  );
});
