// @platformatic/kafka's SaslHandshake that the broker did not answer within the request timeout: applied by
// scripts/patch-dependencies.mjs with the others. Its test: src/kafka/dependency-patches.test.ts (a real TCP listener
// that answers ApiVersions, reads the SaslHandshake and never answers it).
// The library failed the connection with "Cannot find a suitable SASL mechanism." (its cause "Request timed out"), as if
// the broker had refused the mechanism; it says the SASL handshake timed out now, still a retriable network error, as
// Java's client reconnects after a request timeout.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const saslHandshakeTimeoutPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `                    this.#onConnectionError(host, port, diagnosticContext, new AuthenticationError('Cannot find a suitable SASL mechanism.', { cause: error }));`,
    to: `                    this.#onConnectionError(host, port, diagnosticContext, error instanceof TimeoutError
                        ? new TimeoutError('the SASL handshake timed out', { canRetry: true, cause: error }) // edge-gateway patch
                        : new AuthenticationError('Cannot find a suitable SASL mechanism.', { cause: error }));`,
  },
];
