// kafkajs' patch 24, applied by scripts/patch-dependencies.mjs with the others: a fetch answered OFFSET_OUT_OF_RANGE
// (a sink's committed offset past the log end, as a PATCH of /connectors/{c}/offsets can leave it) made kafkajs commit
// its default offset (-2 for earliest, -1 for latest) to the group and then look it up, so the group lost the
// partition's offset (`GET /connectors/{c}/offsets` answered it gone) until the task committed again, for good when
// nothing was consumed after the reset. As Java's consumer, the reset position (the end auto.offset.reset names) is
// looked up and fetched from without committing anything: the group keeps its offset until the consumer commits the
// consumed position. A partition without a leader is not looked up (its position stays, the fetch is retried). The
// reset is logged per partition with both positions once known and the partition's leader, as Java's FetchPosition
// names it (client-log.ts writes Java's INFO pair), not as one ERROR before the look-up. The reset position is the
// partition's fetch position until it fetches: a commit meanwhile no longer moves it (RESET_POSITION). Its tests:
// test/sink-offsets-past-log-end.test.ts, test/out-of-range-reset-commit.test.ts, src/kafka/dependency-patches.test.ts,
// src/kafka/kafkajs/client-log.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

// The patch's first text (before the look-up was skipped for a partition without a leader, and answered the positions
// for the log): a node_modules patched with it is upgraded.
const FIRST_SET_DEFAULT_OFFSET = `  async setDefaultOffset({ topic, partition }) {
    // edge-gateway patch: the reset position is looked up and fetched from, not committed (Java's consumer commits
    // nothing at an out-of-range reset: the group keeps its offset until the consumer commits the consumed position)
    const [found] = await this.cluster.fetchTopicsOffset([
      assign({ topic, partitions: [{ partition }] }, this.topicConfigurations[topic]),
    ])
    const reset = found && found.partitions.find(p => p.partition === partition)
    this.clearOffsets({ topic, partition })
    // None (the partition has no leader now): resolveOffsets looks it up again from the committed offset.
    if (reset) this.committedOffsets()[topic][partition] = reset.offset
  }`;

/**
 * The reset position kept as the partition's fetch position (kjsreset, review P3-a), added since the look-up skipped a
 * partition without a leader. nextOffset fetches from the committed offsets while a partition has no resolved offset
 * (none since clearOffsets), and commitOffsets writes each offset it commits there: a commit made before the partition's
 * next fetch (the task paused it at the reset, or committed another partition's batch) sent that fetch back to the
 * offset committed, past the log end, out of range again and reset to the end as it was then, so with
 * auto.offset.reset=latest the records produced in between were never handed over. As Java's consumer, whose commits
 * never change position(), a commit now leaves the fetch position where the reset put it.
 */
const RESET_POSITION = `    // the fetch position (nextOffset): a commit, which writes the committed offsets, no longer moves it (Java's commits
    // never change position())
    this.resolvedOffsets[topic][partition] = reset.offset
`;

/**
 * The fetch position the reset is logged with (kjsreset-b, review P3): the partition's resolved offset, which the records
 * consumed move, not its committed offset (logged as it was: committed 100 and consumed to 249, the line named 100). The
 * committed offset only while nothing resolved it (no fetch since the assignment).
 */
const FETCH_POSITION = `    // the fetch position: the partition's resolved offset (nextOffset sets it at the partition's first fetch)
    const position = this.resolvedOffsets[topic][partition] ?? this.committedOffsets()[topic][partition]
`;
/** FETCH_POSITION's first text, which logged the committed offset even once records were consumed past it. */
const COMMITTED_POSITION = `    const position = this.committedOffsets()[topic][partition]
`;

/**
 * The out-of-range line's lines naming the partition's leader (the broker its metadata lists), added since its first
 * text. Read from the metadata as it is, none when it is gone (null after a disconnect): the line never throws out of
 * recoverFromOffsetOutOfRange, as cluster.findTopicPartitionMetadata would (KafkaJSTopicMetadataNotLoaded).
 */
const LEADER_LOOKUP = `        // the partition's leader as the metadata lists it, for Java's FetchPosition{… currentLeader=…}; none when the
        // metadata is gone (null after a disconnect), never KafkaJSTopicMetadataNotLoaded thrown out of here
        const { brokers = [], topicMetadata = [] } = this.cluster.brokerPool.metadata || {}
        const { partitionMetadata = [] } = topicMetadata.find(t => t.topic === e.topic) || {}
        const led = partitionMetadata.find(p => p.partitionId === e.partition)
`;
/** LEADER_LOOKUP's first text, which looked the partition up with findTopicPartitionMetadata, throwing without metadata. */
const THROWING_LEADER_LOOKUP = `        // the partition's leader as the metadata lists it, for Java's FetchPosition{… currentLeader=…}
        const { brokers = [] } = this.cluster.brokerPool.metadata || {}
        const led = this.cluster.findTopicPartitionMetadata(e.topic).find(p => p.partitionId === e.partition)
`;
const LEADER_FIELD = `
          leader: led && brokers.find(b => b.nodeId === led.leader),`;

export const kafkajsOutOfRangeResetPatches = [
  {
    file: "node_modules/kafkajs/src/consumer/offsetManager/index.js",
    from: `  async setDefaultOffset({ topic, partition }) {
    const { groupId, generationId, memberId } = this
    const defaultOffset = this.cluster.defaultOffset(this.topicConfigurations[topic])
    const coordinator = await this.getCoordinator()

    await coordinator.offsetCommit({
      groupId,
      memberId,
      groupGenerationId: generationId,
      topics: [
        {
          topic,
          partitions: [{ partition, offset: defaultOffset }],
        },
      ],
    })

    this.clearOffsets({ topic, partition })
  }`,
    to: `  async setDefaultOffset({ topic, partition }) {
    // edge-gateway patch: the reset position is looked up and fetched from, not committed (Java's consumer commits
    // nothing at an out-of-range reset: the group keeps its offset until the consumer commits the consumed position).
    // A partition without a leader (-1) is not looked up (that would throw KafkaJSBrokerNotFound): its position stays
    // and the fetch is retried. Answers the fetch position and the reset one for the log, or nothing.
    const leaderless = this.cluster
      .findTopicPartitionMetadata(topic)
      .some(p => p.partitionId === partition && p.leader < 0)
    if (leaderless) return undefined
    const [found] = await this.cluster.fetchTopicsOffset([
      assign({ topic, partitions: [{ partition }] }, this.topicConfigurations[topic]),
    ])
    const reset = found && found.partitions.find(p => p.partition === partition)
${FETCH_POSITION}    this.clearOffsets({ topic, partition })
    if (!reset) return undefined // not answered: resolveOffsets looks it up again from the committed offset
    this.committedOffsets()[topic][partition] = reset.offset
${RESET_POSITION}    return { position, offset: reset.offset }
  }`,
    // Its first text; then its text before the reset position was kept as the fetch position (RESET_POSITION), which
    // logged the committed offset as the fetch position (COMMITTED_POSITION).
    was: [
      () => FIRST_SET_DEFAULT_OFFSET,
      (to) => to.replace(RESET_POSITION, "").replace(FETCH_POSITION, COMMITTED_POSITION),
    ],
  },
  {
    file: "node_modules/kafkajs/src/consumer/consumerGroup.js",
    from: `      this.logger.error('Offset out of range, resetting to default offset', {
        topic: e.topic,
        partition: e.partition,
        groupId: this.groupId,
        memberId: this.memberId,
      })

      await this.offsetManager.setDefaultOffset({
        topic: e.topic,
        partition: e.partition,
      })`,
    to: `      // edge-gateway patch: logged per partition once its reset position is known (src/kafka/kafkajs/client-log.ts
      // writes Java's INFO pair for it), not before the look-up without any position
      const reset = await this.offsetManager.setDefaultOffset({
        topic: e.topic,
        partition: e.partition,
      })
      if (reset) {
${LEADER_LOOKUP}        this.logger.error('Fetch position out of range, reset', {
          topic: e.topic,
          partition: e.partition,
          groupId: this.groupId,
          memberId: this.memberId,
          fetchPosition: String(reset.position),
          resetPosition: String(reset.offset),${LEADER_FIELD}
        })
      }`,
    // Its first text, without the partition's leader; then its leader looked up by a call throwing without metadata.
    was: [
      (to) => to.replace(LEADER_LOOKUP, "").replace(LEADER_FIELD, ""),
      (to) => to.replace(LEADER_LOOKUP, THROWING_LEADER_LOOKUP),
    ],
  },
];
