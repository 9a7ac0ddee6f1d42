// kafkajs' patch 21, applied by scripts/patch-dependencies.mjs with the others.
//  21. its producer kept each broker's answer over a send's retries and asked again only the brokers without one: a
//      partition whose leader moved (its broker killed) to a broker that had answered an earlier attempt of the send was
//      left out of the retry, although the request to its old leader may have written it; the adapter reported its
//      records not written and the runtime sent them again on a new producer: written twice (explore32 F1). Each
//      partition's answer is kept now, and a retry sends every partition not answered yet to its leader, with the
//      sequences its failed request gave back (20), so the broker drops a copy it has, as Java's producer retries a
//      batch. An attempt also ends only once each of its requests has settled (with the first failure in time, as
//      before): ended at the first that failed, the next attempt sent the partitions of one still in flight again (a
//      leader waiting for its replicas), with the next sequences, and the broker appended them as new records. A
//      caller may give sendBatch an array (`answers`) that gets each partition's answer as it comes, so a send that
//      fails after some partitions were answered (out of retries or of delivery.timeout.ms, the producer closed) says
//      which records were written; with acks=0, where no answer comes, each partition counts as answered once sent
//      (base offset -1), as Java's producer counts an acks=0 batch done once it is sent, so such a send is not sent
//      again whole.
// Applied after patch 20 (scripts/patches/kafkajs-unanswered-produce.mjs), whose text it keeps whole but for the
// signature that takes `answers`.
// Its tests: src/kafka/kafkajs-produce-retry-patches.test.ts, src/kafka/kafkajs/send-outcome.test.ts (`answers`) and
// test/keyless-leaderless-partition.test.ts (its second test, three brokers).

/** The success of a broker's request as patch 20 left it (its `mayBeWritten`), before this patch took that text over. */
const answeredPerBroker = () => `          responsePerBroker.set(broker, formattedResponse)
          mayBeWritten = true // edge-gateway patch: this broker wrote its part of the send
        } catch (e) {
          responsePerBroker.delete(broker)
          throw e
        } finally {`;

/** This patch's form before an acks=0 partition sent counted as answered: with acks=0 it kept no answer. */
const answeredWithAcksOnly = () => `          // edge-gateway patch: the request's partitions answered, not sent again
          for (const { topic, partitions } of topicData)
            for (const { partition } of partitions) answered.add(answerKey(topic, partition))
          responses.push(...formattedResponse)
          mayBeWritten = true // edge-gateway patch: this broker wrote its part of the send
        } finally {`;

/** The caller's `answers` this patch keeps its answers in, where its first form kept them in a list of its own. */
const CALLERS_ANSWERS = `    // edge-gateway patch: the caller's \`answers\` when it gives them, so that it knows what the send wrote also when the
    // send fails (out of retries or time, the producer closed) after some of its partitions were answered
    const responses = answers || []`;

/** This patch's first form of the answers' list, before the caller could give it (`answers`). */
const ownAnswers = (to) => to.replace(CALLERS_ANSWERS, "    const responses = []");

/** This patch's first form of an attempt's end: it failed with the first failure in the order of its brokers. */
const settledInBrokerOrder = () => `        const requests = await createProducerRequests()
        // edge-gateway patch: the attempt ends once each of its requests has settled, its partitions answered or not
        const failed = (await Promise.allSettled(requests)).find(request => request.status === 'rejected')
        if (failed) throw failed.reason
        return responses`;

export const kafkajsMovedLeaderProducePatches = [
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `    /** @type {Map<import("../../types").Broker, any[]>} */
    const responsePerBroker = new Map()

    /** @param {Map<import("../../types").Broker, any[]>} responsePerBroker */
    const createProducerRequests = async responsePerBroker => {
      const topicMetadata = new Map()`,
    // kafkajs kept each broker's answer and asked again only the brokers without one: a partition whose leader moved to
    // a broker that had answered (its old leader killed) was left out of the retry, although the request to its old
    // leader may have written it (explore32 F1: the caller sent it again on a new producer, and it was written twice).
    to: `    // edge-gateway patch: each partition's answer is kept (acks=0: the partition sent), not each broker's, so that every
    // partition not answered yet is sent again to its leader now, with the sequences its failed request gave back
    const answered = new Set()
    const answerKey = (topic, partition) => \`\${topic}:\${partition}\`
${CALLERS_ANSWERS}

    const createProducerRequests = async () => {
      const topicMetadata = new Map()
      const brokers = new Map() // edge-gateway patch: the leaders of the partitions not answered yet, by node id`,
    was: [ownAnswers],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `        const partitionsPerLeader = cluster.findLeaderForPartitions(topic, partitions)`,
    to: `        // edge-gateway patch: only the partitions not answered yet
        const unanswered = partitions.filter(partition => !answered.has(answerKey(topic, partition)))
        const partitionsPerLeader = cluster.findLeaderForPartitions(topic, unanswered)`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          if (!responsePerBroker.has(broker)) {
            responsePerBroker.set(broker, null)
          }
        }
      }

      const brokers = Array.from(responsePerBroker.keys())
      const brokersWithoutResponse = brokers.filter(broker => !responsePerBroker.get(broker))

      return brokersWithoutResponse.map(async broker => {`,
    to: `          brokers.set(nodeId, broker) // edge-gateway patch
        }
      }

      return Array.from(brokers.values(), async broker => {`,
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `          responsePerBroker.set(broker, formattedResponse)
        } catch (e) {
          responsePerBroker.delete(broker)
          throw e
        } finally {`,
    // A partition's answer is kept for the send's later attempts (patch 20's mark too: given up and sent again on a new
    // producer, what the broker acknowledged would be written twice).
    to: `          // edge-gateway patch: the request's partitions answered, not sent again; with acks=0, where no answer comes,
          // each partition is answered once sent (base offset -1), as Java's producer counts an acks=0 batch done then
          for (const { topic, partitions } of topicData)
            for (const { partition } of partitions) {
              answered.add(answerKey(topic, partition))
              if (!expectResponse)
                responses.push({ topicName: topic, partition, errorCode: 0, baseOffset: '-1', logAppendTime: '-1', logStartOffset: '-1' })
            }
          responses.push(...formattedResponse)
          mayBeWritten = true // edge-gateway patch: this broker wrote its part of the send
        } finally {`,
    was: [answeredPerBroker, answeredWithAcksOnly],
  },
  {
    file: "node_modules/kafkajs/src/producer/sendMessages.js",
    from: `        const requests = await createProducerRequests(responsePerBroker)
        await Promise.all(requests)
        return Array.from(responsePerBroker.values()).flat()`,
    // Promise.all ended the attempt at the first request that failed, the others still in flight: the next attempt sent
    // their partitions again (with new sequences: the broker took them as new records) before they were answered.
    to: `        const requests = await createProducerRequests()
        // edge-gateway patch: the attempt ends once each of its requests has settled, its partitions answered or not,
        // failing with the first failure in time, as Promise.all did (a connection closed first: its broker removed)
        let failure
        await Promise.all(requests.map(request => request.catch(e => {
          failure = failure || { e }
        })))
        if (failure) throw failure.e
        return responses`,
    was: [settledInBrokerOrder],
  },
  {
    file: "node_modules/kafkajs/src/producer/messageProducer.js",
    from: `  const sendBatch = async ({ acks = -1, timeout, compression, topicMessages = [] }) => {`,
    to: `  // edge-gateway patch: \`answers\`, an array the caller gives, gets each partition's answer as it comes (sendMessages)
  const sendBatch = async ({ acks = -1, timeout, compression, topicMessages = [], answers }) => {`,
  },
  {
    file: "node_modules/kafkajs/src/producer/messageProducer.js",
    from: `      topicMessages: mergedTopicMessages,
    })`,
    to: `      topicMessages: mergedTopicMessages,
      answers, // edge-gateway patch
    })`,
  },
];
