// kafkajs' patches 16 and 17, applied by scripts/patch-dependencies.mjs with the others: a fetch, or a heartbeat,
// without an answer is made again after a backoff (the heartbeat's to the group's coordinator looked up again), its
// consumer staying in its group. Their tests: src/kafka/kafkajs-fetch-patches.test.ts.
//  16. its consumer's fetch without an answer (a broker stopped, killed or unreachable while still listed as a leader:
//      a refused or closed connection, a request timeout, a broker gone from the metadata) was retried by its runner a
//      few times, then failed the consumer: its task restarted it, the group rebalanced and records were delivered
//      again; a fetch answered by a leader that moved (NOT_LEADER_OR_FOLLOWER …) asked for metadata and rejoined the
//      group (a rebalance, the group's leader's at least). Both are made again after the retry backoff, with fresh
//      metadata, the member staying in its group, as Java's consumer: retry.backoff.ms doubling with each such fetch
//      from the node in a row up to retry.backoff.max.ms, ±20 % jitter (KIP-580: patch 12's backoff); the consumer's
//      stop cuts that wait short (its runner waits for the fetch). Other errors (a refused TLS handshake,
//      authentication) still fail it. A fetch answered UNKNOWN_TOPIC_OR_PARTITION (a leader that does not know the
//      partition yet) asked for metadata and rejoined the group too; it is made again after the backoff with fresh
//      metadata, as Java's Fetcher only asks for a metadata update (its WARN naming the partitions), unless that
//      metadata fails on its topic (deleted, no longer authorized): the fetch fails then, as before (its task starts a
//      consumer without that topic); metadata that fails otherwise is asked again after the next fetch without an
//      answer; metadata without a partition assigned to the member (its topic re-created with fewer) rejoins, as Java's
//      consumer on a metadata change.
//  17. its consumer's heartbeat to a group coordinator that did not answer (its broker stopped or killed) was retried
//      by its runner a few times, then failed the consumer, and one answered NOT_COORDINATOR (the broker back, the
//      group's coordinator now another) rejoined the group. The coordinator is looked up again, as Java's
//      markCoordinatorUnknown, and the next heartbeat goes to the one found after the same backoff, the member staying
//      in its group; its offset manager's commits go there too.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const CONSUMER_GROUP = "node_modules/kafkajs/src/consumer/consumerGroup.js";
const STALE_METADATA_ERRORS_END = `  'UNKNOWN_TOPIC_OR_PARTITION',
]
`;

/**
 * A fetch answered UNKNOWN_TOPIC_OR_PARTITION (a leader that does not know the partition yet) is made again after the
 * backoff with fresh metadata, as Java's FetchCollector only asks for a metadata update; kafkajs also rejoined the group.
 * Logged at WARN naming the partitions the answer gave that error for (fetch/v0/response.js' patch), as Java's.
 */
const UNKNOWN_PARTITION_WARN = `if (unanswered.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        const partitions = unanswered.topicPartitions ? \` for partition \${unanswered.topicPartitions.join(', ')}\` : ''
        this.logger.warn(\`Received unknown topic or partition error in fetch\${partitions} from node \${nodeId}: \${unanswered.message}\`, context)
      } else `;
/**
 * The metadata asked after such a fetch fails it when it fails on the topic too (deleted, or no longer authorized), as
 * kafkajs did; metadata that fails otherwise (a lost connection, a timeout) is asked again after the next fetch without
 * an answer, as after any. When it lacks a partition assigned to the member (the topic re-created with fewer), the
 * member rejoins, as Java's consumer when its subscribed topics' metadata changed (kafkajs' stale assignment check sees
 * only partitions added).
 */
const UNKNOWN_PARTITION_REFRESH = `      // One that fails is asked again after the next fetch without an answer; after a partition its leader did not know,
      // one that fails on its topic fails the fetch (a deleted topic: the consumer fails and its task starts one
      // without it), as kafkajs did; kafkajs' retries wrap that error, so its causes are searched
      await this.cluster.refreshMetadata().catch((refreshError) => {
        if (unanswered.type !== 'UNKNOWN_TOPIC_OR_PARTITION') return
        for (let c = refreshError, depth = 0; c && depth < 8; c = c.cause, depth++) {
          if (c.type === 'UNKNOWN_TOPIC_OR_PARTITION' || c.type === 'TOPIC_AUTHORIZATION_FAILED') throw refreshError
        }
      })
      const assignedGone = ({ topic, partitions }) => {
        const known = new Set(this.cluster.findTopicPartitionMetadata(topic).map(p => p.partitionId))
        return partitions.some(partition => !known.has(partition))
      }
      if (unanswered.type === 'UNKNOWN_TOPIC_OR_PARTITION' && this.subscriptionState.assigned().some(assignedGone)) {
        await this.joinAndSync() // its topic re-created with fewer partitions: a rebalance, as Java's
      }
`;
/** The earlier form's refresh, which every failure of left to the next fetch. */
const EARLIER_REFRESH = `      // One that fails is asked again after the next fetch without an answer
      await this.cluster.refreshMetadata().catch(() => {})
`;

/** The WARN before it named the partitions (097fedfd to 3fead778). */
const unnamedPartitionsWarn = (to) =>
  to.replace(
    `        const partitions = unanswered.topicPartitions ? \` for partition \${unanswered.topicPartitions.join(', ')}\` : ''
        this.logger.warn(\`Received unknown topic or partition error in fetch\${partitions} from`,
    "        this.logger.warn(`Received unknown topic or partition error in fetch from",
  );
/** The refresh before only a failure on the topic failed the fetch (097fedfd): any failure of it did. */
const anyRefreshFailure = (to) =>
  to.replace(
    `      // one that fails on its topic fails the fetch (a deleted topic: the consumer fails and its task starts one
      // without it), as kafkajs did; kafkajs' retries wrap that error, so its causes are searched
      await this.cluster.refreshMetadata().catch((refreshError) => {
        if (unanswered.type !== 'UNKNOWN_TOPIC_OR_PARTITION') return
        for (let c = refreshError, depth = 0; c && depth < 8; c = c.cause, depth++) {
          if (c.type === 'UNKNOWN_TOPIC_OR_PARTITION' || c.type === 'TOPIC_AUTHORIZATION_FAILED') throw refreshError
        }
      })`,
    `      // it fails the fetch (a deleted topic: the consumer fails and its task starts one without it), as kafkajs did
      await this.cluster.refreshMetadata().catch((refreshError) => {
        if (unanswered.type === 'UNKNOWN_TOPIC_OR_PARTITION') throw refreshError
      })`,
  );

// The first forms of these patches (7bff13f5: fetches only; 93a93a35: heartbeats too), which kafkajs' own sleep waited
// out (no backoff ended by the runner's stop), which logged a fetch from a leader that moved at WARN, and whose
// WARN for a coordinator named its broker id.
const UNKNOWN_PARTITION_FAILS = (to) => to.replace(", 'UNKNOWN_TOPIC_OR_PARTITION']", "]");
const sleptForm = (to) => UNKNOWN_PARTITION_FAILS(to).replace("const { setTimeout: backoff } = require('timers/promises')\n", "");
const fetchesOnlyForm = (to) =>
  sleptForm(to)
    .replace(
      `// edge-gateway patch: what a request without an answer (its broker stopped, killed or unreachable while still listed)
// fails with, or one sent to a broker that no longer serves it (moved: its error types); kafkajs' retries wrap it, so
// its causes are searched. A connection error carrying a code that is not a socket's errno (ERR_SSL_…, CERT_…: a
// refused TLS handshake) is no such failure.
const UNANSWERED_ERRORS =`,
      `// edge-gateway patch: what a fetch without an answer (its broker stopped, killed or unreachable while still listed) or
// from a leader that moved fails with; kafkajs' retries wrap it, so its causes are searched. A connection error
// carrying a code that is not a socket's errno (ERR_SSL_…, CERT_…: a refused TLS handshake) is no such failure.
const UNANSWERED_FETCH_ERRORS =`,
    )
    .replace(
      `const COORDINATOR_MOVED_ERRORS = ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']
const unansweredError = (e, moved) => {`,
      "const unansweredFetchError = e => {",
    )
    .replace("    if (moved.includes(c.type)) return c", "    if (LEADER_MOVED_ERRORS.includes(c.type)) return c")
    .replace("    if (UNANSWERED_ERRORS.includes(c.name))", "    if (UNANSWERED_FETCH_ERRORS.includes(c.name))");
// Its form before tlscodes: every code E… but ERR_… counted as a socket's errno, the certificate-verification codes
// ERROR_IN_CERT_…, EXCLUDED_VIOLATION and EMAIL_MISMATCH too (src/tls/verify-codes.ts; node:tls reports them as
// UNSPECIFIED today, fetch by name).
const anyEErrnoForm = (to) =>
  to
    .replace("/^E(?!RR_|RROR_IN_|XCLUDED_|MAIL_)[A-Z_]+$/", "/^E(?!RR_)[A-Z_]+$/")
    .replace(
      `(ERR_SSL_…, CERT_…,
// ERROR_IN_CERT_…, EXCLUDED_VIOLATION, EMAIL_MISMATCH: a refused TLS handshake) is no such failure.`,
      `(ERR_SSL_…, CERT_…: a
// refused TLS handshake) is no such failure.`,
    );
const STOPPING = "    this.stopping = new AbortController() // edge-gateway patch: aborted by its runner's stop, ending a fetch's backoff\n";
/** How recoverFromFetch logs and waits out a fetch without an answer, then asks for metadata. */
const FETCH_WAIT = `      const context = { groupId: this.groupId, memberId: this.memberId, backoffMs }
      ${UNKNOWN_PARTITION_WARN}if (LEADER_MOVED_ERRORS.includes(unanswered.type)) {
        // DEBUG, as Java's FetchCollector logs an answer from a leader that moved ('Error in fetch for partition …')
        this.logger.debug(\`Error in fetch from node \${nodeId}: \${unanswered.message}\`, context)
      } else {
        // WARN for kafkajs' log level; the gateway logs it at INFO, as Java's FetchSessionHandler
        this.logger.warn(\`Error sending fetch request to node \${nodeId}: \${unanswered.message}\`, context)
      }
      // Cut short by the runner's stop, which waits for this fetch (a consumer's close): no metadata is asked then
      await backoff(backoffMs, undefined, { signal: this.stopping.signal }).catch(() => {})
      if (this.stopping.signal.aborted) return
${UNKNOWN_PARTITION_REFRESH}`;
const sleptFetch = (to) =>
  to.replace(
    FETCH_WAIT,
    `      // WARN for kafkajs' log level; the gateway logs it at INFO, as Java's FetchSessionHandler
      this.logger.warn(\`Error sending fetch request to node \${nodeId}: \${unanswered.message}\`, {
        groupId: this.groupId,
        memberId: this.memberId,
        backoffMs,
      })
      await sleep(backoffMs)
${EARLIER_REFRESH}`,
  );

export const kafkajsFetchPatches = [
  {
    file: "node_modules/kafkajs/src/protocol/requests/fetch/v0/response.js",
    from: `    throw createErrorFromCode(errorCode)
  }
`,
    // edge-gateway patch: the error names the partitions answered with it (topic-partition, as Java's TopicPartition),
    // which the consumer's WARN for UNKNOWN_TOPIC_OR_PARTITION names, as Java's FetchCollector; every fetch version's
    // answer is parsed here
    to: `    const topicPartitions = errors.filter(e => e.errorCode === errorCode).map(e => \`\${e.topic}-\${e.partition}\`) // edge-gateway patch
    throw Object.assign(createErrorFromCode(errorCode), { topicPartitions })
  }
`,
  },
  {
    file: CONSUMER_GROUP,
    from: `${STALE_METADATA_ERRORS_END}
const PRIVATE = {`,
    to: `${STALE_METADATA_ERRORS_END}
// edge-gateway patch: what a request without an answer (its broker stopped, killed or unreachable while still listed)
// fails with, or one sent to a broker that no longer serves it (moved: its error types); kafkajs' retries wrap it, so
// its causes are searched. A connection error carrying a code that is not a socket's errno (ERR_SSL_…, CERT_…,
// ERROR_IN_CERT_…, EXCLUDED_VIOLATION, EMAIL_MISMATCH: a refused TLS handshake) is no such failure.
const UNANSWERED_ERRORS = ['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']
const LEADER_MOVED_ERRORS = ['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION']
const COORDINATOR_MOVED_ERRORS = ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']
const unansweredError = (e, moved) => {
  for (let c = e, depth = 0; c && depth < 8; c = c.cause, depth++) {
    if (moved.includes(c.type)) return c
    if (UNANSWERED_ERRORS.includes(c.name)) return !c.code || /^E(?!RR_|RROR_IN_|XCLUDED_|MAIL_)[A-Z_]+$/.test(c.code) ? c : undefined
  }
}
const { setTimeout: backoff } = require('timers/promises')

const PRIVATE = {`,
    was: [anyEErrnoForm, ...[UNKNOWN_PARTITION_FAILS, sleptForm, fetchesOnlyForm].map((form) => (to) => form(anyEErrnoForm(to)))],
  },
  {
    file: CONSUMER_GROUP,
    from: `    this.preferredReadReplicasPerTopicPartition = {}
    this.offsetManager = null`,
    to: `    this.preferredReadReplicasPerTopicPartition = {}
    this.unansweredFetches = new Map() // edge-gateway patch: by node, the fetches in a row without an answer
    this.unansweredHeartbeats = 0 // edge-gateway patch: those in a row
    this.stopping = new AbortController() // edge-gateway patch: aborted by its runner's stop, ending a fetch's backoff
    this.offsetManager = null`,
    was: [
      (to) => to.replace(STOPPING, ""),
      (to) => to.replace(STOPPING, "").replace("    this.unansweredHeartbeats = 0 // edge-gateway patch: those in a row\n", ""),
    ],
  },
  {
    file: CONSUMER_GROUP,
    from: `        rackId: this.rackId,
      })

      return responses.flatMap(`,
    to: `        rackId: this.rackId,
      })
      this.unansweredFetches.delete(nodeId) // edge-gateway patch: answered

      return responses.flatMap(`,
  },
  {
    file: CONSUMER_GROUP,
    from: `    } catch (e) {
      await this.recoverFromFetch(e)
      return []`,
    to: `    } catch (e) {
      await this.recoverFromFetch(e, nodeId) // edge-gateway patch: the node, for its backoff
      return []`,
  },
  {
    file: CONSUMER_GROUP,
    from: `  async recoverFromFetch(e) {
`,
    to: `  async recoverFromFetch(e, nodeId) {
    // edge-gateway patch: a fetch (or its start offsets' look-up) without an answer, or from a leader that moved, is made
    // again after a backoff with fresh metadata, as Java's consumer: retry.backoff.ms doubling with each such fetch
    // from the node in a row up to retry.backoff.max.ms, ±20 % jitter (KIP-580, the broker pool's backoff). The member
    // stays in its group: kafkajs rejoined for a leader that moved, and its runner retried a fetch without an answer a
    // few times, then failed the consumer (its task restarted it, the group rebalanced, records came again).
    const unanswered = unansweredError(e, LEADER_MOVED_ERRORS)
    if (unanswered) {
      if (unanswered.name === 'KafkaJSConnectionClosedError') {
        this.cluster.removeBroker({ host: unanswered.host, port: unanswered.port })
      }
      const waits = (this.unansweredFetches.get(nodeId) || 0) + 1
      this.unansweredFetches.set(nodeId, waits)
      const backoffMs = this.cluster.brokerPool.leaderlessBackoff(waits)
${FETCH_WAIT}      return
    }

`,
    was: [
      (to) => to.replace(UNKNOWN_PARTITION_WARN, "").replace(UNKNOWN_PARTITION_REFRESH, EARLIER_REFRESH),
      unnamedPartitionsWarn,
      (to) => anyRefreshFailure(unnamedPartitionsWarn(to)),
      sleptFetch,
      (to) => sleptFetch(to).replace("unansweredError(e, LEADER_MOVED_ERRORS)", "unansweredFetchError(e)"),
    ],
  },
  {
    file: CONSUMER_GROUP,
    from: `        await this.coordinator.heartbeat(payload)
        this.instrumentationEmitter.emit(HEARTBEAT, payload)`,
    to: `        try {
          await this.coordinator.heartbeat(payload)
        } catch (e) {
          // edge-gateway patch: a coordinator that does not answer (its broker stopped, killed or unreachable) or is one
          // no more is looked up again, the member staying in its group, as Java's markCoordinatorUnknown; the next
          // heartbeat goes to the one found after the retry backoff (KIP-580), growing while none answers. kafkajs'
          // runner retried a heartbeat without an answer a few times, then failed the consumer, and rejoined the group on
          // NOT_COORDINATOR (a rebalance). The offset manager's commits go to the one found too.
          const lost = unansweredError(e, COORDINATOR_MOVED_ERRORS)
          if (!lost) throw e
          const backoffMs = this.cluster.brokerPool.leaderlessBackoff(++this.unansweredHeartbeats)
          const { host, port } = this.coordinator.connectionPool || {}
          // WARN for kafkajs' log level; the gateway logs it at INFO, as Java's AbstractCoordinator, whose coordinator
          // node carries Integer.MAX_VALUE - its broker id
          this.logger.warn(\`Group coordinator \${host}:\${port} (id: \${2147483647 - this.coordinator.nodeId}) is unavailable or invalid due to cause: \${lost.message}. Rediscovery will be attempted.\`, {
            groupId,
            memberId,
            backoffMs,
          })
          this.lastRequest = Date.now() - interval + backoffMs
          this.coordinator = await this.cluster.findGroupCoordinator({ groupId }).catch(() => this.coordinator)
          if (this.offsetManager) this.offsetManager.coordinator = this.coordinator
          return
        }
        this.unansweredHeartbeats = 0
        this.instrumentationEmitter.emit(HEARTBEAT, payload)`,
    was: [
      (to) =>
        to.replace(
          `          // WARN for kafkajs' log level; the gateway logs it at INFO, as Java's AbstractCoordinator, whose coordinator
          // node carries Integer.MAX_VALUE - its broker id
          this.logger.warn(\`Group coordinator \${host}:\${port} (id: \${2147483647 - this.coordinator.nodeId})`,
          `          // WARN for kafkajs' log level; the gateway logs it at INFO, as Java's AbstractCoordinator
          this.logger.warn(\`Group coordinator \${host}:\${port} (id: \${this.coordinator.nodeId})`,
        ),
    ],
  },
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `    this.running = false

    try {
      await this.fetchManager.stop()`,
    to: `    this.running = false
    this.consumerGroup.stopping.abort() // edge-gateway patch: a fetch waiting out its backoff ends now

    try {
      await this.fetchManager.stop()`,
  },
];
