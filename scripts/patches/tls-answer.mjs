// The patches for a client without TLS answered in TLS, kafkajs' patch 19 and @platformatic/kafka's "Broker requires
// TLS.", applied by scripts/patch-dependencies.mjs with the others. Their tests:
// test/kafka-listener-tls-plaintext-client.test.ts (real brokers) and src/kafka/dependency-patches.test.ts.
//  19. its connection without TLS (security.protocol=PLAINTEXT) to a TLS listener read the broker's alert as the size
//      of an answer (336 MB) and waited for it until the broker closed the connection ("Closed connection"); a TLS
//      record as a connection's first bytes now fails it at once as a lost connection (retried, as Java's client
//      retries the disconnection) whose message says the listener may be TLS.
// @platformatic/kafka's connection without TLS that read a TLS record (a TLS listener's alert) failed
// with a UserError ("Broker requires TLS."), which no retry cures, so a task failed for good; Java's
// client retries it as a disconnection: it is a retriable NetworkError now, which says the listener may be TLS. Before
// a SASL login (SASL_PLAINTEXT) the probe of SaslAuthenticate's version met that error, which the library ignored, and
// its SaslHandshake on the closed socket failed the connection as "Cannot find a suitable SASL mechanism.": the
// probe's lost connection fails it now, with the TLS answer's message.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

/**
 * Why a client without TLS read a TLS record (a handshake's alert: 0x15 0x03 0x03 …) where a Kafka answer's size was
 * expected: the listener is TLS. Java's client reads those bytes as the size of an answer (336 MB, KAFKA-4090), the
 * broker closes the connection and the client retries it as a disconnection; both libraries' errors say why.
 */
export const TLS_ANSWER =
  "the broker answered in TLS: its listener may be TLS (security.protocol=PLAINTEXT or SASL_PLAINTEXT against an SSL or SASL_SSL listener)";

/**
 * kafkajs' connection without TLS whose first bytes are a TLS record (no Kafka answer is 335 MB or more, least of all
 * the first): a lost connection, retried as Java's client retries it, that says why. In the onData its earlier form
 * (`was`) patched.
 */
const KAFKAJS_TLS_ANSWER = `        if (!dataReceived && !this.ssl && data.length >= 3 && data[0] >= 0x14 && data[0] <= 0x17 && data[1] === 3 && data[2] <= 4) {
          dataReceived = true // edge-gateway patch: a TLS record, no Kafka answer
          onError(new Error('${TLS_ANSWER}'))
          return
        }
`;

const PLATFORMATIC_CONNECTION = "node_modules/@platformatic/kafka/dist/network/connection.js";

export const tlsAnswerPatches = [
  {
    file: "node_modules/kafkajs/src/network/connection.js",
    from: `      const onData = data => {
        this.processData(data)
      }`,
    to: `      let dataReceived = false // edge-gateway patch: an SSL alert after the broker's first bytes is no refused handshake
      const onData = data => {
${KAFKAJS_TLS_ANSWER}        dataReceived = true
        this.processData(data)
      }`,
    was: [(to) => to.replace(KAFKAJS_TLS_ANSWER, "")],
  },
  {
    file: PLATFORMATIC_CONNECTION,
    from: `                const error = new UserError('Broker requires TLS.');`,
    // edge-gateway patch: a TLS listener answering a client without TLS is a lost connection Java's client retries
    // (a disconnection), not a UserError no retry cures, which failed a sink or source task for good
    to: `                const error = new NetworkError(\`Connection to \${this.#host}:\${this.#port} failed: ${TLS_ANSWER}\`); // edge-gateway patch: retriable`,
  },
  {
    file: PLATFORMATIC_CONNECTION,
    from: `        apiVersionsV1.api(this, clientSoftwareName, clientSoftwareVersion, (error, response) => {
            let selected;
`,
    // edge-gateway patch: the probe for SaslAuthenticate's version before a SASL login that lost its connection (a TLS
    // listener's answer to SASL_PLAINTEXT, a broker restarting) fails the connection with that network error, whose
    // message the operator then reads and which Java's client retries as a disconnection; the library went on to a
    // SaslHandshake on the closed socket, reported as "Cannot find a suitable SASL mechanism." (cause: Connection closed)
    to: `        apiVersionsV1.api(this, clientSoftwareName, clientSoftwareVersion, (error, response) => {
            if (error?.code === NetworkError.code) {
                callback(undefined, error); // edge-gateway patch: the connection is lost, no SASL login on it
                return;
            }
            let selected;
`,
  },
  {
    file: PLATFORMATIC_CONNECTION,
    from: `        this.#negotiateSaslAuthenticate(saslAuthenticate => {
`,
    to: `        this.#negotiateSaslAuthenticate((saslAuthenticate, lost) => {
            if (lost) {
                this.#onConnectionError(host, port, diagnosticContext, lost); // edge-gateway patch: the probe's lost connection
                return;
            }
`,
  },
];
