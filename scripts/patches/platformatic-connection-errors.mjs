// @platformatic/kafka's connection errors, applied by scripts/patch-dependencies.mjs with the others: a socket error
// after the TLS handshake (TLS 1.3: a broker that requires a client certificate sends its alert then) failed the
// requests in flight with a bare "Connection closed"; the socket's error is kept as their cause, so the gateway names
// the refused handshake (src/kafka/access-errors.ts), and the broker as theirs, so a connection Kafka cut is named
// (src/kafka/platformatic/errors.ts), as is the broker of a request made on a connection already closed and of a
// request that timed out (that of a connection closed while a request waited for it to be ready: sasl-login-closed.mjs).
// Only before the broker's first bytes, as Java's SslTransportLayer (POST_HANDSHAKE): an alert
// on a connection that carried answers (a corrupted record: bad_record_mac) is a lost connection. Their tests:
// src/kafka/dependency-patches.test.ts ("@platformatic/kafka patch"), src/kafka/platformatic/errors.test.ts and
// test/kafka-broker-mtls.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticConnectionErrorsPatches = [
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `    #onError(error) {
        clearTimeout(this.#reauthenticationTimeout);`,
    to: `    #onError(error) {
        this.edgeGatewaySocketError = error; // edge-gateway patch: kept for the requests the close fails
        clearTimeout(this.#reauthenticationTimeout);`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `        this.emit('close');
        const error = new NetworkError('Connection closed');`,
    // edge-gateway patch: a request failed by the close keeps the socket's error (a broker's TLS alert) as its cause,
    // and names the broker (as the connection pool's errors do): the error of a cut connection says which one
    to: `        this.emit('close');
        const error = new NetworkError('Connection closed', { broker: { host: this.#host, port: this.#port }, cause: this.edgeGatewaySocketError });`,
    was: [
      (to) =>
        to.replace(
          "{ broker: { host: this.#host, port: this.#port }, cause: this.edgeGatewaySocketError }",
          "this.edgeGatewaySocketError ? { cause: this.edgeGatewaySocketError } : {}",
        ),
    ],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `                request.callback(new NetworkError('Connection closed'), undefined);`,
    // edge-gateway patch: a request made on a connection already closed fails as the requests its close failed
    to: `                request.callback(new NetworkError('Connection closed', { broker: { host: this.#host, port: this.#port }, cause: this.edgeGatewaySocketError }), undefined); // edge-gateway patch: as its close's`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `        request.callback(new TimeoutError('Request timed out', { canRetry: true }), null);`,
    // edge-gateway patch: a request its broker did not answer names that broker, as a cut connection's error does
    to: `        request.callback(new TimeoutError('Request timed out', { canRetry: true, broker: { host: this.#host, port: this.#port } }), null); // edge-gateway patch: names its broker`,
  },
  {
    // Applied after the #onError patch above, whose text it keeps whole (an install patched before is patched on).
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `        this.edgeGatewaySocketError = error; // edge-gateway patch: kept for the requests the close fails
        clearTimeout(this.#reauthenticationTimeout);
        this.emit('error', new NetworkError('Connection error', { cause: error }));`,
    to: `        this.edgeGatewaySocketError = error; // edge-gateway patch: kept for the requests the close fails
        clearTimeout(this.#reauthenticationTimeout);
        if (this.edgeGatewayDataReceived) this.edgeGatewaySocketError = undefined; // edge-gateway patch: not once the broker answered
        this.emit('error', new NetworkError('Connection error', { cause: error }));`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/network/connection.js",
    from: `    #onData(chunk) {
        if (this.#detectMissingTLS) {`,
    to: `    #onData(chunk) {
        this.edgeGatewayDataReceived = true; // edge-gateway patch: a later socket error is not a refused handshake
        if (this.#detectMissingTLS) {`,
  },
];
