// kafkajs' patches 6, 8, 9 and 10, applied by scripts/patch-dependencies.mjs with the others: its record encoder and
// decoder's headers.
//   6. its record decoder gathered headers in an object literal, testing `obj[key] === undefined`: a header named
//      __proto__ (or constructor, toString …) read Object.prototype's member, so it arrived as
//      [Object.prototype, value]; only own entries are read now (and in one pass: it copied the object for every header).
//   8. its record encoder sized a header's value with Buffer.byteLength before testing it for null (a TypeError), so a
//      null header value (Connect's DLQ exception.message of an exception without a message) could not be sent; it is
//      sized as the null it is written as (length -1).
//   9. its record encoder and decoder gathered headers by name, so `a, b, a` went out and came back as `a, a, b`; the
//      encoder takes a list too, and the decoder keeps the list it read (`headerList`), so headers keep their order,
//      as Java's RecordHeaders.
//  10. its record encoder built a headers object (its default `{}`), its key list and two arrays for every record
//      without headers (~60 ns a record on the produce path): such a record now writes the header count 0 as before,
//      building nothing.
// Their tests: src/kafka/kafkajs/record-header-patches.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsRecordHeadersPatches = [
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/decoder.js",
    from: `  const headers = decoder.readVarIntArray(HeaderDecoder).reduce(
    (obj, { key, value }) => ({
      ...obj,
      [key]:
        obj[key] === undefined
          ? value
          : Array.isArray(obj[key])
          ? obj[key].concat([value])
          : [obj[key], value],
    }),
    {}
  )`,
    to: `  // edge-gateway patch: own entries only (a header named __proto__ read Object.prototype); their list kept
  const headerList = decoder.readVarIntArray(HeaderDecoder)
  const headers = {}
  for (const { key, value } of headerList) {
    const current = Object.prototype.hasOwnProperty.call(headers, key) ? headers[key] : undefined
    const next = current === undefined ? value : Array.isArray(current) ? current.concat([value]) : [current, value]
    Object.defineProperty(headers, key, { value: next, enumerable: true, writable: true, configurable: true })
  }`,
    was: [
      (to) =>
        to
          .replace("; their list kept\n  const headerList = decoder.readVarIntArray(HeaderDecoder)", "")
          .replace("of headerList)", "of decoder.readVarIntArray(HeaderDecoder))"),
    ],
  },
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/decoder.js",
    from: `    headers,
    isControlRecord: isControlBatch,`,
    to: `    headers,
    headerList, // edge-gateway patch: the headers in their order, as Java's RecordHeaders
    isControlRecord: isControlBatch,`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/index.js",
    from: `    const valueSize = Buffer.byteLength(header.value)`,
    to: `    const valueSize = header.value === null ? 0 : Buffer.byteLength(header.value) // edge-gateway patch: null is length -1`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/index.js",
    from: `module.exports = ({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }) => {`,
    to: `// edge-gateway patch: a record without headers builds no headers object (the default was {} and two key lists)
const NO_HEADERS = []
module.exports = ({ offsetDelta = 0, timestampDelta = 0, key, value, headers = NO_HEADERS }) => {`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/index.js",
    from: `  return new Encoder()
    .writeVarInt(sizeOfBody)
    .writeInt8(0) // no used record attributes at the moment
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(headersArray.map(Header))`,
    to: `  const encoder = new Encoder()
    .writeVarInt(sizeOfBody)
    .writeInt8(0) // no used record attributes at the moment
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
  // edge-gateway patch: no header, no lists: their count (0) is all writeVarIntArray wrote
  return headersArray.length === 0 ? encoder.writeVarInt(0) : encoder.writeVarIntArray(headersArray.map(Header))`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/recordBatch/record/v0/index.js",
    from: `  const headersArray = Object.keys(headers).flatMap(headerKey =>`,
    to: `  // edge-gateway patch: a list of { key, value } is written in its order (Java's RecordHeaders)
  const headersArray = Array.isArray(headers) ? headers : Object.keys(headers).flatMap(headerKey =>`,
  },
];
