// kafkajs' patch 24, applied by scripts/patch-dependencies.mjs with the others: a fetch answered OFFSET_OUT_OF_RANGE
// (a sink's committed offset past the log end, as a PATCH of /connectors/{c}/offsets can leave it) made kafkajs commit
// its default offset (-2 for earliest, -1 for latest) to the group and then look it up, so the group lost the
// partition's offset (`GET /connectors/{c}/offsets` answered it gone) until the task committed again, for good when
// nothing was consumed after the reset. As Java's consumer, the reset position (the end auto.offset.reset names) is
// looked up and fetched from without committing anything: the group keeps its offset until the consumer commits the
// consumed position. Its tests: test/sink-offsets-past-log-end.test.ts, src/kafka/dependency-patches.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

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
    // nothing at an out-of-range reset: the group keeps its offset until the consumer commits the consumed position)
    const [found] = await this.cluster.fetchTopicsOffset([
      assign({ topic, partitions: [{ partition }] }, this.topicConfigurations[topic]),
    ])
    const reset = found && found.partitions.find(p => p.partition === partition)
    this.clearOffsets({ topic, partition })
    // None (the partition has no leader now): resolveOffsets looks it up again from the committed offset.
    if (reset) this.committedOffsets()[topic][partition] = reset.offset
  }`,
  },
];
