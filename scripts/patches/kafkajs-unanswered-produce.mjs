// kafkajs' patch 20, applied by scripts/patch-dependencies.mjs with the others: a send that may have been written is
// retried by the same producer, with its sequences. Its tests: src/kafka/kafkajs-produce-retry-patches.test.ts.
//  20. its producer gave a send up after its retries (the gateway's client: 3) although a Produce request of it may have
//      been written (it timed out, its connection was lost, the broker answered REQUEST_TIMED_OUT while it waited for
//      the replicas): the runtime sent the records again on a new producer (a new producer id), so the broker could
//      not drop the copy as a duplicate and they were written twice (explore31 F1). kafkajs' retries keep the send's
//      producer id and sequences (a failed request's sequences are given back before the retry), so such a send is
//      retried now up to the producer's retries, until the adapter's delivery.timeout.ms
//      (src/kafka/kafkajs/producer.ts), also when Kafka is not reached afterwards (a single broker crashed or
//      restarting: kafkajs' reconnection, or its metadata refresh after a failed request, gives its own retries up,
//      which ended the send), and when another broker's
//      request of it was answered or an error answered a request of several partitions (kafkajs throws the first failed
//      partition's, the others may be appended); one nothing of which may be written is still given up after
//      `unwrittenRetries` (a retry option), as before, and a stopped producer's send (its connections refused with
//      EPRODUCERSTOPPED: src/kafka/kafkajs/closable-sockets.ts) ends at once.
// Its mark of a request answered (`mayBeWritten = true`) is applied with
// patch 21 (scripts/patches/kafkajs-moved-leader-produce.mjs), which rewrote that text.

/** The form patch 20's signature was applied in before patch 21 took the caller's `answers`. */
const withoutAnswers = (to) =>
  to
    .replace("  // edge-gateway patch: `answers`: patch 21 (kafkajs-moved-leader-produce.mjs)\n", "")
    .replace("topicMessages, answers })", "topicMessages })");

// The forms before a stopped producer ended the send and a send that may have been written was retried past kafkajs'
// own retries when Kafka was not reached (9f1af29f to ac8c33db): no \`stopped\`, \`unreached\`, \`stillWriting\`; before
// a failed request of several partitions counted as maybe written: \`mayHaveAppended(e)\`.
const STOPPED_AND_UNREACHED = `
// edge-gateway patch: the producer was stopped (the adapter's ClosableSockets refuse its connections with this code at
// its forced close or a send's delivery timeout): the send ends, whatever it may have written
const stopped = e => {
  for (let c = e, depth = 0; c && depth < 8; c = c.cause, depth++) if (c.code === 'EPRODUCERSTOPPED') return true
  return false
}

// edge-gateway patch: Kafka not reached: kafkajs' connect or metadata gave its retries up (not retriable), or a connection
// failed
const unreached = e =>
  e.name === 'KafkaJSNumberOfRetriesExceeded' || String(e.name).startsWith('KafkaJSConnection')
`;
const STOPPED = `        if (stopped(e)) {
          bail(e)
          return true
        }
`;
const STILL_WRITING = `      // edge-gateway patch: Kafka not reached after a request of the send may have been written (its broker crashed or
      // restarts: the connection lost, then refused): the send is retried, as Java's accumulator keeps its batch, until
      // the caller's delivery timeout, rather than given up when kafkajs' connect gives its own retries up
      const stillWriting = e =>
        mayBeWritten && e.retriable === false && unreached(e) ? new KafkaJSError(e, { cause: e }) : e
`;
const onePartitionForm = (to) =>
  withoutAnswers(to)
    .replace(STOPPED_AND_UNREACHED, "")
    .replace(
      `(all but REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND) to a request of one partition
// (kafkajs throws the first failed partition's error: the request's other partitions may have been appended), nor when
// its connection was refused; a request timed out or a connection lost with it may have been
const mayHaveAppended = (e, partitions) =>`,
      `(all but REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND), nor when its connection was
// refused; a request timed out or a connection lost with it may have been
const mayHaveAppended = e =>`,
    )
    .replace(" || partitions > 1", "");
const notStoppedForm = (to) =>
  to.replace(STOPPED, "").replace(STILL_WRITING, "").replace("throw stillWriting(e)", "throw e");

export const kafkajsUnansweredProducePatches = [
  {
    file: "node_modules/kafkajs/src/producer/index.js",
    from: `  const retrier = createRetry(Object.assign({}, cluster.retry, retry))
  const instrumentationEmitter`,
    to: `  const retrier = createRetry(Object.assign({}, cluster.retry, retry))
  retrier.unwrittenRetries = retry.unwrittenRetries // edge-gateway patch: see sendMessages
  const instrumentationEmitter`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `const { KafkaJSMetadataNotLoaded } = require('../errors')`,
    to: `const { KafkaJSError, KafkaJSMetadataNotLoaded, KafkaJSNumberOfRetriesExceeded } = require('../errors') // edge-gateway patch`,
    was: [(to) => to.replace("KafkaJSError, ", "")],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  return async ({ acks, timeout, compression, topicMessages }) => {`,
    to: `// edge-gateway patch: whether a failed Produce request may have been written: not when the broker answered an error it
// appends nothing for (all but REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND) to a request of one partition
// (kafkajs throws the first failed partition's error: the request's other partitions may have been appended), nor when
// its connection was refused; a request timed out or a connection lost with it may have been
const mayHaveAppended = (e, partitions) =>
  e.name === 'KafkaJSProtocolError'
    ? e.code === 7 || e.code === 20 || partitions > 1
    : !(e.name === 'KafkaJSConnectionError' && e.code === 'ECONNREFUSED')

// edge-gateway patch: the producer was stopped (the adapter's ClosableSockets refuse its connections with this code at
// its forced close or a send's delivery timeout): the send ends, whatever it may have written
const stopped = e => {
  for (let c = e, depth = 0; c && depth < 8; c = c.cause, depth++) if (c.code === 'EPRODUCERSTOPPED') return true
  return false
}

// edge-gateway patch: Kafka not reached: kafkajs' connect or metadata gave its retries up (not retriable), or a connection
// failed
const unreached = e =>
  e.name === 'KafkaJSNumberOfRetriesExceeded' || String(e.name).startsWith('KafkaJSConnection')

module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  // edge-gateway patch: the retries of a send none of whose Produce requests may have been written (the retrier's own
  // bound the others, which the caller ends at its delivery timeout)
  const unwrittenRetries = retrier.unwrittenRetries ?? Number.MAX_SAFE_INTEGER
  // edge-gateway patch: \`answers\`: patch 21 (kafkajs-moved-leader-produce.mjs)
  return async ({ acks, timeout, compression, topicMessages, answers }) => {
    let mayBeWritten = false // edge-gateway patch`,
    was: [withoutAnswers, onePartitionForm],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          } catch (e) {
            topicData.forEach(({ topic, partitions }) => {`,
    to: `          } catch (e) {
            const partitionCount = topicData.reduce((n, { partitions }) => n + partitions.length, 0) // edge-gateway patch
            mayBeWritten = mayBeWritten || mayHaveAppended(e, partitionCount) // edge-gateway patch
            topicData.forEach(({ topic, partitions }) => {`,
    was: [
      (to) =>
        to
          .replace("            const partitionCount = topicData.reduce((n, { partitions }) => n + partitions.length, 0) // edge-gateway patch\n", "")
          .replace("mayHaveAppended(e, partitionCount)", "mayHaveAppended(e)"),
    ],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `      } catch (e) {
        if (e.name === 'KafkaJSConnectionClosedError') {`,
    to: `      } catch (e) {
        if (givenUp(e)) return // edge-gateway patch
        if (stillWriting(e) !== e) throw stillWriting(e) // edge-gateway patch
        if (e.name === 'KafkaJSConnectionClosedError') {`,
    // Earlier, no \`stillWriting\`; before that (9f1af29f), the send was given up here alone.
    was: [
      (to) => to.replace("        if (stillWriting(e) !== e) throw stillWriting(e) // edge-gateway patch\n", ""),
      (to) =>
        to.replace(
          `        if (givenUp(e)) return // edge-gateway patch
        if (stillWriting(e) !== e) throw stillWriting(e) // edge-gateway patch
`,
          `        // edge-gateway patch: given up as the retrier gives up, and only then, when nothing of it may be written: sent
        // again on a new producer, it is not written twice
        if (!mayBeWritten && e.retriable !== false && retryCount >= unwrittenRetries) {
          bail(new KafkaJSNumberOfRetriesExceeded(e, { retryCount, retryTime, cause: e.cause || e }))
          return
        }
`,
        ),
    ],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `      const topics = topicMessages.map(({ topic }) => topic)
      await cluster.addMultipleTargetTopics(topics)`,
    to: `      const topics = topicMessages.map(({ topic }) => topic)
      // edge-gateway patch: given up after \`unwrittenRetries\` (as the retrier gives up) when nothing of the send may be
      // written: sent again on a new producer, it is not written twice; a topic's metadata that fails (not there) too
      const givenUp = e => {
        if (stopped(e)) {
          bail(e)
          return true
        }
        if (mayBeWritten || e.retriable === false || !(retryCount >= unwrittenRetries)) return false
        bail(new KafkaJSNumberOfRetriesExceeded(e, { retryCount, retryTime, cause: e.cause || e }))
        return true
      }
      // edge-gateway patch: Kafka not reached after a request of the send may have been written (its broker crashed or
      // restarts: the connection lost, then refused): the send is retried, as Java's accumulator keeps its batch, until
      // the caller's delivery timeout, rather than given up when kafkajs' connect gives its own retries up
      const stillWriting = e =>
        mayBeWritten && e.retriable === false && unreached(e) ? new KafkaJSError(e, { cause: e }) : e
      try {
        await cluster.addMultipleTargetTopics(topics)
      } catch (e) {
        if (givenUp(e)) return
        throw stillWriting(e)
      }`,
    // Earlier, the form of 61a26d7d (\`retryCount < unwrittenRetries\`) and of ac8c33db.
    was: [(to) => notStoppedForm(to).replace("!(retryCount >= unwrittenRetries)", "retryCount < unwrittenRetries"), notStoppedForm],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          await cluster.connect()
          await cluster.refreshMetadata()
          throw e`,
    to: `          // edge-gateway patch: a reconnection that fails is retried, as the send (stillWriting)
          try {
            await cluster.connect()
            await cluster.refreshMetadata()
          } catch (reconnection) {
            if (givenUp(reconnection)) return
            if (!mayBeWritten) throw reconnection
          }
          throw e`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          logger.error(\`Failed to send messages: \${e.message}\`, { retryCount, retryTime })
          await cluster.refreshMetadata()
          throw e`,
    to: `          logger.error(\`Failed to send messages: \${e.message}\`, { retryCount, retryTime })
          // edge-gateway patch: a refresh that fails (Kafka not reached: a broker whose advertised address is not the
          // bootstrap one crashed) is given up or retried as the send (stillWriting), not ended by kafkajs' own retries
          try {
            await cluster.refreshMetadata()
          } catch (refresh) {
            if (givenUp(refresh)) return
            throw stillWriting(refresh)
          }
          throw e`,
  },
];
