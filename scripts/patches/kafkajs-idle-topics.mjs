// kafkajs' producer forgetting the topics it has not sent to for metadata.max.idle.ms: applied by
// scripts/patch-dependencies.mjs with the others. Its tests: src/kafka/kafkajs-idle-topics-patch.test.ts (the Cluster),
// src/kafka/kafkajs-idle-topics-send.test.ts (through kafkajs' send code) and
// test/producer-idle-topic-not-recreated.test.ts (kafka.client=kafkajs).
// kafkajs' cluster kept every topic a producer ever sent to (`targetTopics`, which only grew) and asked for all of them,
// allowing auto-creation, at every metadata refresh (metadataMaxAge passed on a send, a failed request, a lost
// connection): a topic an operator deleted was created again by the broker (auto.create.topics.enable, Kafka's default)
// at the producer's next refresh for any other topic. A producer's cluster given `metadataMaxIdle` (the adapter passes
// metadata.max.idle.ms) now remembers when each target topic was last sent to (every send adds its topics) and drops
// those idle that long before it asks, as Java's ProducerMetadata (KIP-526): a dropped topic's next send adds it again,
// asked for as a new topic. Consumers' and admins' clusters (no `metadataMaxIdle`) keep theirs.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const INDEX = "node_modules/kafkajs/src/index.js";
const CLUSTER = "node_modules/kafkajs/src/cluster/index.js";

export const kafkajsIdleTopicsPatches = [
  {
    file: INDEX,
    from: `      metadataMaxAge,
      allowAutoTopicCreation = true,`,
    to: `      metadataMaxAge,
      metadataMaxIdle, // edge-gateway patch: a producer's (metadata.max.idle.ms)
      allowAutoTopicCreation = true,`,
  },
  {
    file: INDEX,
    from: `        metadataMaxAge,
        instrumentationEmitter,`,
    to: `        metadataMaxAge,
        metadataMaxIdle, // edge-gateway patch
        instrumentationEmitter,`,
  },
  {
    file: INDEX,
    from: `    metadataMaxAge = DEFAULT_METADATA_MAX_AGE,
    allowAutoTopicCreation,
    idempotent,`,
    to: `    metadataMaxAge = DEFAULT_METADATA_MAX_AGE,
    metadataMaxIdle, // edge-gateway patch: metadata.max.idle.ms
    allowAutoTopicCreation,
    idempotent,`,
  },
  {
    file: INDEX,
    from: `      metadataMaxAge,
      allowAutoTopicCreation,
      maxInFlightRequests,
      instrumentationEmitter,
    })`,
    to: `      metadataMaxAge,
      metadataMaxIdle, // edge-gateway patch
      allowAutoTopicCreation,
      maxInFlightRequests,
      instrumentationEmitter,
    })`,
  },
  {
    file: CLUSTER,
    from: `    metadataMaxAge,
    retry,
    allowAutoTopicCreation,`,
    to: `    metadataMaxAge,
    metadataMaxIdle, // edge-gateway patch: a producer's (metadata.max.idle.ms); none: its topics are kept
    retry,
    allowAutoTopicCreation,`,
  },
  {
    file: CLUSTER,
    from: `    this.targetTopics = new Set()
    this.mutatingTargetTopics`,
    to: `    this.targetTopics = new Set()
    // edge-gateway patch: a target topic not sent to for metadataMaxIdle is dropped before metadata is asked, as Java's
    // ProducerMetadata (KIP-526), so a topic deleted since is not created again by auto-creation; its next send adds it
    this.metadataMaxIdle = metadataMaxIdle
    this.targetTopicsSentAt = new Map()
    this.liveTargetTopics = () => {
      if (this.metadataMaxIdle == null) return Array.from(this.targetTopics)
      const now = Date.now()
      for (const topic of this.targetTopics) {
        if (!(now - this.targetTopicsSentAt.get(topic) < this.metadataMaxIdle)) this.targetTopics.delete(topic)
      }
      for (const topic of this.targetTopicsSentAt.keys()) {
        if (!this.targetTopics.has(topic)) this.targetTopicsSentAt.delete(topic)
      }
      return Array.from(this.targetTopics)
    }
    this.mutatingTargetTopics`,
  },
  {
    file: CLUSTER,
    from: `      return await this.brokerPool.refreshMetadata(Array.from(this.targetTopics))`,
    to: `      return await this.brokerPool.refreshMetadata(this.liveTargetTopics()) // edge-gateway patch`,
  },
  {
    file: CLUSTER,
    from: `      return await this.brokerPool.refreshMetadataIfNecessary(Array.from(this.targetTopics))`,
    to: `      return await this.brokerPool.refreshMetadataIfNecessary(this.liveTargetTopics()) // edge-gateway patch`,
  },
  {
    file: CLUSTER,
    from: `        this.targetTopics.add(topic)
      }`,
    to: `        this.targetTopics.add(topic)
        if (this.metadataMaxIdle != null) this.targetTopicsSentAt.set(topic, Date.now()) // edge-gateway patch: last send
      }`,
  },
];
