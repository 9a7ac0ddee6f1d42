// kafkajs' patch 11, applied by scripts/patch-dependencies.mjs with the others: its consumer's stop always left the
// group (LeaveGroup), so a member that rejoins because its subscription changed (src/kafka/kafkajs/subscription-watch.ts)
// came back as a new member: the group rebalanced for the leave and again for the join when the others were quicker
// than it. stop({ rejoin: true }) keeps the member id for the next run, which joins as that member, as Java's consumer
// rejoins (one rebalance); src/kafka/kafkajs/join-exit.ts leaves with that id when the member is closed before its
// rejoin completes. Its tests: src/kafka/dependency-patches.test.ts ("kafkajs rejoin patch").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

/**
 * The form an earlier version of scripts/patch-dependencies.mjs applied the rejoin patch in: kafkajs itself left a
 * member stopped to rejoin.
 */
const rejoinLeftByKafkajs = (to) =>
  to.replace(
    `      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's (the
      // gateway leaves with that id if it closes the member before the rejoin completes: its JoinExit)
`,
    `      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's; a
      // member so stopped that is then stopped for good leaves.
      if (!runner && rejoiningMemberId && !rejoin) {
        const memberId = rejoiningMemberId
        rejoiningMemberId = null
        try {
          const coordinator = await cluster.findGroupCoordinator({ groupId })
          await coordinator.leaveGroup({ groupId, memberId })
        } catch (e) {}
      }
`,
  );

export const kafkajsRejoinPatches = [
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `  async stop() {
    if (!this.running) {`,
    to: `  async stop({ leave = true } = {}) { // edge-gateway patch: a member stopped to rejoin stays in its group
    if (!this.running) {`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `      await this.waitForConsumer()
      await this.consumerGroup.leave()`,
    to: `      await this.waitForConsumer()
      if (leave) await this.consumerGroup.leave() // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `  let runner = null
  /** @type {ConsumerGroup} */`,
    to: `  let runner = null
  let rejoiningMemberId = null // edge-gateway patch: the member id a stop({ rejoin: true }) keeps for the next run
  /** @type {ConsumerGroup} */`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `  const stop = sharedPromiseTo(async () => {
    try {
      if (runner) {
        await runner.stop()`,
    to: `  const stop = sharedPromiseTo(async ({ rejoin = false } = {}) => {
    try {
      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's (the
      // gateway leaves with that id if it closes the member before the rejoin completes: its JoinExit)
      if (runner) {
        if (rejoin) rejoiningMemberId = consumerGroup.memberId
        await runner.stop({ leave: !rejoin })`,
    was: [rejoinLeftByKafkajs],
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `        autoCommitThreshold,
      })

      runner = new Runner({`,
    to: `        autoCommitThreshold,
      })
      consumerGroup.memberId = rejoiningMemberId // edge-gateway patch: the member rejoins as itself
      rejoiningMemberId = null

      runner = new Runner({`,
  },
];
