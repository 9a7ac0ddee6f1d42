/**
 * KafkaPort: the narrow interface the runtime uses to talk to Kafka. Only `app.ts` picks the
 * adapter (`platformatic/` or `kafkajs/` by the worker key `kafka.client`, `memory-kafka.ts` in unit
 * tests), so the client library can be swapped if measurements say so.
 *
 * Clients are configured with Kafka's own client properties (`bootstrap.servers`,
 * `security.protocol`, `sasl.jaas.config`, `ssl.truststore.location`, …) as Connect passes them;
 * the adapter maps them to its library. What a rejected send says about its records (written,
 * never sent, the broker's error) is send-rejection.ts.
 */
import type { TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import type { GroupOffset } from "./group-offset.ts";

export type ClientProperties = Readonly<Record<string, string>>;

export interface KafkaHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface ProducerRecord {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
  readonly timestamp: number | null;
}

export interface ProducedMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
}

export interface KafkaProducer {
  /**
   * Sends the records; resolves once Kafka acknowledged every one (per the `acks` setting), with
   * their metadata in call order. Several sends may be in flight at once (a pipelining caller does
   * not await one before the next).
   *
   * Guarantees: the records of one partition are written in call order, across sends and across
   * the producer's own retries (with acks=all and idempotence: each exactly once) when the
   * producer is `idempotent`; when it is not, only while the caller has one send in flight at a
   * time (see `idempotent`). A send that
   * fails for good rejects only after none of its records can still be written by this producer,
   * and it fails the producer (`failed`): every send made after it and not yet acknowledged that has
   * records for the same partitions rejects too (a record that cannot be written is never overtaken
   * by a later one), and every later call rejects at once. To go on, close it and create a new
   * producer (a new idempotent producer id), then send the failed records again: only those, when
   * the rejection is PartlyWritten (`writtenRecords`); the records it lists as written are
   * acknowledged. A producer may instead go on when the broker only refused a batch for good (see
   * `failed`).
   *
   * At-least-once windows that remain (Java's producer has the same ones; Connect then fails the
   * task, the gateway resends on a new producer, so such a record may be written twice): a batch
   * whose last attempt ended without a usable answer (a request timeout or a lost connection) when
   * delivery.timeout.ms or retries ran out, and batches on the wire when the producer is closed,
   * are reported as failed although the broker may have written them.
   */
  send(records: readonly ProducerRecord[], options: WithdrawableSendOptions): Promise<(ProducedMetadata | null)[]>;
  send(records: readonly ProducerRecord[], options?: SendOptions): Promise<ProducedMetadata[]>;
  /**
   * Takes back records of the send made with `WithdrawableSendOptions.withdrawKey` `key` that the producer holds but
   * certainly never sent: `indexes` (into that send's records) asked, returns those taken back (empty: nothing
   * changed). The producer takes back only what no request ever carried and nothing else has to move for (platformatic:
   * a partition's batch of the send made only of records asked, never in a request, no sequence given: the partition's
   * later batches keep their sequences gapless). Those records are never sent; the send settles without them: their
   * metadata is null (the one null a resolved send holds; a PartlyWritten rejection lists them null too), and they are
   * no failure of the send's. Absent (kafkajs, whose batches leave for the broker at once): nothing is taken back.
   */
  withdraw?(key: object, indexes: readonly number[]): readonly number[];
  /**
   * Batches the broker refused for good so far with the producer going on (see `failed`); absent
   * when it never goes on after a refusal. A caller passes the count it has handled as
   * `SendOptions.refusalsSeen`.
   */
  readonly refusals?: number;
  /**
   * Sends this producer writes concurrently, at most (its max.in.flight.requests.per.connection,
   * or 1 when it writes sends one after the other); more concurrent sends only queue. Absent: 1.
   */
  readonly maxInFlight?: number;
  /**
   * True when the producer is idempotent (Kafka's enable.idempotence in effect: acks=all,
   * max.in.flight.requests.per.connection ≤ 5, retries > 0, not turned off): the broker rejects a
   * batch that would land out of sequence, so a partition's records keep call order with several
   * sends in flight and across retries. False or absent (acks=1/0, enable.idempotence=false, more
   * than 5 in flight, retries=0): a batch retried after a failure may land after a later send's
   * batch, as with Java's producer; a caller that needs order (SourceConnectorDescriptor's
   * `keepsOrder`) then keeps one send in flight at a time.
   *
   * When the broker's state for the producer is behind it (an unclean leader election, a truncated
   * log, a broker restarted from a snapshot that keeps only the last batch) and says so, answering
   * OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for the oldest unacknowledged batch of a
   * partition, the idempotent producer goes on as Java's does: that partition takes the next
   * producer epoch, its unacknowledged batches get sequences from 0 and go again in call order, and
   * one batch of it is on the wire until one is written (the guard of a new producer, since a broker
   * without the producer's state takes any sequence), so nothing sent after that answer is written
   * ahead of them. Remaining window (Java's producer has it too): batches already on the wire when
   * the broker forgot the producer may be written ahead of an earlier one it refused (for that
   * error, or for any other while it took any sequence); the earlier one is then written after them
   * (each record once), or, when it failed for good, sent again after them on a new producer.
   */
  readonly idempotent?: boolean;
  /**
   * False when the producer goes on after its sends failed: the broker refused a batch for good
   * (INVALID_RECORD, INVALID_TIMESTAMP, a record over the topic's max.message.bytes, …, the
   * rejection carrying the answer: `kafkaErrorOf`), and, as Java's producer, only that batch's
   * records failed (Kafka refuses a batch whole: those of other records too, which a caller may send
   * again; they are then written after what later sends already had on the way for the partition,
   * unless the producer was made with `keepOrderAfterRefusal`); or Kafka refused a topic at metadata
   * for good (INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED, …), and, as Java's waitOnMetadata,
   * only that topic's records failed, never sent (the send's other records are written: PartlyWritten);
   * later sends go on with the same producer id. True, or absent, once a send failed: the producer
   * is failed as `send` says (a fatal error, retries or delivery.timeout.ms ran out).
   */
  readonly failed?: boolean;
  /**
   * While the producer retries a send on its own (a batch retried after a retriable answer or a lost
   * connection, or metadata or a producer id not to be had for pending records, within
   * delivery.timeout.ms and `retries`), once it has retried for a few seconds (a leader move's single retry is not
   * reported: RETRY_GRACE_MS): the failure of its last attempt. Undefined once the retried
   * batches are written or failed (the send rejects then), and while nothing is retried. Absent for a
   * producer that does not say. kafkajs, whose retries the adapter does not see one by one: a send still unsettled
   * RETRY_GRACE_MS after it started, said so (a send nothing of which may be written fails after its client's 3
   * retries, mostly sooner, and the caller's retries report it).
   * Platformatic: while nothing is retried, a produce request a broker has not answered for RETRY_GRACE_MS too (not
   * retried before request.timeout.ms), marked withUnansweredRequest (unanswered-request.ts).
   */
  readonly retryFailure?: unknown;
  /** Waits for the sends in flight (bounded by request.timeout.ms), then closes. */
  close(): Promise<void>;
  /**
   * Closes at once, without waiting (Java's close(Duration.ZERO), which Connect's
   * AbstractWorkerSourceTask.cancel calls for a task abandoned after its graceful stop timed out):
   * every send not yet answered rejects now, nothing is sent or retried any more, connections close.
   * A rejected send's records no request carrying which was written (none was, or each failed before its bytes went
   * out) are marked never sent (the port's neverSent); one in a request when this ran may still be written by the
   * broker that had it (not marked). Later calls reject at once; `close` afterwards only awaits the connections' end. Both adapters have it;
   * a fake with nothing in flight may leave it out.
   */
  forceClose?(): void;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: "CreateTime" | "LogAppendTime";
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
}

export interface ConsumerHandlers {
  /**
   * One partition's records, in offset order. The next batch of the same partition waits until
   * this one settles; batches of different partitions may be handed over concurrently (bounded).
   */
  onRecords(records: readonly ConsumedRecord[], heartbeat: () => Promise<void>): Promise<void>;
  /**
   * Java's `ConsumerRebalanceListener.onPartitionsRevoked`: the member is about to rejoin the group
   * (a rebalance started, or its subscription changed) and gives up every partition it owns (the
   * eager protocol, as Connect's sink consumers use by default). The adapter awaits this before it
   * sends JoinGroup, while the member's generation is still valid: offsets committed here are where
   * the next owner starts. From the call on, no new batch of these partitions goes to `onRecords`
   * (one already handed over may still settle).
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * Java's `onPartitionsAssigned`: the partitions this member got in a completed join. None of them
   * is fetched before this settles (the handler may seek or pause them first).
   */
  onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * KIP-429's `onPartitionsLost`: the member lost its membership (session expired, fenced, its
   * generation gone) and with it these partitions, which another member may own already: they are
   * not to be committed. An adapter may rejoin without awaiting it.
   */
  onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * The consumer stopped on an error it could not recover from. One that failed at a fetched batch
   * (a corrupt batch: a KafkaError) stays in its group until it is closed, so offsets are still
   * committed through it (as Java's consumer after a poll threw).
   */
  onCrash(error: Error): void;
  /**
   * Fetching fails without an answer (a broker not reached, the metadata a fetch needs not answered) for some
   * partition the member fetches, retried after a backoff, or a broker holds a fetch unanswered (hung: `error` then
   * marked with the broker and how long, unanswered-request.ts): `error` is the last such failure. Null once every
   * partition that failed so was answered again (or is no longer fetched: paused, revoked, gone from its topic). Optional: an adapter that
   * cannot tell never calls it.
   */
  onFetchFailing?(error: Error | null): void;
}

/**
 * The member ids a group gave this gateway's consumers of one task (one group and client id), kept
 * across restarts of the gateway (a kill -9 included), so that a new consumer fences only its own
 * predecessors (ConsumerOptions' `predecessors`).
 */
export interface PredecessorMembers {
  /** The member ids earlier consumers were given, not known to be gone from the group. */
  remembered(): readonly string[];
  /**
   * A member id the group gave this consumer (a MEMBER_ID_REQUIRED answer): called before the
   * JoinGroup that carries it, so a kill -9 during that join leaves it to be fenced.
   */
  given(memberId: string): void;
  /** This consumer completed a join with `memberId`: the others remembered are no longer worth fencing. */
  joined(memberId: string): void;
  /** These member ids are no longer in the group (removed by the fencing, left or expired). */
  gone(memberIds: readonly string[]): void;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[] | RegExp;
  /**
   * For a RegExp `topics`, the Java regular expression it was translated from (`topics.regex` as the
   * user wrote it): log lines print it, as Java's consumer prints its Pattern. Default `topics.source`.
   */
  readonly topicsPattern?: string;
  readonly properties: ClientProperties;
  /**
   * Before joining, remove from the group the members this gateway's earlier consumers of the same
   * task were given (`predecessors.remembered()`) that are still there with this consumer's
   * `client.id`: its own earlier incarnations, killed without leaving, which would otherwise hold
   * their partitions for `session.timeout.ms`. A member of another gateway (a sink connector of the
   * same name elsewhere carries the same default client ids) was never given to this gateway, so it
   * stays: the join is a normal rebalance. Only for a client id no other live member of this gateway
   * uses (a sink task's default `connector-consumer-<connector>-<task>`). Never for static members
   * (`group.instance.id`), which the broker replaces at join. Default none: nothing is fenced.
   */
  readonly predecessors?: PredecessorMembers;
  /**
   * The context the consumer's own log lines carry before Java's `[Consumer clientId=…, groupId=…]`
   * (a sink task's `[connector|task-N]`): joins, assignments, revocations, starting positions.
   */
  readonly logContext?: string;
}

export interface KafkaConsumer {
  /** Joins the group and starts delivering records to `handlers`. */
  start(handlers: ConsumerHandlers): Promise<void>;
  /**
   * Commits through this member; rejects when nothing was committed (refused by the group, or the
   * member is stopping). On a consumer closed or not started it does nothing, without an error:
   * a caller commits only through a consumer it knows is running (SinkOffsets' `live`).
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  seek(offset: TopicPartitionOffset): void;
  /**
   * Java's `position`: the offset of the next record this member fetches from an assigned partition,
   * resolved now when the partition has none yet (its committed offset, else the end `auto.offset.reset`
   * names), and fetching then starts there. Rejects when it cannot be resolved, and for a partition not
   * assigned to this member (Java's consumer throws).
   */
  position(tp: TopicPartition): Promise<number>;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  assignment(): TopicPartition[];
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  /** -1: the broker's default. */
  readonly partitions: number;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
}

/** A member of a consumer group as DescribeGroups names it. */
export interface DescribedMember {
  readonly memberId: string;
  readonly clientId: string;
}

/**
 * What ends an admin call on a group's offsets early, the tries it makes again included (only the
 * default client makes them again; kafkajs' makes its own).
 */
export interface CallBound {
  /** Once aborted (the worker stopping), no further try starts and the call fails with its reason. */
  readonly signal?: AbortSignal;
  /**
   * The time left of the operation the call is part of (a REST request's, REST_REQUEST_TIMEOUT_MS), which bounds
   * the call instead of default.api.timeout.ms.
   */
  remainingMs?(): number;
  /** One try, none made again (a probe of one broker, clusterIdAt): the signal alone ends it early. */
  readonly oneTry?: boolean;
}

export interface KafkaAdmin {
  clusterId(): Promise<string>;
  /** Creates the topic; false when it existed already. */
  createTopic(spec: TopicSpec): Promise<boolean>;
  /**
   * The topics' partition counts; a topic that does not exist has 0. With `allowAutoTopicCreation`
   * the metadata request lets the brokers create the topics it names that do not exist, as a
   * producer's does (where `auto.create.topics.enable=true`); Kafka answers such a request before
   * the topic exists (0 partitions): ask again to see it.
   */
  describeTopics(
    topics: readonly string[],
    options?: { allowAutoTopicCreation?: boolean },
  ): Promise<TopicDescription[]>;
  listTopics(): Promise<string[]>;
  /** Committed offsets of a consumer group (empty when the group has none). */
  groupOffsets(groupId: string, bound?: CallBound): Promise<GroupOffset[]>;
  /** Commits offsets for a group that has no active members (OffsetCommit, generation -1). */
  alterGroupOffsets(groupId: string, offsets: readonly GroupOffset[], bound?: CallBound): Promise<void>;
  /**
   * Deletes committed offsets of an inactive group (OffsetDelete). A group that does not exist (it
   * never committed) is the broker's GROUP_ID_NOT_FOUND, an error as with Kafka's admin client:
   * Connect fails a request to reset a partition of such a group.
   */
  deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[], bound?: CallBound): Promise<void>;
  /**
   * Deletes a consumer group with its committed offsets (DeleteGroups). The broker refuses a group
   * with members (NON_EMPTY_GROUP) and one that does not exist (GROUP_ID_NOT_FOUND), errors as with
   * Kafka's admin client (`kafkaErrorOf` names them): a caller that wants the group gone takes the
   * latter as done.
   */
  deleteGroup(groupId: string, bound?: CallBound): Promise<void>;
  /** The members of a consumer group (DescribeGroups): none when the group has none or does not exist. */
  groupMembers(groupId: string): Promise<DescribedMember[]>;
  /**
   * Removes members from a consumer group by member id (LeaveGroup), as a member leaving does: a
   * dead one no longer holds the group's rebalance for its session timeout.
   */
  removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface SendOptions {
  /**
   * With `keepOrderAfterRefusal`: the producer's `refusals` the caller has handled (sent the refused
   * sends' other records again). The send's records of a partition refused after that are not
   * written (NotSentError), even when the refused send has not settled yet (another partition of it
   * still pending), so nothing overtakes the records the caller will send again. Absent: `refusals`
   * when `send` is called.
   */
  readonly refusalsSeen?: number;
  /**
   * Parts of the send Kafka wrote before the whole send settles: `indexes` (into `records`) and their metadata
   * (`metadata[k]` is record `indexes[k]`'s). A record reported here is written for good; the send's eventual
   * rejection lists it `written` again (PartlyWritten) and its resolution repeats it: the caller counts it once. Never
   * called after the send settled. The adapter may never call it (kafkajs does not; nor does platformatic for a send
   * of one partition): then everything comes with the settlement, as without it.
   */
  readonly onWritten?: (indexes: Int32Array, metadata: readonly ProducedMetadata[]) => void;
}

/** The options of a send KafkaProducer.withdraw may take records of back. */
export interface WithdrawableSendOptions extends SendOptions {
  /**
   * Identifies the send to KafkaProducer.withdraw (any object of the caller's, one per send): the send's metadata of a
   * record taken back is null.
   */
  readonly withdrawKey: object;
}

export interface ProducerOptions {
  /**
   * When the broker refuses a batch for good and the producer goes on (`failed` false), the later
   * sends' records of that partition not written yet are not written either (NotSentError), so a
   * caller that sends the refused batch's other records again gets them written ahead of those
   * (every source task: its sender sends them again, and a later value of a key must not land
   * before an earlier one). Without it, later sends go on, as with Java's producer: for a caller
   * that sends nothing again (the dead letter queue reporter).
   */
  readonly keepOrderAfterRefusal?: boolean;
  /**
   * The context the producer's own log lines (a batch retried, split) carry before Java's
   * `[Producer clientId=…]` (a task's `[connector|task-N]`).
   */
  readonly logContext?: string;
}

export interface KafkaPort {
  /**
   * A connected admin client. Given `bound` (a REST request's offsets read or change), connecting is tried again
   * while Kafka is not reached, within its time and until its signal aborts, as Java's admin client tries its first
   * call until the call's deadline; without, the client's own quick tries only.
   */
  admin(properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin>;
  producer(properties: ClientProperties, options?: ProducerOptions): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): Promise<KafkaConsumer>;
}
