/**
 * What a PlatformaticConsumer does before it joins its group (as the kafkajs adapter does):
 * which topics a `topics.regex` subscription matches, waiting until the topics exist with leaders,
 * and removing its own dead predecessors (members this gateway's earlier consumers of the task were
 * given, left by a kill -9: own-predecessors.ts).
 */
import { Admin, type Consumer } from "@platformatic/kafka";
import { RetriableError } from "../../errors.ts";
import { retry } from "../../util/backoff.ts";
import type { ConnectionSettings } from "../client-config.ts";
import { type CoordinatorWait, waitForCoordinator } from "../coordinator-wait-policy.ts";
import type { PredecessorMembers } from "../kafka-port.ts";
import { type FencedGroup, fenceOwnPredecessors, removeEach } from "../own-predecessors.ts";
import { baseOptions } from "./client-options.ts";
import { coordinatorNotReady, isUnknownMember, isUnknownTopic, kafkaNotReached, retriable } from "./errors.ts";

/** The admin calls that fencing a predecessor makes (the library's Admin; a fake in unit tests). */
export type FencingAdmin = Pick<Admin, "describeGroups" | "removeMembersFromConsumerGroup" | "close">;

/** A library admin client on the consumer's connection settings. */
export const libraryAdmin = (connection: ConnectionSettings): Admin => new Admin(baseOptions(connection));

/** Runs `use` with `admin`, closing it after. */
async function withAdmin<A extends { close(): Promise<unknown> }, T>(
  admin: A,
  use: (admin: A) => Promise<T>,
): Promise<T> {
  try {
    return await use(admin);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Topics matching `pattern`, sorted (internal topics never match, as in Java's pattern subscription). */
export function matchingTopics(connection: ConnectionSettings, pattern: RegExp): Promise<string[]> {
  return withAdmin(libraryAdmin(connection), async (admin) =>
    (await admin.listTopics()).filter((t) => pattern.test(t)).sort(),
  );
}

/**
 * Removes this consumer's own dead predecessors from the group (`predecessors`, own-predecessors.ts):
 * earlier incarnations of the same task that died without leaving (kill -9). Otherwise the new member
 * waits for their session to expire (45 s) before it gets partitions. Its DescribeGroups is the
 * start's first request to the group coordinator: it waits out one not ready (loading
 * __consumer_offsets) as the join does (`wait`, coordinator-wait-policy.ts). `openAdmin` makes a new
 * admin client per attempt (`libraryAdmin`), closed after it.
 */
export function fenceZombies(
  openAdmin: () => FencingAdmin,
  groupId: string,
  clientId: string,
  predecessors: PredecessorMembers,
  wait: CoordinatorWait,
): Promise<void> {
  const fence = () =>
    withAdmin(openAdmin(), async (admin) => {
      await fenceOwnPredecessors(predecessors, clientId, libraryGroup(admin, groupId, "replaced by a restarted task"));
    });
  return waitForCoordinator(fence, wait, coordinatorNotReady);
}

/** `groupId` through the library's admin client; members are removed giving `reason` (KIP-800). */
export function libraryGroup(admin: FencingAdmin, groupId: string, reason: string): FencedGroup {
  return {
    members: async () => {
      const groups = await admin.describeGroups({ groups: [groupId] });
      return [...(groups.get(groupId)?.members.values() ?? [])].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
      }));
    },
    remove: (memberIds) =>
      removeEach(
        memberIds,
        async (memberId) =>
          void (await admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId, reason }] })),
        isUnknownMember,
      ),
  };
}

/**
 * Removes one member from the group through a connection of its own: the member's own connection
 * may hold a JoinGroup the coordinator answers only once the join phase completes, and the broker
 * reads a connection's next request only after answering the one before.
 */
export function leaveAside(connection: ConnectionSettings, groupId: string, memberId: string): Promise<void> {
  return withAdmin(libraryAdmin(connection), async (admin) => {
    await admin.removeMembersFromConsumerGroup({
      groupId,
      members: [{ memberId, reason: "the consumer is being closed" }],
    });
  });
}

/** What awaitTopics asks for, and what Kafka not reached does to its wait. */
export interface AwaitTopicsOptions {
  /** The metadata requests ask for the topics' auto-creation (the consumer's `allow.auto.create.topics`). */
  readonly allowAutoTopicCreation: boolean;
  /**
   * Kafka not reached fails the wait at once (the consumer's start only: its retries report it); by default it is
   * waited out as a topic not there yet (the subscription watch's rejoin: else it would wait for its next look).
   */
  readonly failFastWhenNotReached?: boolean;
}

/**
 * Waits until every topic exists with its partitions, asking for auto-creation where allowed (as the
 * Java consumer's metadata request does): the group leader assigns partitions from the metadata it
 * has when the group syncs. Not for their leaders: as Java's consumer, a member joins with a
 * partition whose broker is down, fetches the others, and that one once it has a leader. Kafka not
 * reached (refused, cut, timed out, after the library's own retries) fails it retriably, as the
 * kafkajs adapter's "Connection error: …" (the topics may well exist): at once with
 * `failFastWhenNotReached` (the consumer's start: the sink task's start retries say so within seconds,
 * sink-consumer-start.ts), else only once the wait ends still not reaching it (the subscription
 * watch's rejoin for a new topic waits out a brief outage, as for a topic not there yet).
 */
export async function awaitTopics(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topics: readonly string[],
  { allowAutoTopicCreation, failFastWhenNotReached = false }: AwaitTopicsOptions,
): Promise<void> {
  if (topics.length === 0) return;
  const notReady = new RetriableError(`Topics ${topics.join(", ")} do not exist or have no partitions yet`);
  await retry(
    async () => {
      let why: unknown = notReady;
      try {
        const md = await consumer.metadata({
          topics: [...topics],
          autocreateTopics: allowAutoTopicCreation,
          forceUpdate: true,
        });
        const ready = topics.every((t) => {
          const tm = md.topics.get(t);
          return tm !== undefined && tm.partitionsCount > 0;
        });
        if (ready) return;
      } catch (error) {
        // Unknown topic (no auto-creation) or no partitions yet: not ready; anything else fails. Kafka not reached
        // stays the reason when the wait ends.
        if (kafkaNotReached(error)) {
          if (failFastWhenNotReached) throw error;
          why = error;
        } else if (!retriable(error) && !isUnknownTopic(error)) throw error;
      }
      throw why;
    },
    {
      // Not ready yet: asked again every 100 ms, 51 times in all.
      policy: { initialMs: 100, maxMs: 100, jitter: 0 },
      maxAttempts: 51,
      classify: (error) => ({ retriable: error === notReady || (!failFastWhenNotReached && kafkaNotReached(error)) }),
    },
  );
}
