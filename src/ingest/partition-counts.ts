/**
 * Partition counts of topics, for REST Proxy requests that name a partition (rest-proxy-routes.ts):
 * looked up through the worker's admin client, so a request naming a partition that does not exist
 * gets 404 before anything is written instead of failing in the producer. A topic that does not
 * exist counts 0.
 *
 * A count that has the named partition answers at once (a topic's partitions only grow); once it is
 * 30 s old such a request starts a look-up in the background, unless one is under way. A 404
 * is final for a device (it drops the records), so a count that lacks the named partition is never
 * taken from the cache: the request waits for a look-up that starts after it arrived (a topic just
 * created or grown is seen at once). Look-ups of a topic run one at a time and start at least 1 s
 * apart, and every request waiting for one takes its answer: a device hammering a partition that
 * does not exist costs Kafka one metadata request a second, and waits up to 1 s for its 404.
 *
 * When Kafka cannot be asked (unreachable: the spool's very case) the last count known stands for
 * partitions it has; for others, and with none known, the count is unknown (null: the request is
 * refused with 503, never a 404 a device would take as final). A failed look-up is tried again after
 * a few seconds, not on every request. A look-up that has not answered within 5 s counts as failed,
 * so one that hangs holds no later look-up of its topic. Ages are measured on the monotonic clock:
 * a step of the host's clock neither keeps a count past its age nor drops it early.
 *
 * A request naming partition 0 (and no other) of a topic that does not exist gets it created where
 * the brokers create topics (`auto.create.topics.enable=true`), as REST Proxy's producer does: its
 * look-up's metadata request lets the brokers create the topic, and as Kafka answers it before the
 * topic exists, the look-up asks again a few times within its 5 s (CREATION_WAITS_MS). Where the
 * brokers create nothing, the topic counts 0 (404) and no look-up of it asks for creation for 30 s,
 * so such a device costs Kafka a few more metadata requests every 30 s, not every second. Partition 0
 * of a topic its connector creates (`topic.creation.*`) is not looked up (rest-proxy-routes.ts): the
 * brokers would create it with their defaults before the connector's own creation.
 */
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";

const TTL_MS = 30_000;
/** How long a failed look-up stands before the next request asks Kafka again. */
const FAILED_TTL_MS = 5_000;
/** The least time between the starts of two look-ups of one topic. */
const LOOKUP_INTERVAL_MS = 1_000;
/** How long a look-up may take before it counts as failed (the next one of its topic then goes ahead). */
const LOOKUP_TIMEOUT_MS = 5_000;
/** After a metadata request that asked the brokers to create the topic: the waits before each look for it. */
const CREATION_WAITS_MS = [50, 100, 200, 400];
/** How long after the brokers did not create a topic no look-up of it asks them to again. */
const NOT_CREATED_TTL_MS = TTL_MS;
const AUTO_CREATE = Object.freeze({ allowAutoTopicCreation: true });

/**
 * The partition count of `topic` to judge whether `partition` (the highest a request names) exists:
 * a count at or below `partition` comes from a look-up begun after the call; 0 when the topic does
 * not exist; null when Kafka cannot be asked and no count known has `partition`.
 */
export type PartitionCounts = (topic: string, partition: number) => Promise<number | null>;

interface TopicCount {
  /** The count Kafka last answered; null before any answer. */
  count: number | null;
  /** Monotonic start of the look-up that answered `count`. */
  askedAt: number;
  /** Monotonic end of the last failed look-up. */
  failedAt: number;
  /** The last look-up scheduled. */
  last: Lookup | null;
  /** Monotonic end of the last look-up that asked the brokers to create the topic and did not find it. */
  notCreatedAt: number;
}

/** A look-up of a topic's count: when it is due, whether it has begun or settled, and whether it succeeded. */
interface Lookup {
  readonly startsAt: number;
  begun: boolean;
  settled: boolean;
  succeeded: Promise<boolean>;
  /** Whether a request waiting for it names partition 0 only: the brokers may create the topic. */
  autoCreate: boolean;
}

export function partitionCounts(admin: () => Promise<KafkaAdmin>, clock: Clock): PartitionCounts {
  const topics = new Map<string, TopicCount>();

  /** The count of `topic`; with `autoCreate`, asking the brokers to create it and looking for it after. */
  const describe = async (topic: string, entry: TopicCount, autoCreate: boolean, signal: AbortSignal) => {
    const kafka = await admin();
    let partitions = (await kafka.describeTopics([topic], autoCreate ? AUTO_CREATE : undefined))[0]?.partitions ?? 0;
    if (!autoCreate || partitions > 0) return partitions;
    for (const wait of CREATION_WAITS_MS) {
      await clock.sleep(wait, signal);
      if (signal.aborted) return 0;
      partitions = (await kafka.describeTopics([topic]))[0]?.partitions ?? 0;
      if (partitions > 0) return partitions;
    }
    entry.notCreatedAt = monotonicNow(clock);
    return 0;
  };

  const lookUp = async (topic: string, entry: TopicCount, autoCreate: boolean): Promise<boolean> => {
    const started = monotonicNow(clock);
    const answered = new AbortController();
    const described = describe(topic, entry, autoCreate, answered.signal);
    described.catch(() => undefined); // one answering after its timeout is dropped
    try {
      const answer = await Promise.race([described, clock.sleep(LOOKUP_TIMEOUT_MS, answered.signal).then(() => null)]);
      if (answer === null) throw new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`);
      entry.count = answer;
      entry.askedAt = started;
      return true;
    } catch {
      entry.failedAt = monotonicNow(clock);
      return false;
    } finally {
      answered.abort();
    }
  };

  /** A look-up of `topic` that begins after this call: the one scheduled and not begun, or a new one after the last. */
  const freshLookup = (topic: string, entry: TopicCount, now: number, autoCreate = false): Promise<boolean> => {
    const previous = entry.last;
    if (previous && !previous.begun) {
      previous.autoCreate ||= autoCreate;
      return previous.succeeded;
    }
    const startsAt = Math.max(now, (previous?.startsAt ?? Number.NEGATIVE_INFINITY) + LOOKUP_INTERVAL_MS);
    const lookup: Lookup = { startsAt, begun: false, settled: false, succeeded: Promise.resolve(false), autoCreate };
    lookup.succeeded = (async () => {
      await previous?.succeeded;
      const wait = startsAt - monotonicNow(clock);
      if (wait > 0) await clock.sleep(wait);
      lookup.begun = true;
      const askedLately = monotonicNow(clock) - entry.notCreatedAt < NOT_CREATED_TTL_MS;
      const succeeded = await lookUp(topic, entry, lookup.autoCreate && !askedLately);
      lookup.settled = true;
      return succeeded;
    })();
    entry.last = lookup;
    return lookup.succeeded;
  };

  return async (topic, partition) => {
    let entry = topics.get(topic);
    if (!entry) {
      entry = {
        count: null,
        askedAt: Number.NEGATIVE_INFINITY,
        failedAt: Number.NEGATIVE_INFINITY,
        last: null,
        notCreatedAt: Number.NEGATIVE_INFINITY,
      };
      topics.set(topic, entry);
    }
    const known = entry;
    const has = () => known.count !== null && partition < known.count;
    const now = monotonicNow(clock);
    const failedLately = known.failedAt > known.askedAt && now - known.failedAt < FAILED_TTL_MS;
    if (has()) {
      if (now - known.askedAt >= TTL_MS && !failedLately && known.last?.settled !== false)
        void freshLookup(topic, known, now);
      return known.count;
    }
    if (failedLately) return null;
    return (await freshLookup(topic, known, now, partition === 0)) || has() ? known.count : null;
  };
}
