// Both libraries' commits retried under the generation they were made under (kafkajs' patch 18), applied by
// scripts/patch-dependencies.mjs with the others. kafkajs' runner retried a failed commit (a timeout, NOT_COORDINATOR)
// through the group's current offset manager, rebuilt with the new generation at every sync: a retry sent after a
// rejoin committed, under the new generation, partitions another member may own by then (backwards). As Java's, whose
// request is built once, every retry is sent under the generation the commit was made under (the broker refuses it
// once that one is gone). The same for @platformatic/kafka's consumer, which read its generation and member id again
// at every try. A retry answered about that generation once the member has left it (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION) fails the commit without the library's rejoin, which cleared the member's current id, as Java's.
// So does a commit answered FENCED_INSTANCE_ID, about any generation: the caller decides, as Java's, whether it is
// fatal (about the member's current generation) or a stale retry's (src/kafka/platformatic/commit-fencing.ts); the
// library cleared the member id and rejoined, which fenced the other process in turn.
// @platformatic/kafka's consumer also sent OffsetCommit without the group.instance.id (null where the request has the
// field, v7 on): a static member another process had fenced was answered UNKNOWN_MEMBER_ID, a lost membership, and
// failed only at its next heartbeat; with the instance id, as Java's ConsumerCoordinator sends it, the coordinator
// answers FENCED_INSTANCE_ID at once (src/kafka/platformatic/fenced-instance.ts).
// Their tests: src/kafka/dependency-patches.test.ts ("kafkajs commit patch"; "@platformatic/kafka patch": the
// group.instance.id, a commit retried after a network error, a commit answered FENCED_INSTANCE_ID).
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const commitGenerationPatches = [
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `    return this.retrier(async (bail, retryCount, retryTime) => {
      try {
        await this.consumerGroup.commitOffsets(offsets)`,
    // edge-gateway patch: a commit retried (after a timeout, NOT_COORDINATOR) is sent under the generation and member
    // id it was made under, as Java's (its request is built once): the group's offset manager, rebuilt with the new
    // generation at every sync, would commit partitions another member may own by then; under the old one the broker
    // refuses it
    to: `    const offsetManager = this.consumerGroup.offsetManager // edge-gateway patch: the commit's generation, on every retry
    return this.retrier(async (bail, retryCount, retryTime) => {
      try {
        await offsetManager.commitOffsets(offsets)`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId, this.memberId, null, Array.from(topics.values()), groupCallback);`,
    to: `generation, memberId, this.groupInstanceId, Array.from(topics.values()), groupCallback); // edge-gateway patch: the static member's instance id, as Java's; the generation the commit was made under`,
    was: [
      () =>
        "this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId, this.memberId, this.groupInstanceId, Array.from(topics.values()), groupCallback); // edge-gateway patch: the static member's instance id, as Java's",
    ],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `    #commit(options, callback, rejoinAttempts = 0) {
        this.#performGroupOperation('commit', (connection, groupCallback) => {`,
    // edge-gateway patch: a commit retried (after a timeout, NOT_COORDINATOR) is sent under the generation and member
    // id it was made under, as Java's (its request is built once): re-read at each try, a retry sent after a rejoin
    // would commit partitions another member may own by then; under the old one the broker refuses it
    to: `    #commit(options, callback, rejoinAttempts = 0) {
        const generation = this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId; // edge-gateway patch: read once
        const memberId = this.memberId; // edge-gateway patch: the commit's own, on every retry
        this.#performGroupOperation('commit', (connection, groupCallback) => {`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `        }, error => {
            if (error && rejoinAttempts < this[kOptions].retries && this.#getRejoinError(error)) {
                this.joinGroup({}, joinError => {
                    if (joinError) {
                        callback(joinError);
                        return;
                    }
                    this.#commit(options, callback, rejoinAttempts + 1);`,
    // edge-gateway patch: a retry answered about the generation or member id it was sent under, which the member has
    // left meanwhile (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION), fails the commit as it is, as Java's (RebalanceInProgressException
    // when !generationUnchanged()): the rejoin check would clear the member's current id (a dynamic member rejoins as a
    // new one, one more rebalance, its partitions lost) or break the join under way. FENCED_INSTANCE_ID too, whatever
    // the generation: the caller tells a fatal answer from a stale retry's; the rejoin would fence the other process
    to: `        }, error => {
            if (error && (memberId !== this.memberId || generation !== (this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId) || findErrorBy(error, 'apiId', 'FENCED_INSTANCE_ID'))) {
                callback(error); // edge-gateway patch: about a generation the member has left, its current one untouched; FENCED_INSTANCE_ID: the caller decides
                return;
            }
            if (error && rejoinAttempts < this[kOptions].retries && this.#getRejoinError(error)) {
                this.joinGroup({}, joinError => {
                    if (joinError) {
                        callback(joinError);
                        return;
                    }
                    this.#commit(options, callback, rejoinAttempts + 1);`,
    was: [
      (to) =>
        to
          .replace(" || findErrorBy(error, 'apiId', 'FENCED_INSTANCE_ID'))) {", ")) {")
          .replace("; FENCED_INSTANCE_ID: the caller decides", ""),
    ],
  },
];
