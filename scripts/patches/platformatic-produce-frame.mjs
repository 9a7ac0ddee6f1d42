// @platformatic/kafka's Connection writing a request its caller framed, applied by scripts/patch-dependencies.mjs with
// the others: the library frames every request through two Writers and a concatenation; the producer's Produce
// requests arrive framed whole (src/kafka/platformatic/produce-frame.ts) and are written as they are, with their
// correlation id. Its tests: src/kafka/dependency-patches.test.ts ("a Connection writes a request framed by its
// caller") and src/kafka/platformatic/produce-transport.test.ts (the check that the library is patched).
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticProduceFramePatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `                    const writer = Writer.create();
                    writer
                        .appendInt16(apiKey)
                        .appendInt16(apiVersion)
                        .appendInt32(correlationId)
                        .appendString(this.#clientId, false);
                    if (hasRequestHeaderTaggedFields) {
                        writer.appendTaggedFields();
                    }
                    writer.appendFrom(payload).prependLength();
                    const request = {
                        correlationId,
                        apiKey,
                        apiVersion,
                        parser: responseParser,
                        payload: writer.buffer,`,
    to: `                    // edge-gateway patch: a request the caller framed whole (size, header, body) goes as it is
                    let frame = payload.frame;
                    if (frame !== undefined) {
                        frame.writeInt32BE(correlationId, 8);
                    }
                    else {
                        const writer = Writer.create();
                        writer
                            .appendInt16(apiKey)
                            .appendInt16(apiVersion)
                            .appendInt32(correlationId)
                            .appendString(this.#clientId, false);
                        if (hasRequestHeaderTaggedFields) {
                            writer.appendTaggedFields();
                        }
                        writer.appendFrom(payload).prependLength();
                        frame = writer.buffer;
                    }
                    const request = {
                        correlationId,
                        apiKey,
                        apiVersion,
                        parser: responseParser,
                        payload: frame,`,
  },
];
