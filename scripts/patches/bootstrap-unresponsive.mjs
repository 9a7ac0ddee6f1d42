// @platformatic/kafka's bootstrap requests (Metadata, ApiVersions, FindCoordinator, InitProducerId …) past a broker
// that does not answer: applied by scripts/patch-dependencies.mjs with the others. Its tests:
// src/kafka/bootstrap-patches.test.ts (real listeners: refused, frozen, cut, answering in TLS; two clients),
// test/frozen-bootstrap-broker.test.ts (a frozen broker of a real cluster listed first) and
// test/frozen-first-bootstrap-server.test.ts (a new ingest connector after the startup probe found one frozen).
// The library took for each such request the first bootstrap broker it could connect to, starting from the first listed
// (each request's first attempt; FindCoordinator's every attempt). A frozen broker (SIGSTOP, a hung JVM) still accepts
// connections, the kernel does, so every Metadata call, and every lookup of a consumer's group coordinator, went to it
// first and waited request.timeout.ms (30 s) for nothing: a new sink joined no group, an ingest connector's producer
// answered 503, while the other brokers were fine. Java's NetworkClient asks its least loaded node, one with a ready
// connection first, never one whose connection just failed or timed out. The connection pools now remember, all of the
// process's pools together (keyed by host:port), the brokers whose failure was their doing: a connection refused, its
// name unresolved (ENOTFOUND, EAI_AGAIN: every client of the process gets the same DNS answer), its setup or a request
// left unanswered (a connection, SASL exchange or request timed out), its connection reset or closed by the broker
// before the broker answered on it, and offer them last for bootstrap requests (still tried when the others fail to
// connect, and in turn when all are so remembered, a lone broker too) until they answer a request on any connection of
// any pool: a client made after another found a broker frozen asks the others at once, not after its own
// request.timeout.ms. A failure of one client's own settings marks no broker for the others (as kafkajs' in
// kafkajs-seed-broker.mjs): a refused login (SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE, UNSUPPORTED_SASL_MECHANISM),
// a TLS certificate failure, a TLS handshake a PLAINTEXT listener cut ("before secure TLS connection was established"),
// an answer in TLS to a client without TLS, a connection closed after the broker answered on it (a SASL listener
// closing a client without SASL settings) or closed by the client itself. A TLS listener that accepts and closes before
// the handshake (a load balancer without a healthy backend) is not remembered: it looks like a PLAINTEXT listener.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const POOL = "node_modules/@platformatic/kafka/dist/network/connection-pool.js";
const CONNECTION = "node_modules/@platformatic/kafka/dist/network/connection.js";

// An answer clears its broker from the memory, a Set lookup only while the memory holds any broker.
const ANSWER =
  "if (this.edgeGatewayUnresponsive?.size > 0) this.edgeGatewayUnresponsive.delete(this.edgeGatewayKey); // edge-gateway patch: the broker answers, every pool offers it in line again";
const CONNECTION_KNOWS = `        connection.edgeGatewayUnresponsive = this.edgeGatewayUnresponsive; // edge-gateway patch: for its answers
        connection.edgeGatewayKey = key;`;
const ANSWER_LISTENER = "        connection.on('edgeGatewayAnswer', () => this.edgeGatewayUnresponsive.delete(key));";
/** The pool's close patch as it was when each answer was an event the pool listened to. */
const withAnswerListener = (to) => to.replace(CONNECTION_KNOWS, ANSWER_LISTENER);

/** Whether a connection's failure is the broker's doing (connection-pool.js, beside the pool). */
const BROKERS_DOING = `// edge-gateway patch: whether a connection's failure is the broker's doing, which puts it last for every pool of the
// process: its setup left unanswered (a connection, TLS handshake, SASL exchange or request timed out: a TimeoutError,
// whose instances carry the code PLT_KFK_NETWORK, its class PLT_KFK_TIMEOUT), its connection refused or its name
// unresolved, reset or closed by it before it answered on that connection (\`answered\`). A failure of the client's own
// settings is not: a refused login (its answer), a TLS certificate (a TLS alert), a TLS handshake cut by a PLAINTEXT
// listener, an answer in TLS.
const EDGE_GATEWAY_PEER_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN'];
function edgeGatewayBrokersDoing(error, answered) {
    const chain = [];
    for (let e = error; e != null && chain.length < 8; e = e.cause) chain.push(e);
    if (chain.some(e => e.constructor?.code === 'PLT_KFK_TIMEOUT')) return true;
    const cause = chain.at(-1);
    if (answered || cause == null) return false;
    if (EDGE_GATEWAY_PEER_CODES.includes(cause.code)) return !String(cause.message).includes('before secure TLS connection was established');
    return cause.code === 'PLT_KFK_NETWORK' && String(cause.message).includes('closed');
}`;

/** BROKERS_DOING as it was when a timeout was told by its instance's code (never PLT_KFK_TIMEOUT). */
const BROKERS_DOING_BY_INSTANCE_CODE = BROKERS_DOING.replace(
  `its setup left unanswered (a connection, TLS handshake, SASL exchange or request timed out: a TimeoutError,
// whose instances carry the code PLT_KFK_NETWORK, its class PLT_KFK_TIMEOUT), its connection refused or its name
// unresolved, reset or closed by it before it answered on that connection (\`answered\`). A failure of the client's own
// settings is not: a refused login (its answer), a TLS certificate (a TLS alert), a TLS handshake cut by a PLAINTEXT
// listener, an answer in TLS.`,
  `its setup left unanswered (a connection, SASL exchange or request timed out), its connection refused or its
// name unresolved, reset or closed by it before it answered on that connection (\`answered\`). A client's own settings'
// are not: a refused login (its answer), a TLS certificate, a TLS handshake cut by a PLAINTEXT listener, an answer in TLS`,
).replace("e.constructor?.code === 'PLT_KFK_TIMEOUT'", "e.code === 'PLT_KFK_TIMEOUT'");

/**
 * The pool's close patch before failures of a client's own were told apart: a failed setup (even once the broker sent
 * bytes: a TLS alert, a refused login) or a close before an answer, a close by the client too, marked the broker.
 */
const ANY_FAILURE_CLOSE = `        // edge-gateway patch: a request timed out (a frozen broker still accepts connections), a connection failed before
        // it was set up (TCP, TLS, SASL: even once the broker sent bytes) or cut before the broker answered on it puts the
        // broker last; an answer on any connection of any pool puts it back in line
        let connected = false;
        let timedOut = false;
        connection.once('connect', () => {
            connected = true;
        });
        connection.once('timeout', () => {
            timedOut = true;
            this.edgeGatewayUnresponsive.add(key);
        });
${CONNECTION_KNOWS}
        // Remove stale connections from the pool
        connection.once('close', () => {
            if (!connected || !connection.edgeGatewayDataReceived || timedOut) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch
            this.emit('disconnect', eventPayload);`;
/** Its forms before that. */
const anyFailureCloseWas = [
  withAnswerListener,
  (to) =>
    withAnswerListener(to)
      .replace(
        "an answer on any connection of any pool puts it back in line",
        "a connection set up and closed after answers, none timed out, puts it back in line",
      )
      .replace(`${ANSWER_LISTENER}\n`, "")
      .replace(
        "            if (!connected || !connection.edgeGatewayDataReceived || timedOut) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch",
        `            if (connected && connection.edgeGatewayDataReceived && !timedOut) this.edgeGatewayUnresponsive.delete(key); // edge-gateway patch
            else this.edgeGatewayUnresponsive.add(key);`,
      ),
];

/** The close patch's first form (059697cf, b8afd26f): a connection closed after answers, none timed out, cleared the memory. */
const TIMED_OUT_CLOSE = `        // edge-gateway patch: a request timed out (a frozen broker still accepts connections) or a connection cut before
        // the broker answered on it puts the broker last; one closed after answers, none timed out, back in line
        let timedOut = false;
        connection.once('timeout', () => {
            timedOut = true;
            this.edgeGatewayUnresponsive.add(key);
        });
        // Remove stale connections from the pool
        connection.once('close', () => {
            if (timedOut || !connection.edgeGatewayDataReceived) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch
            else this.edgeGatewayUnresponsive.delete(key);
            this.emit('disconnect', eventPayload);`;

export const bootstrapUnresponsivePatches = [
  {
    file: POOL,
    from: `let currentInstance = 0;
export class ConnectionPool extends TypedEventEmitter {`,
    to: `let currentInstance = 0;
${BROKERS_DOING}
export class ConnectionPool extends TypedEventEmitter {`,
    // Earlier, a timeout was told by its instance's code, which is PLT_KFK_NETWORK: a connection's own timer was missed.
    was: [(to) => to.replace(BROKERS_DOING, BROKERS_DOING_BY_INSTANCE_CODE)],
  },
  {
    file: CONNECTION,
    from: `    #onRequestTimeout(request) {
        request.timedOut = true;
        this.#inflightRequests.delete(request.correlationId);`,
    to: `    #onRequestTimeout(request) {
        request.timedOut = true;
        this.emit('timeout'); // edge-gateway patch: its pool offers the broker last for bootstrap requests
        this.#inflightRequests.delete(request.correlationId);`,
  },
  {
    file: CONNECTION,
    from: `            this.#inflightRequests.delete(correlationId);
            const { apiKey, apiVersion, hasResponseHeaderTaggedFields, parser, callback, timedOut } = request;`,
    to: `            this.#inflightRequests.delete(correlationId);
            ${ANSWER}
            const { apiKey, apiVersion, hasResponseHeaderTaggedFields, parser, callback, timedOut } = request;`,
    // Earlier, every answer was an event its pool's listener cleared the memory on.
    was: [(to) => to.replace(ANSWER, "this.emit('edgeGatewayAnswer'); // edge-gateway patch: the broker answers, its pool offers it in line again")],
  },
  {
    file: POOL,
    from: `        this.#connections = new Map();
        this.#connectionOptions = connectionOptions;`,
    to: `        this.#connections = new Map();
        // edge-gateway patch: host:port of brokers offered last, see getFirstAvailable; one set for every pool of the process
        this.edgeGatewayUnresponsive = (ConnectionPool.edgeGatewayUnresponsive ??= new Set());
        this.#connectionOptions = connectionOptions;`,
    // Earlier, each pool had a memory of its own.
    was: [
      (to) =>
        to.replace(
          `        // edge-gateway patch: host:port of brokers offered last, see getFirstAvailable; one set for every pool of the process
        this.edgeGatewayUnresponsive = (ConnectionPool.edgeGatewayUnresponsive ??= new Set());`,
          "        this.edgeGatewayUnresponsive = new Set(); // edge-gateway patch: host:port of brokers offered last, see getFirstAvailable",
        ),
      // its first form (059697cf, b8afd26f) named #get
      () => `        this.#connections = new Map();
        this.edgeGatewayUnresponsive = new Set(); // edge-gateway patch: host:port of brokers offered last, see #get
        this.#connectionOptions = connectionOptions;`,
    ],
  },
  {
    file: POOL,
    from: `            callback = createPromisifiedCallback();
        }
        connectionsPoolGetsChannel.traceCallback(this.#getFirstAvailable, 3,`,
    to: `            callback = createPromisifiedCallback();
        }
        // edge-gateway patch: brokers that failed a connection or left a request unanswered last, as Java's leastLoadedNode
        const unresponsive = ({ host, port }) => this.edgeGatewayUnresponsive.has(\`\${host}:\${port}\`);
        brokers = [...brokers.filter(broker => !unresponsive(broker)), ...brokers.filter(unresponsive)];
        connectionsPoolGetsChannel.traceCallback(this.#getFirstAvailable, 3,`,
    // Earlier, a broker answering on the pool's connection open now was offered in line (its memory cleared on close).
    was: [
      (to) =>
        to.replace(
          `leastLoadedNode
        const unresponsive = ({ host, port }) => this.edgeGatewayUnresponsive.has(\`\${host}:\${port}\`);`,
          `leastLoadedNode,
        // unless answering on a connection open now
        const unresponsive = ({ host, port }) => {
            const connection = this.#connections.get(\`\${host}:\${port}\`);
            return this.edgeGatewayUnresponsive.has(\`\${host}:\${port}\`) && !(connection?.isConnected() && connection.edgeGatewayDataReceived);
        };`,
        ),
    ],
  },
  {
    file: POOL,
    from: `            if (error) {
                this.#connections.delete(key);
                this.emit('failed', eventPayload);`,
    to: `            if (error) {
                if (edgeGatewayBrokersDoing(error, connection.edgeGatewayDataReceived)) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch
                this.#connections.delete(key);
                this.emit('failed', eventPayload);`,
    // Earlier, any failure of a connection's setup marked its broker.
    was: [
      (to) =>
        to.replace(
          "if (edgeGatewayBrokersDoing(error, connection.edgeGatewayDataReceived)) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch",
          "this.edgeGatewayUnresponsive.add(key); // edge-gateway patch",
        ),
    ],
  },
  {
    file: POOL,
    from: `        // Remove stale connections from the pool
        connection.once('close', () => {
            this.emit('disconnect', eventPayload);`,
    to: `        // edge-gateway patch: a request or the connection's setup timed out (a frozen broker still accepts connections) or
        // a connection set up and cut by the broker before it answered on it puts the broker last (a failed setup: see
        // edgeGatewayBrokersDoing), not one the client closed nor one failed by a socket error of the client's own (an
        // mTLS listener's alert for a missing certificate, TLS 1.3: after the handshake); an answer on any connection of
        // any pool puts it back in line
        let connected = false;
        let closing = false;
        connection.once('connect', () => {
            connected = true;
        });
        connection.once('closing', () => {
            closing = true;
        });
        connection.once('timeout', () => {
            this.edgeGatewayUnresponsive.add(key);
        });
${CONNECTION_KNOWS}
        // Remove stale connections from the pool
        connection.once('close', () => {
            const socketError = connection.edgeGatewaySocketError; // edge-gateway patch
            if (connected && !closing && (socketError ? edgeGatewayBrokersDoing(socketError, connection.edgeGatewayDataReceived) : !connection.edgeGatewayDataReceived)) this.edgeGatewayUnresponsive.add(key);
            this.emit('disconnect', eventPayload);`,
    // Earlier, a close after a socket error marked the broker like any other before an answer; before, any failure
    // marked it; before, an event on every answer cleared the memory (the pool's listener); before that, a connection
    // that had answered cleared it when it closed, none of its requests timed out.
    was: [
      (to) =>
        to
          .replace(
            `not one the client closed nor one failed by a socket error of the client's own (an
        // mTLS listener's alert for a missing certificate, TLS 1.3: after the handshake); an answer on any connection of
        // any pool puts it back in line`,
            "not one the client closed; an answer on any connection of any pool puts it back in line",
          )
          .replace(
            `            const socketError = connection.edgeGatewaySocketError; // edge-gateway patch
            if (connected && !closing && (socketError ? edgeGatewayBrokersDoing(socketError, connection.edgeGatewayDataReceived) : !connection.edgeGatewayDataReceived)) this.edgeGatewayUnresponsive.add(key);`,
            "            if (connected && !connection.edgeGatewayDataReceived && !closing) this.edgeGatewayUnresponsive.add(key); // edge-gateway patch",
          ),
      () => ANY_FAILURE_CLOSE,
      ...anyFailureCloseWas.map((form) => () => form(ANY_FAILURE_CLOSE)),
      () => TIMED_OUT_CLOSE,
    ],
  },
];
