// kafkajs' patch 20 of scripts/patch-dependencies.mjs, whose header explains it and which applies it with the others: a
// send that may have been written is retried by the same producer, with its sequences. Its tests:
// src/kafka/kafkajs-produce-retry-patches.test.ts.

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
    to: `const { KafkaJSMetadataNotLoaded, KafkaJSNumberOfRetriesExceeded } = require('../errors') // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  return async ({ acks, timeout, compression, topicMessages }) => {`,
    to: `// edge-gateway patch: whether a failed Produce request may have been written: not when the broker answered an error it
// appends nothing for (all but REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND), nor when its connection was
// refused; a request timed out or a connection lost with it may have been
const mayHaveAppended = e =>
  e.name === 'KafkaJSProtocolError'
    ? e.code === 7 || e.code === 20
    : !(e.name === 'KafkaJSConnectionError' && e.code === 'ECONNREFUSED')

module.exports = ({ logger, cluster, partitioner, eosManager, retrier }) => {
  // edge-gateway patch: the retries of a send none of whose Produce requests may have been written (the retrier's own
  // bound the others, which the caller ends at its delivery timeout)
  const unwrittenRetries = retrier.unwrittenRetries ?? Number.MAX_SAFE_INTEGER
  return async ({ acks, timeout, compression, topicMessages }) => {
    let mayBeWritten = false // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          } catch (e) {
            topicData.forEach(({ topic, partitions }) => {`,
    to: `          } catch (e) {
            mayBeWritten = mayBeWritten || mayHaveAppended(e) // edge-gateway patch
            topicData.forEach(({ topic, partitions }) => {`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `      } catch (e) {
        if (e.name === 'KafkaJSConnectionClosedError') {`,
    to: `      } catch (e) {
        if (givenUp(e)) return // edge-gateway patch
        if (e.name === 'KafkaJSConnectionClosedError') {`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `      const topics = topicMessages.map(({ topic }) => topic)
      await cluster.addMultipleTargetTopics(topics)`,
    to: `      const topics = topicMessages.map(({ topic }) => topic)
      // edge-gateway patch: given up after \`unwrittenRetries\` (as the retrier gives up) when nothing of the send may be
      // written: sent again on a new producer, it is not written twice; a topic's metadata that fails (not there) too
      const givenUp = e => {
        if (mayBeWritten || e.retriable === false || !(retryCount >= unwrittenRetries)) return false
        bail(new KafkaJSNumberOfRetriesExceeded(e, { retryCount, retryTime, cause: e.cause || e }))
        return true
      }
      try {
        await cluster.addMultipleTargetTopics(topics)
      } catch (e) {
        if (givenUp(e)) return
        throw e
      }`,
  },
];
