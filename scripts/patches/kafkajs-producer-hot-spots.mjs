// kafkajs' patches 1 and 2, applied by scripts/patch-dependencies.mjs with the others: its producer hot spots measured
// on this project's data path (kafkajs 2.2.4 is unmaintained upstream, so they are fixed here, in the open):
//   1. groupMessagesPerPartition copied the list for every message (quadratic in the batch size);
//   2. the protocol Encoder allocated zero-filled buffers (Buffer.alloc) for every request and record, although it
//      writes every byte it exposes (Buffer.allocUnsafe is safe there).
// Their tests: src/kafka/dependency-patches.test.ts ("kafkajs patches").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsProducerHotSpotsPatches = [
  {
    file: "node_modules/kafkajs/src/producer/groupMessagesPerPartition.js",
    from: `  return messages.reduce((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition] || []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})
}`,
    to: `  // edge-gateway patch: linear grouping (the original copied the list for every message)
  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition]
    if (current === undefined) result[partition] = [message]
    else current.push(message)
  }
  return result
}`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/encoder.js",
    from: `    this.buf = Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))`,
    // edge-gateway patch: every byte exposed by \`buffer\` is written first
    to: `    this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize)) // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/encoder.js",
    from: `      const newBuffer = Buffer.alloc(newLength)`,
    to: `      const newBuffer = Buffer.allocUnsafe(newLength) // edge-gateway patch`,
  },
];
