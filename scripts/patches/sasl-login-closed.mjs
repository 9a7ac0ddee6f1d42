// @platformatic/kafka's connection closed in its SASL login (a broker restarting, a proxy cutting it): applied by
// scripts/patch-dependencies.mjs with the others. Its tests: test/kafka-sasl-interrupted.test.ts (a real broker behind
// a proxy that cuts the connection at the SaslHandshake request, and at the SaslAuthenticate one) and
// src/kafka/dependency-patches.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const CONNECTION = "node_modules/@platformatic/kafka/dist/network/connection.js";

export const saslLoginClosedPatches = [
  {
    file: CONNECTION,
    from: `    #onClose() {
        this.#status = ConnectionStatuses.CLOSED;`,
    to: `    #onClose() {
        this.edgeGatewayClosedInSasl = this.#status === ConnectionStatuses.AUTHENTICATING; // edge-gateway patch: see ready()
        this.#status = ConnectionStatuses.CLOSED;`,
  },
  {
    file: CONNECTION,
    from: `            callback(new NetworkError('Connection closed while waiting for ready.'));`,
    // edge-gateway patch: a connection closed in its SASL login says so, still a network error retried as Java's
    // client retries a connection "terminated during authentication"; the library said "Connection closed while
    // waiting for ready.", and its SaslHandshake failed by the close "Cannot find a suitable SASL mechanism."
    // Either names its broker (as a cut connection's "Connection closed" does): src/kafka/platformatic/errors.ts
    // words the other "Connection to <host:port> closed while waiting for ready" (p3h).
    to: `            callback(new NetworkError(this.edgeGatewayClosedInSasl
                ? \`Connection to \${this.#host}:\${this.#port} closed during the SASL handshake or authentication.\`
                : 'Connection closed while waiting for ready.', { broker: this.#host ? { host: this.#host, port: this.#port } : undefined }));`,
    was: [(to) => to.replace(", { broker: this.#host ? { host: this.#host, port: this.#port } : undefined }));", "));")],
  },
];
