/**
 * What kafkajs logs, in the gateway's log: WARN and worse at WARN, the rest at DEBUG; an ordinary
 * rebalance's WARN and a fetch's or heartbeat's without an answer at INFO, as Java's consumer logs them. Two kinds are expected noise and go to
 * DEBUG (the runtime retries sends itself and logs what matters with context): the idempotent
 * producer's retry limit, and each error response kafkajs is about to retry. A repeating line (the same namespace and message: `[Connection] Connection error: connect
 * ECONNREFUSED 127.0.0.1:9092` a few times a second through a broker outage, from every client)
 * is logged at WARN once a minute, saying how many more there were; the others at DEBUG. Every line of a client
 * closed forcefully (an abandoned source task's producer: kafkajs still retries its send, and each connection it asks
 * for fails) is DEBUG: nothing of it is wrong any more. A closed admin client's connections, destroyed by its close
 * (closable-sockets.ts), each log their error with a stack: those lines are left out.
 */
import { type LogEntry, logLevel } from "kafkajs";
import type { TopicPartition } from "../../api/record.ts";
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { RepeatLimiter, suppressedNote } from "../../util/repeat-limiter.ts";
import type { PartitionLeader } from "../consumer-log.ts";
import { ADMIN_CLOSED_MESSAGE } from "./closable-sockets.ts";

/**
 * kafkajs's WARN when a heartbeat finds the group rebalancing (a member joined or left): an ordinary
 * rebalance, which Java's consumer logs at INFO (`Request joining group due to: …`), so INFO here too.
 */
const REBALANCING = "The group is rebalancing, re-joining";

/**
 * kafkajs's WARNs (dependency patches 16 and 17) when a fetch, or a heartbeat to the group's coordinator, got no answer
 * and waits its backoff: INFO lines per wait in Java's consumer (FetchSessionHandler's `Error sending fetch request …
 * to node 1:`, AbstractCoordinator's `Group coordinator … is unavailable or invalid …`), so INFO here too.
 */
const UNANSWERED = ["Error sending fetch request to node ", "Group coordinator "];

/** kafkajs' line for each connection of an admin client its close destroyed, or refused afterwards (closable-sockets.ts). */
const ADMIN_CLOSED_LINE = `Connection error: ${ADMIN_CLOSED_MESSAGE}`;

/**
 * kafkajs' line (dependency patch 24) for a partition whose fetch position was out of range, once its reset position is
 * known: written as Java's consumer's INFO pair by the consumer's `outOfRange` (client-log's caller), not as a WARN.
 */
const OUT_OF_RANGE_RESET = "Fetch position out of range, reset";

/**
 * A partition's fetch position was out of range and was reset to `reset` (auto.offset.reset); `leader`: the partition's
 * leader as the consumer's metadata listed it (its epoch unknown: kafkajs asks for Metadata v6, which has none).
 */
export type OutOfRangeReset = (tp: TopicPartition, position: bigint, reset: bigint, leader?: PartitionLeader) => void;

/** A broker as kafkajs' metadata lists it (patch 24 logs the partition's leader so). */
interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

/** The leader of patch 24's line, without its epoch (unknown to kafkajs). */
function leaderOf(broker: MetadataBroker | undefined): PartitionLeader | undefined {
  if (broker === undefined) return undefined;
  return { id: broker.nodeId, node: { host: broker.host, port: broker.port, rack: broker.rack }, epoch: -1 };
}

/** How often one kind of kafkajs WARN line is logged at WARN. */
export const CLIENT_WARN_INTERVAL_MS = 60_000;

/**
 * kafkajs's `logCreator` writing to `log`; `limiter` is shared by the clients of one gateway; `forceClosed`: whether
 * the client was closed forcefully; `outOfRange`: a consumer's, told of each partition reset out of range.
 */
export function clientLog(
  log: Logger,
  limiter: RepeatLimiter,
  forceClosed: () => boolean = () => false,
  outOfRange?: OutOfRangeReset,
): (entry: LogEntry) => void {
  return (entry) => {
    const { message, ...rest } = entry.log;
    if (outOfRange && entry.namespace === "ConsumerGroup" && message === OUT_OF_RANGE_RESET) {
      const { topic, partition, fetchPosition, resetPosition } = rest as Record<string, string | number>;
      outOfRange(
        { topic: String(topic), partition: Number(partition) },
        BigInt(String(fetchPosition)),
        BigInt(String(resetPosition)),
        leaderOf((rest as { leader?: MetadataBroker }).leader),
      );
      return;
    }
    if (entry.namespace === "Connection" && message.startsWith(ADMIN_CLOSED_LINE)) return;
    const line = `${entry.namespace ? `[${entry.namespace}] ` : ""}${message}`;
    const text = `${line} ${JSON.stringify(rest)}`;
    const expected =
      forceClosed() ||
      message.startsWith("Limiting retries for the idempotent producer") ||
      (entry.namespace === "Connection" && message.startsWith("Response "));
    const expectedWarn =
      (entry.namespace === "Runner" && message === REBALANCING) ||
      (entry.namespace === "ConsumerGroup" && UNANSWERED.some((start) => message.startsWith(start)));
    if (expectedWarn) {
      log.info(text);
      return;
    }
    const admitted = entry.level <= logLevel.WARN && !expected ? limiter.admit(line) : undefined;
    if (admitted) log.warn(`${line}${suppressedNote(admitted)} ${JSON.stringify(rest)}`);
    else log.debug(text);
  };
}

/** The limiter of one gateway's kafkajs clients. */
export function clientLogLimiter(clock: Clock): RepeatLimiter {
  return new RepeatLimiter(() => monotonicNow(clock), CLIENT_WARN_INTERVAL_MS);
}
