// kafkajs' patch 25, applied by scripts/patch-dependencies.mjs with the others: heartbeats while a member prepares its
// join. kafkajs heartbeats only from its runner's fetch loop, which stops when the group rebalances; the gateway
// revokes the member's partitions in a hook on the coordinator's joinGroup, before the JoinGroup request goes out
// (withJoinHook, src/kafka/kafkajs/protocol.ts), where the sink task flushes and commits them. A revocation longer than
// session.timeout.ms (an HTTP sink's flush behind a slow or retried request) got the member expired: the join completed
// without it, its commit failed and another member delivered its records again, in a second rebalance. Java's heartbeat
// thread goes on during onJoinPrepare (onPartitionsRevoked), up to the rebalance timeout. So the consumer group
// heartbeats every heartbeat.interval.ms from the start of its join until the broker's joinGroup sends the request (it
// calls the join's `prepared`), for at most the rebalance timeout (max.poll.interval.ms) from that start (past it the
// session timeout expires the member, as Java's heartbeat thread leaves the group once max.poll.interval.ms passed), and
// none once the runner stops (the consumer stopped or disconnected), the member id changed, or without a member id or
// generation (a new member). One answered REBALANCE_IN_PROGRESS (the group is rebalancing: Java ignores it during
// onJoinPrepare) or with a retriable (connection) error is only logged; any other error (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, FENCED_INSTANCE_ID: Java's heartbeat thread resets then) ends them, the JoinGroup after meets it. @platformatic/kafka's counterpart is
// platformatic-revoke-heartbeat.mjs. Its tests: src/kafka/kafkajs/revoke-heartbeat-patch.test.ts and
// test/kafka-port-revoke-heartbeat.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const consumerGroup = "node_modules/kafkajs/src/consumer/consumerGroup.js";

export const kafkajsRevokeHeartbeatPatches = [
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `        sessionTimeout,
        rebalanceTimeout,
        maxBytesPerPartition,`,
    to: `        sessionTimeout,
        rebalanceTimeout,
        heartbeatInterval, // edge-gateway patch: its heartbeats while it prepares a join
        maxBytesPerPartition,`,
  },
  {
    file: consumerGroup,
    from: `    sessionTimeout,
    rebalanceTimeout,
    maxBytesPerPartition,`,
    to: `    sessionTimeout,
    rebalanceTimeout,
    heartbeatInterval, // edge-gateway patch: its heartbeats while it prepares a join
    maxBytesPerPartition,`,
  },
  {
    file: consumerGroup,
    from: `    this.rebalanceTimeout = rebalanceTimeout
    this.maxBytesPerPartition = maxBytesPerPartition`,
    to: `    this.rebalanceTimeout = rebalanceTimeout
    this.heartbeatInterval = heartbeatInterval // edge-gateway patch
    this.maxBytesPerPartition = maxBytesPerPartition`,
  },
  {
    file: consumerGroup,
    from: `    const groupData = await this.coordinator.joinGroup({
      groupId,
      sessionTimeout,
      rebalanceTimeout,
      memberId: this.memberId || '',
      groupProtocols: this.assigners.map(assigner =>
        assigner.protocol({
          topics: this.topicsSubscribed,
        })
      ),
    })
`,
    to: `    const request = {
      groupId,
      sessionTimeout,
      rebalanceTimeout,
      memberId: this.memberId || '',
      groupProtocols: this.assigners.map(assigner =>
        assigner.protocol({
          topics: this.topicsSubscribed,
        })
      ),
    }
    // edge-gateway patch: heartbeats until the JoinGroup goes out, started once the request is built (a throw above
    // leaves none running)
    const preparation = this.heartbeatWhilePreparing()
    const groupData = await this.coordinator
      .joinGroup({ ...request, prepared: preparation.end })
      .finally(preparation.end)
`,
  },
  {
    file: consumerGroup,
    from: `    return this[PRIVATE.SHARED_HEARTBEAT]({ interval })
  }

  async fetch(nodeId) {`,
    to: `    return this[PRIVATE.SHARED_HEARTBEAT]({ interval })
  }

  // edge-gateway patch: heartbeats every heartbeat.interval.ms while the member prepares its join (the gateway's
  // revocation), as Java's heartbeat thread during onJoinPrepare; \`end\` stops them (the JoinGroup is sent, or the join
  // failed). None without a member id or a generation (a new member, or a stopped runner's member rejoining through a
  // new consumer group), once the runner stopped, the member id changed, the rebalance timeout (max.poll.interval.ms)
  // passed since the preparation started (the session timeout then expires the member), or a heartbeat was answered
  // with an error other than REBALANCE_IN_PROGRESS or a retriable one (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
  // FENCED_INSTANCE_ID: the member or its generation is gone, as Java's heartbeat thread resets then).
  heartbeatWhilePreparing() {
    const { groupId, memberId, generationId, stopping } = this
    const since = performance.now()
    let timer
    const end = () => {
      clearTimeout(timer)
      timer = undefined
      stopping.signal.removeEventListener('abort', end)
    }
    const next = () => {
      timer = setTimeout(async () => {
        if (this.memberId !== memberId || performance.now() - since >= this.rebalanceTimeout) return end()
        try {
          await this.coordinator.heartbeat({ groupId, memberId, groupGenerationId: generationId })
        } catch (e) {
          // REBALANCE_IN_PROGRESS as the group rebalances, or a connection error: go on; the JoinGroup meets any other
          this.logger.debug('Heartbeat while preparing the join failed', { groupId, memberId, error: e.message })
          if (e.type !== 'REBALANCE_IN_PROGRESS' && !e.retriable) return end()
        }
        if (timer !== undefined) next()
      }, this.heartbeatInterval)
    }
    if (memberId && generationId != null && this.heartbeatInterval > 0 && !stopping.signal.aborted) {
      stopping.signal.addEventListener('abort', end)
      next()
    }
    return { end }
  }

  async fetch(nodeId) {`,
  },
  {
    file: "node_modules/kafkajs/src/broker/index.js",
    from: `    protocolType = 'consumer',
    groupProtocols,
  }) {
    const joinGroup = this.lookupRequest(apiKeys.JoinGroup, requests.JoinGroup)`,
    to: `    protocolType = 'consumer',
    groupProtocols,
    prepared = () => {}, // edge-gateway patch: ends the consumer group's preparation (its heartbeats) as the request goes out
  }) {
    prepared()
    const joinGroup = this.lookupRequest(apiKeys.JoinGroup, requests.JoinGroup)`,
  },
];
