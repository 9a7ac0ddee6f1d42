/**
 * KIP-875 offset management for one connector: read, alter and reset. Source offsets live in the
 * SQLite offset store; sink offsets are the committed offsets of the connector's consumer group,
 * read and changed through the Kafka admin client (sink-group-offsets.ts: the group should have no
 * members while the connector is STOPPED). Messages and checks follow Connect's Worker and SinkUtils
 * word for word. The admin client is given for sink connectors only.
 */
import type { Config, SinkConnector, SourceConnector } from "../api/connector.ts";
import { JavaDouble } from "../api/data/java-double.ts";
import { asJacksonBound } from "../api/data/java-map-order.ts";
import { javaToString } from "../api/data/java-text.ts";
import type { SourceMap, TopicPartition } from "../api/record.ts";
import { BadRequestError, ConnectError, DataError, isConnectException, UnsupportedOperationError } from "../errors.ts";
import { exactOffset, type GroupOffset } from "../kafka/group-offset.ts";
import type { CallBound, KafkaAdmin } from "../kafka/kafka-port.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import { canonicalJson, type OffsetStore } from "../store/offset-store.ts";
import { javaHashOrderBy, topicPartitionHash } from "../util/java-hash-order.ts";
import type { Logger } from "../util/logger.ts";
import type { ConnectorOffset, ConnectorOffsets } from "./entities.ts";
import { alterSinkGroupOffsets, resetSinkGroupOffsets, sinkGroupPartitions } from "./sink-group-offsets.ts";
import { connectOffsetMap, connectOffsetsOrder } from "./source-offsets-order.ts";
import { sinkGroupId } from "./task-builder.ts";

const KAFKA_TOPIC = "kafka_topic";
const KAFKA_PARTITION = "kafka_partition";
const KAFKA_OFFSET = "kafka_offset";

export async function readOffsets(
  name: string,
  descriptor: ConnectorDescriptor,
  config: Config,
  offsets: OffsetStore,
  admin: KafkaAdmin | null,
  bound: CallBound = {},
): Promise<ConnectorOffsets> {
  if (descriptor.type === "source") {
    return {
      offsets: connectOffsetsOrder(name, offsets.all(name)).map((e) => ({
        partition: connectOffsetMap(e.partition),
        offset: connectOffsetMap(e.offset),
      })),
    };
  }
  const committed = await admin!.groupOffsets(sinkGroupId(name, config), bound);
  return {
    // In the order of the admin client's HashMap<TopicPartition, OffsetAndMetadata>, which Connect lists.
    offsets: javaHashOrderBy(committed, (o) => topicPartitionHash(o.topic, o.partition)).map((o) => ({
      // Connect's HashMap order (SinkUtils.consumerGroupOffsetsToConnectorOffsets), as recorded.
      partition: { [KAFKA_PARTITION]: o.partition, [KAFKA_TOPIC]: o.topic },
      offset: { [KAFKA_OFFSET]: o.offset },
    })),
  };
}

/** Java's `String.valueOf` of a value Jackson bound into `Object` (a double prints as Java does). */
function javaValueOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof JavaDouble || typeof value !== "object") return String(value);
  return javaToString(asJacksonBound(value));
}

/**
 * `Integer.parseInt` (`bits` 32) or `Long.parseLong` (64) of `String.valueOf(value)`: an optional
 * sign and digits only, in range; a double ("5.0"), null ("null") or spaces do not parse. A long
 * beyond a number's exact range stays exact (exactOffset).
 */
function javaParseInteger(value: unknown, bits: 32 | 64, message: (text: string) => string): number | bigint {
  const text = javaValueOf(value);
  const limit = 2n ** BigInt(bits - 1);
  const n = /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
  if (n === undefined || n < -limit || n >= limit) throw new BadRequestError(message(text));
  return exactOffset(n);
}

/** Parses sink offsets as Connect's SinkUtils.parseSinkConnectorOffsets does. */
export function parseSinkOffsets(
  offsets: readonly ConnectorOffset[],
): { partition: TopicPartition; offset: number | bigint | null }[] {
  return offsets.map(({ partition, offset }) => {
    if (partition === null || partition === undefined) {
      throw new BadRequestError("The partition for a sink connector offset cannot be null or missing");
    }
    if (!(KAFKA_TOPIC in partition) || !(KAFKA_PARTITION in partition)) {
      throw new BadRequestError(
        `The partition for a sink connector offset must contain the keys '${KAFKA_TOPIC}' and '${KAFKA_PARTITION}'`,
      );
    }
    // As SinkUtils: topic and partition may not be null; then each is read from String.valueOf(…).
    if (partition[KAFKA_TOPIC] === null || partition[KAFKA_TOPIC] === undefined)
      throw new BadRequestError("Kafka topic names must be valid strings and may not be null");
    if (partition[KAFKA_PARTITION] === null || partition[KAFKA_PARTITION] === undefined)
      throw new BadRequestError("Kafka partitions must be valid numbers and may not be null");
    const topic = javaValueOf(partition[KAFKA_TOPIC]);
    const p = Number(
      javaParseInteger(
        partition[KAFKA_PARTITION],
        32,
        (v) =>
          `Failed to parse the following Kafka partition value in the provided offsets: '${v}'. Partition values for sink connectors need to be integers.`,
      ),
    );
    if (offset === null || offset === undefined) return { partition: { topic, partition: p }, offset: null };
    if (!(KAFKA_OFFSET in offset)) {
      throw new BadRequestError(
        `The offset for a sink connector should either be null or contain the key '${KAFKA_OFFSET}'`,
      );
    }
    const o = javaParseInteger(
      offset[KAFKA_OFFSET],
      64,
      (v) =>
        `Failed to parse the following Kafka offset value in the provided offsets: '${v}'. Offset values for sink connectors need to be integers.`,
    );
    return { partition: { topic, partition: p }, offset: o };
  });
}

function alteredMessage(managed: boolean, verb: "altered" | "reset"): string {
  return managed
    ? `The offsets for this connector have been ${verb} successfully`
    : `The Connect framework-managed offsets for this connector have been ${verb} successfully. However, if this connector manages offsets externally, they will need to be manually ${verb === "altered" ? "altered" : "reset"} in the system that the connector uses.`;
}

async function callAlterOffsets(name: string, log: Logger, run: () => Promise<boolean> | boolean): Promise<boolean> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnsupportedOperationError) {
      const message = `Failed to modify offsets for connector ${name} because it doesn't support external modification of offsets`;
      log.error(message, error);
      throw new ConnectError(message, { cause: error });
    }
    throw error;
  }
}

/**
 * Connect's Worker (modifySinkConnectorOffsets, modifySourceConnectorOffsets) logs every failure of a change at
 * ERROR as `Failed to modify offsets for sink connector X` (source: `… for source connector X`), a refused request
 * (400) too, and answers a ConnectException as it is (isConnectException), anything else wrapped in one with that
 * message (a negative offset, a connector's IllegalArgumentException or KafkaException: 500). The sink's admin
 * calls log their refusals with their own message (sink-group-offsets.ts), not this; building the sink's admin
 * client (the override policy refusing a key) is in Connect's logged try, so the herder runs it through this too.
 */
export async function loggingFailure<T>(
  name: string,
  type: "sink" | "source",
  log: Logger,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = `Failed to modify offsets for ${type} connector ${name}`;
    log.error(message, error);
    throw isConnectException(error) ? error : new ConnectError(message, { cause: error });
  }
}

/**
 * Connect's Worker.updateTimerAndCheckExpiry after the connector's alterOffsets (and, before it, resolving the
 * config's provider references): once the request's deadline passed, nothing is written, as the REST layer has
 * answered 500 "Request timed out" by then. Logged at ERROR, then refused (500) with that message.
 */
function refuseIfExpired(name: string, type: "sink" | "source", bound: CallBound, log: Logger): void {
  if (bound.remainingMs === undefined || bound.remainingMs() > 0) return;
  const message = `Timed out while calling the 'alterOffsets' method for ${type} connector ${name}`;
  log.error(message);
  throw new ConnectError(message);
}

/**
 * Connect's Worker.sinkConnectorOffsets: a failure to read the group's committed offsets (connecting the admin
 * client, which Java's admin does on its first request, or the listing) is logged at ERROR as `Failed to retrieve
 * consumer group offsets for sink connector X` and answered wrapped in a ConnectException of that message (always
 * wrapped: not ConnectUtils.maybeWrap). Building the admin config and client comes before, outside this: a refused
 * override or an invalid client property is answered as it is, unlogged, as Connect's.
 */
export async function retrievingSinkOffsets<T>(name: string, log: Logger, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = `Failed to retrieve consumer group offsets for sink connector ${name}`;
    log.error(message, error);
    throw new ConnectError(message, { cause: error });
  }
}

/**
 * The requested offsets as Connect's ConnectorOffsets.toMap() keeps them: one per partition (a null
 * one included), the last given.
 */
function lastPerPartition(requested: readonly ConnectorOffset[]): ConnectorOffset[] {
  const byPartition = new Map<string, ConnectorOffset>();
  for (const r of requested) byPartition.set(canonicalJson(r.partition ?? null), r);
  return [...byPartition.values()];
}

/**
 * Refuses (unlogged) a change a stopping worker gave up waiting for: its stores are closing, so the change writes
 * nothing, as nothing is asked of a Connect Worker whose executor was shut down.
 */
function refuseIfAbandoned(abandoned: AbortSignal | undefined): void {
  if (abandoned?.aborted) throw new ConnectError("Worker is shutting down");
}

/**
 * One change of a stopped connector's offsets: an alter (`requested` given) or a reset (`requested` null). `log`
 * is the Worker's: every failure is logged there, as Connect's Worker logs it (loggingFailure,
 * sink-group-offsets.ts). `bound` (the request's deadline) ends the sink's admin calls early, and refuses a change
 * whose connector's alterOffsets returned after it passed. Once `abandoned` aborts (a stop's wait for the change ran
 * out), a change whose connector's alterOffsets returns after that writes nothing.
 */
export interface OffsetChange {
  name: string;
  descriptor: ConnectorDescriptor;
  config: Config;
  requested: readonly ConnectorOffset[] | null;
  log: Logger;
  bound?: CallBound;
  abandoned?: AbortSignal;
}

/** A sink connector's change, made on its consumer group's committed offsets through `admin`. */
export interface SinkOffsetChange extends OffsetChange {
  admin: KafkaAdmin;
}

/**
 * A source connector's change, made in the offset `store`. `providedKeys`: the keys of `config` a config provider
 * resolved (PluginContext.providedKeys), for the connector's alterOffsets.
 */
export interface SourceOffsetChange extends OffsetChange {
  store: OffsetStore;
  providedKeys?: ReadonlySet<string>;
}

/** Connect's Worker.modifySinkConnectorOffsets: answers the message Connect answers on success. */
export async function modifySinkOffsets(change: SinkOffsetChange): Promise<string> {
  const { name, descriptor, config, requested, admin, log, bound = {}, abandoned } = change;
  const groupId = sinkGroupId(name, config);
  const listed =
    requested === null
      ? (await sinkGroupPartitions(name, groupId, admin, log, bound)).map((partition) => ({
          partition,
          offset: null,
        }))
      : undefined;
  const { managed, toCommit, toDelete } = await loggingFailure(name, "sink", log, async () => {
    const changes = listed ?? parseSinkOffsets(lastPerPartition(requested!));
    const connector = descriptor.create() as SinkConnector;
    // The plugin and the group get them exact (SinkConnector.alterOffsets: a bigint beyond a number's range).
    const managed = connector.alterOffsets
      ? await callAlterOffsets(name, log, () => connector.alterOffsets!(config, changes))
      : false;
    refuseIfExpired(name, "sink", bound, log);
    const toCommit: GroupOffset[] = [];
    const toDelete: TopicPartition[] = [];
    for (const c of changes) {
      if (c.offset === null) toDelete.push(c.partition);
      else toCommit.push({ ...c.partition, offset: c.offset });
    }
    // Kafka's OffsetAndMetadata refuses a negative offset (IllegalArgumentException) as Connect's Worker builds
    // the admin call, after the connector's alterOffsets accepted it.
    if (toCommit.some((o) => o.offset < 0)) throw new RangeError("Invalid negative offset");
    return { managed, toCommit, toDelete };
  });
  refuseIfAbandoned(abandoned);
  // As Connect's Worker: a reset deletes the whole group, not only the offsets it lists.
  if (requested === null) await resetSinkGroupOffsets(name, groupId, admin, log, bound);
  else await alterSinkGroupOffsets(name, groupId, admin, toCommit, toDelete, log, bound);
  return alteredMessage(managed, requested === null ? "reset" : "altered");
}

/** Connect's Worker.modifySourceConnectorOffsets: answers the message Connect answers on success. */
export async function modifySourceOffsets(change: SourceOffsetChange): Promise<string> {
  const { name, descriptor, config, requested, store, log, bound = {}, abandoned, providedKeys } = change;
  const { managed, changes } = await loggingFailure(name, "source", log, async () => {
    const changes: { partition: SourceMap; offset: SourceMap | null }[] =
      requested === null
        ? store.all(name).map((e) => ({ partition: e.partition, offset: null }))
        : lastPerPartition(requested).map((r) => ({ partition: r.partition, offset: r.offset ?? null }));
    for (const c of changes) {
      validateOffsetFormat(c.partition);
      validateOffsetFormat(c.offset);
    }
    // The connector checks next (Connect calls SourceConnector.alterOffsets before writing).
    const connector = descriptor.create() as SourceConnector;
    const managed = connector.alterOffsets
      ? await callAlterOffsets(name, log, () => connector.alterOffsets!(config, changes, providedKeys, name))
      : false;
    refuseIfExpired(name, "source", bound, log);
    return { managed, changes };
  });
  refuseIfAbandoned(abandoned);
  return loggingFailure(name, "source", log, async () => {
    // A null partition passes (Connect writes it to the offsets topic under the key [name, null], which
    // no read shows: OffsetUtils.processPartitionKey skips it), so there is nothing to keep of it.
    store.alter(
      name,
      changes.filter((c) => c.partition !== null && c.partition !== undefined),
    );
    return alteredMessage(managed, requested === null ? "reset" : "altered");
  });
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Connect's OffsetUtils.validateFormat, run on a source connector's partitions and offsets before
 * its alterOffsets: each value must be a primitive (JSON null, string, number, boolean). Jackson
 * reads an integer beyond a long as a BigInteger, which is no Connect type.
 */
function validateOffsetFormat(data: SourceMap | null | undefined): void {
  if (data === null || data === undefined) return;
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined || value instanceof JavaDouble) continue;
    const fail = (what: string) =>
      new DataError(`Offsets may only contain primitive types as values, but field ${key} contains ${what}`);
    if (typeof value === "bigint" && (value < LONG_MIN || value > LONG_MAX)) throw fail("class java.math.BigInteger");
    if (Array.isArray(value)) throw fail("ARRAY");
    if (typeof value === "object") throw fail("MAP");
  }
}
