// kafkajs' patches for a partition without a leader: 12 to 14 of scripts/patch-dependencies.mjs, whose header explains
// each and which applies them with the others. Their tests: src/kafka/kafkajs-leader-patches.test.ts.

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
