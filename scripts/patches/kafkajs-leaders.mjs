// kafkajs' patches 12 to 14, for a partition without a leader, applied by scripts/patch-dependencies.mjs with the
// others. Their tests: src/kafka/kafkajs-leader-patches.test.ts.
//  12. its Metadata answer failed whole when one partition of it carried an error (LEADER_NOT_AVAILABLE: its only
//      replica's broker is down; REPLICA_NOT_AVAILABLE: a follower is), so a producer wrote nothing to the topic and a
//      consumer of it could not start; as Java's Metadata, such an answer is used (that partition's leader -1: keyless
//      records go to the partitions with a leader, kafkajs' partitioner picks among those, and a consumer fetches the
//      others); topic-level errors still fail it. While a partition of it has no leader the metadata is asked again
//      after the retry backoff, not metadataMaxAge: retry.backoff.ms (initialRetryTime) doubling with each such answer
//      in a row up to retry.backoff.max.ms (the retry option leaderlessMaxRetryTime), ±20 % jitter, as Java's Metadata
//      backs off after a partition error (KIP-580), so the partition is written and fetched again soon after its
//      leader is back, and a partition that stays offline has each client ask about once a second, not ten times.
//      kafkajs' admin.createTopics({ waitForLeaders: true }) waits no more for leaders since: it asked again while the
//      Metadata answer failed with LEADER_NOT_AVAILABLE; the gateway passes false (src/kafka/kafkajs/admin.ts), and
//      tests wait for leaders themselves (test/support/kafka.ts' createTopicsOn).
//  13. its consumer looked up the start offset (ListOffsets) of every assigned partition without a committed offset
//      at once, from their leaders: one without a leader (-1 since patch 12) failed the look-up of all of them, and
//      the fetch that made it asked for metadata and made it again at once, over and over. Such a partition is left
//      out until it has a leader (not fetched meanwhile: its offset stays unresolved), as Java's consumer resets each
//      partition's position on its own; the others start. Meanwhile kafkajs asks the coordinator for that partition's
//      committed offset (OffsetFetch) before every fetch, as it does for any unresolved partition: one request per
//      fetch while the leader is away, which the sink's position() look-up of it bounds (it fails the task after
//      default.api.timeout.ms, 60 s: src/runtime/assigned-position.ts).
//  14. its producer sent a record for a partition without a leader (-1 since patch 12: a keyed record, or one put there
//      before the producer knew) to broker -1, which failed with "Broker -1 not found in the cached metadata" and
//      asked for no metadata; it fails with LEADER_NOT_AVAILABLE instead, as Java's producer names it, so kafkajs asks
//      for metadata again before each retry of the send.

/** The line after which the broker pool's leaderless backoff goes, and the one it goes before (its patch spans both). */
const RETRIER = `    this.retrier = createRetry(assign({}, retry))
`;
const CREATE_BROKER = `
    this.createBroker = options =>`;
/** The form an earlier version of these patches applied the leaderless backoff in: retry.backoff.ms, not growing. */
const leaderlessFixedBackoff = () => `${RETRIER}    this.leaderlessMaxAge = (retry && retry.initialRetryTime) || 300 // edge-gateway patch
${CREATE_BROKER}`;
/** Its expiry, in that form. */
const leaderlessFixedExpiry = () => `        const leaderless = this.metadata.topicMetadata.some(t => t.partitionMetadata.some(p => p.leader < 0)) // edge-gateway patch
        this.metadataExpireAt = Date.now() + (leaderless ? Math.min(this.metadataMaxAge, this.leaderlessMaxAge) : this.metadataMaxAge)
`;

export const kafkajsLeaderPatches = [
  {
    file: "node_modules/kafkajs/src/protocol/requests/metadata/v0/response.js",
    from: `  const errors = data.topicMetadata.flatMap(topic => {
    return topic.partitionMetadata.filter(partition => failure(partition.partitionErrorCode))
  })

  if (errors.length > 0) {
    const { partitionErrorCode } = errors[0]
    throw createErrorFromCode(partitionErrorCode)
  }

  return data`,
    to: `  // edge-gateway patch: errors of partitions only leave the answer usable (leader -1), as Java's Metadata
  return data`,
  },
  {
    file: "node_modules/kafkajs/src/cluster/brokerPool.js",
    from: `${RETRIER}${CREATE_BROKER}`,
    to: `${RETRIER}    // edge-gateway patch: the wait before metadata is asked again while a partition has no leader, after \`answers\`
    // such answers in a row: retry.backoff.ms doubling up to retry.backoff.max.ms (leaderlessMaxRetryTime), ±20 %
    // jitter, as Java's Metadata backs off (KIP-580; src/util/backoff.ts' kafkaClientBackoff)
    this.leaderlessAnswers = 0
    this.leaderlessBackoff = answers => {
      const max = (retry && retry.leaderlessMaxRetryTime) ?? 1000
      const initial = Math.min((retry && retry.initialRetryTime) ?? 300, max)
      if (max <= initial) return initial
      const exponent = Math.min(answers - 1, Math.log(max / Math.max(initial, 1)) / Math.log(2))
      return Math.min(Math.trunc((0.8 + 0.4 * Math.random()) * initial * 2 ** exponent), max)
    }
${CREATE_BROKER}`,
    was: [leaderlessFixedBackoff],
  },
  {
    file: "node_modules/kafkajs/src/cluster/brokerPool.js",
    from: `        this.metadataExpireAt = Date.now() + this.metadataMaxAge
`,
    // edge-gateway patch: a partition without a leader (its error kept since the Metadata patch) has the metadata
    // asked again after the retry backoff, as Java's Metadata after a partition error
    to: `        const leaderless = this.metadata.topicMetadata.some(t => t.partitionMetadata.some(p => p.leader < 0)) // edge-gateway patch
        this.leaderlessAnswers = leaderless ? this.leaderlessAnswers + 1 : 0
        this.metadataExpireAt = Date.now() + (leaderless ? Math.min(this.metadataMaxAge, this.leaderlessBackoff(this.leaderlessAnswers)) : this.metadataMaxAge)
`,
    was: [leaderlessFixedExpiry],
  },
  {
    file: "node_modules/kafkajs/src/consumer/offsetManager/index.js",
    from: `    if (hasUnresolvedPartitions()) {
      const topicOffsets = await this.cluster.fetchTopicsOffset(unresolvedPartitions)`,
    to: `    if (hasUnresolvedPartitions()) {
      // edge-gateway patch: a partition without a leader is looked up once it has one, the others now
      const leaderless = (topic, partition) =>
        this.cluster.findTopicPartitionMetadata(topic).some(p => p.partitionId === partition && p.leader < 0)
      const led = unresolvedPartitions
        .map(t => ({ ...t, partitions: t.partitions.filter(({ partition }) => !leaderless(t.topic, partition)) }))
        .filter(t => t.partitions.length > 0)
      const topicOffsets = await this.cluster.fetchTopicsOffset(led)`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/offsetManager/initializeConsumerOffsets.js",
    from: `          ? indexedTopicOffsets[topic][partition]`,
    to: `          ? (indexedTopicOffsets[topic] || {})[partition] // edge-gateway patch: one left out stays unresolved`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `const { staleMetadata } = require('../protocol/error')`,
    to: `const { staleMetadata, createErrorFromCode } = require('../protocol/error')`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `        for (const nodeId of leaders) {
          const broker = await cluster.findBroker({ nodeId })`,
    to: `        for (const nodeId of leaders) {
          // edge-gateway patch: a partition without a leader (-1) waits for one, its metadata asked again
          if (Number(nodeId) < 0) throw createErrorFromCode(5) // LEADER_NOT_AVAILABLE
          const broker = await cluster.findBroker({ nodeId })`,
  },
];
