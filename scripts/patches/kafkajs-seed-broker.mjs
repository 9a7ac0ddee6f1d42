// kafkajs' seed broker and bootstrap requests past a broker that does not answer: applied by scripts/patch-dependencies.mjs
// with the others, as @platformatic/kafka's in bootstrap-unresponsive.mjs. Its tests: src/kafka/kafkajs/seed-broker-patch.test.ts
// (real listeners: frozen, answering, thawed) and test/frozen-bootstrap-broker.test.ts (a frozen broker of a real cluster listed first).
// kafkajs took a client's seed broker from bootstrap.servers in turn, from the first listed, and moved to the next only
// when the connection failed. A frozen broker (SIGSTOP, a hung JVM) accepts connections, the kernel does: its ApiVersions
// timed out, the retry found the seed still connected and went on without it, so every later request of the client
// failed ("Broker not connected") while the broker stayed frozen. A seed whose ApiVersions timed out or whose connection
// closed unanswered is now left as one that refused it, and the process remembers the brokers whose connection failed
// by their doing (refused, its name unresolved, timed out, reset or closed by the broker before it answered on it) or
// whose request or SASL login went unanswered (timed out, its connection lost), and its clients ask them last (one memory for every kafkajs cluster, as @platformatic/kafka's pools share one in
// bootstrap-unresponsive.mjs: the gateway's kafkajs consumer looks its topics up, waits for them, connects and finds its
// start positions through four clusters of its own, and each one with a memory of its own waited out the frozen broker
// again, four request.timeout.ms before its first delivery where the default client waits one): the next seed is the
// next listed broker not so remembered, a Metadata request or a coordinator lookup asks the others first (still asked
// when the others cannot be reached), as Java's NetworkClient asks its least loaded node, until the broker answers a
// request of any client again. A broker is remembered by the host:port it was reached at: its bootstrap.servers
// entry and its advertised listener, when they differ (a DNS name and an IP, a load balancer), are two entries, so a
// broker that failed as a seed is still asked first as a broker of the metadata (and the other way round) until it
// fails there too. A failure of the client's own is no broker's: a socket refused by the gateway (a forcibly closed
// producer's, EPRODUCERSTOPPED; a closed admin's, EADMINCLOSED), "Not connected" after the client's own disconnect, a
// TLS certificate, TLS handshake or SASL failure (one connector's wrong settings, a refused login), a connection the
// broker closed after answering on it (a SASL listener closing a client without SASL settings; a broker that shut down
// refuses the next connection) mark no broker for the other clients. A TLS listener that accepts and closes before the
// handshake (a load balancer without a healthy backend) is not remembered: it looks like a PLAINTEXT listener.
// The seed left unanswered has its sockets destroyed: kafkajs' disconnect half-closes them (end), which
// a frozen broker never completes, so each seed change held its connection open.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const BUILDER = "node_modules/kafkajs/src/cluster/connectionPoolBuilder.js";
const BROKER_POOL = "node_modules/kafkajs/src/cluster/brokerPool.js";
const BROKER = "node_modules/kafkajs/src/broker/index.js";
const CONNECTION = "node_modules/kafkajs/src/network/connection.js";

/** Which failures mark a broker for every client (connectionPoolBuilder.js, beside the memory). */
const BROKERS_DOING = `  // edge-gateway patch: whether a failure is the broker's doing, which puts it last for every client: a request or a
  // connection's setup left unanswered, its connection refused or its name unresolved (every client of the process gets
  // the same DNS answer), its connection reset or closed by it before it answered on that connection (\`afterAnswer\`:
  // a live broker closing it, a SASL listener refusing a client without SASL; one that shut down refuses the next
  // connect). A SASL failure is its cause's (a SaslAuthenticate timed out, not a refused login). A client's own is not: a
  // socket the gateway refused (EPRODUCERSTOPPED, EADMINCLOSED), "Not connected" after the client's own disconnect, a TLS
  // certificate, a TLS handshake cut by the listener (a PLAINTEXT one: the client's settings are wrong)
  const PEER_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN']
  const brokersDoing = e =>
    e.name === 'KafkaJSSASLAuthenticationError'
      ? e.cause != null && brokersDoing(e.cause)
      : e.name === 'KafkaJSRequestTimeoutError' ||
        (!e.afterAnswer &&
          (e.name === 'KafkaJSConnectionClosedError' ||
            (e.name === 'KafkaJSConnectionError' &&
              (e.message === 'Connection timeout' ||
                (PEER_CODES.includes(e.code) && !String(e.message).includes('before secure TLS connection was established'))))))`;

/** The classification before a SASL failure's cause, a closed connection after an answer and names unresolved counted. */
const unclassifiedSaslForm = (to) =>
  to.replace(
    BROKERS_DOING,
    `  // edge-gateway patch: whether a failure is the broker's doing, which puts it last for every client: a request or a
  // connection's setup left unanswered, its connection refused, reset or closed by the broker. A client's own is not: a
  // socket the gateway refused (EPRODUCERSTOPPED, EADMINCLOSED), "Not connected" after the client's own disconnect, a TLS
  // certificate or SASL failure, a TLS handshake cut by the listener (a PLAINTEXT one: the client's settings are wrong)
  const PEER_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']
  const brokersDoing = e =>
    e.name === 'KafkaJSRequestTimeoutError' ||
    e.name === 'KafkaJSConnectionClosedError' ||
    (e.name === 'KafkaJSConnectionError' &&
      (e.message === 'Connection timeout' ||
        e.message === 'Connection closed by the server' ||
        (PEER_CODES.includes(e.code) && !String(e.message).includes('before secure TLS connection was established'))))`,
  );

/** The memory's form before failures of the client's own were told apart: any failure marked the broker. */
const anyFailureForm = (to) =>
  to.replace(`${BROKERS_DOING}\n`, "").replace("each pool's `answered` and `failed`;", "each pool's `answered`;");

/** The form before that: each cluster (each connection pool builder) had a memory of its own. */
const ownMemoryForm = (to) =>
  to.replace(
    `: set by each pool's \`answered\`; one set for every
  // cluster of the process (a consumer's, its look-ups', an admin's), as @platformatic/kafka's pools share theirs
  const unresponsive = (ConnectionPool.edgeGatewayUnresponsive ??= new Set())`,
    `: set by each pool's \`answered\`
  const unresponsive = new Set()`,
  );

/** The pool's form when \`answered\` took whether the broker answered (no \`failed\`: any failure marked it). */
const answeredOrNotForm = (to) =>
  to.replace(
    `      // edge-gateway patch: the broker answered a request (a broker's error too): back in line for every client; a
      // request or connection failed: last for every client when it is the broker's doing (brokersDoing)
      pool.brokerKey = \`\${host}:\${port}\`
      pool.answered = () => unresponsive.delete(pool.brokerKey)
      pool.failed = e => brokersDoing(e) && unresponsive.add(pool.brokerKey)`,
    `      // edge-gateway patch: whether the broker answered a request (a broker's error too) or left it unanswered (its
      // connection failed, the request timed out)
      pool.brokerKey = \`\${host}:\${port}\`
      pool.answered = answered => (answered ? unresponsive.delete(pool.brokerKey) : unresponsive.add(pool.brokerKey))`,
  );

/** The form before that (its first, 232fff69): the pool's host:port key built at each call. */
const keyAtEachCallForm = (to) =>
  to
    .replace(
      `      pool.brokerKey = \`\${host}:\${port}\`
      pool.answered = answered => (answered ? unresponsive.delete(pool.brokerKey) : unresponsive.add(pool.brokerKey))`,
      `      pool.answered = answered => (answered ? unresponsive.delete(\`\${host}:\${port}\`) : unresponsive.add(\`\${host}:\${port}\`))`,
    )
    .replace(
      "isUnresponsive: pool => unresponsive.has(pool.brokerKey),",
      "isUnresponsive: ({ host, port }) => unresponsive.has(\`\${host}:\${port}\`),",
    );

/** The seed's retry before the seed left unanswered had its sockets destroyed (its first form, 232fff69). */
const seedKeptOpenForm = (to) =>
  to
    .replace("          const left = unanswered ? this.seedBroker : undefined // edge-gateway patch\n", "")
    .replace(
      `
          // edge-gateway patch: its disconnect half-closed its sockets (end), which a frozen broker never completes
          left?.connectionPool.map(c => c.socket?.destroy())`,
      "",
    );

export const kafkajsSeedBrokerPatches = [
  {
    file: BUILDER,
    from: `  let index = 0

  const isValidBroker`,
    to: `  let index = 0
  // edge-gateway patch: host:port of the brokers whose connection failed or whose request went unanswered, asked last
  // (the seed, Metadata, coordinator lookups) until they answer: set by each pool's \`answered\` and \`failed\`; one set for every
  // cluster of the process (a consumer's, its look-ups', an admin's), as @platformatic/kafka's pools share theirs
  const unresponsive = (ConnectionPool.edgeGatewayUnresponsive ??= new Set())
  const keyOf = broker => \`\${broker.split(':')[0]}:\${Number(broker.split(':')[1])}\`
${BROKERS_DOING}

  const isValidBroker`,
    // Earlier, any failure marked the broker, a client's own too; before that, each cluster had a memory of its own: a
    // consumer's start, whose look-ups are clusters of their own, waited out the frozen broker four times.
    was: [unclassifiedSaslForm, anyFailureForm, (to) => ownMemoryForm(anyFailureForm(to))],
  },
  {
    file: BUILDER,
    from: `        const randomBroker = list[index++ % list.length]`,
    to: `        // edge-gateway patch: the next listed broker not unresponsive, else the next listed
        const next = list.map((_, i) => list[(index + i) % list.length])
        const randomBroker = next.find(broker => !unresponsive.has(keyOf(broker))) ?? next[0]
        index += next.indexOf(randomBroker) + 1`,
  },
  {
    file: BUILDER,
    from: `      return new ConnectionPool({
        host,`,
    to: `      const pool = new ConnectionPool({ // edge-gateway patch: see \`answered\` below
        host,`,
  },
  {
    file: BUILDER,
    from: `        reauthenticationThreshold,
      })
    },
  }
}`,
    to: `        reauthenticationThreshold,
      })
      // edge-gateway patch: the broker answered a request (a broker's error too): back in line for every client; a
      // request or connection failed: last for every client when it is the broker's doing (brokersDoing)
      pool.brokerKey = \`\${host}:\${port}\`
      pool.answered = () => unresponsive.delete(pool.brokerKey)
      pool.failed = e => brokersDoing(e) && unresponsive.add(pool.brokerKey)
      return pool
    },
    isUnresponsive: pool => unresponsive.has(pool.brokerKey), // edge-gateway patch
  }
}`,
    // Earlier, \`answered\` took whether the broker answered; before that, the pool's key was built at each call.
    was: [answeredOrNotForm, (to) => keyAtEachCallForm(answeredOrNotForm(to))],
  },
  {
    file: BROKER,
    from: `      await connection.authenticate()
    } finally {
      await this.lock.release()
    }`,
    to: `      await connection.authenticate()
    } catch (e) {
      this.connectionPool.failed?.(e) // edge-gateway patch: a connection that failed (TCP, TLS, SASL, ApiVersions)
      throw e
    } finally {
      await this.lock.release()
    }`,
    was: [(to) => to.replace("this.connectionPool.failed?.(e)", "this.connectionPool.answered?.(false)")],
  },
  {
    file: BROKER,
    from: `  async [PRIVATE.SEND_REQUEST](protocolRequest) {
    try {
      return await this.connectionPool.send(protocolRequest)
    } catch (e) {`,
    to: `  async [PRIVATE.SEND_REQUEST](protocolRequest) {
    try {
      const answer = await this.connectionPool.send(protocolRequest)
      this.connectionPool.answered?.() // edge-gateway patch: back in line for bootstrap requests
      return answer
    } catch (e) {
      // edge-gateway patch: an error answer is an answer; a request timed out or its connection failed puts the broker
      // last when it is the broker's doing (connectionPoolBuilder's brokersDoing)
      if (e.name === 'KafkaJSProtocolError') this.connectionPool.answered?.()
      else this.connectionPool.failed?.(e)`,
    was: [
      (to) =>
        to.replace(
          `      this.connectionPool.answered?.() // edge-gateway patch: back in line for bootstrap requests
      return answer
    } catch (e) {
      // edge-gateway patch: an error answer is an answer; a request timed out or its connection failed puts the broker
      // last when it is the broker's doing (connectionPoolBuilder's brokersDoing)
      if (e.name === 'KafkaJSProtocolError') this.connectionPool.answered?.()
      else this.connectionPool.failed?.(e)`,
          `      this.connectionPool.answered?.(true) // edge-gateway patch: back in line for bootstrap requests
      return answer
    } catch (e) {
      // edge-gateway patch: a request timed out or its connection failed puts the broker last; an error answer is one
      if (e.name === 'KafkaJSProtocolError') this.connectionPool.answered?.(true)
      else if (e.name === 'KafkaJSRequestTimeoutError' || String(e.name).startsWith('KafkaJSConnection')) this.connectionPool.answered?.(false)`,
        ),
    ],
  },
  {
    // A connection closed or failed after the broker answered on it (onData's \`dataReceived\`, tls-answer.mjs): a live
    // broker's doing, which marks no broker (brokersDoing).
    file: CONNECTION,
    from: `          this.rejectRequests(
            new KafkaJSConnectionClosedError('Closed connection', {
              host: this.host,
              port: this.port,
            })
          )`,
    to: `          const closed = new KafkaJSConnectionClosedError('Closed connection', {
            host: this.host,
            port: this.port,
          })
          closed.afterAnswer = dataReceived // edge-gateway patch: the broker answered on it (kafkajs-seed-broker.mjs)
          this.rejectRequests(closed)`,
  },
  {
    file: CONNECTION,
    from: `        this.logError(error.message, { stack: e.stack })
        this.rejectRequests(error)`,
    to: `        this.logError(error.message, { stack: e.stack })
        error.afterAnswer = dataReceived // edge-gateway patch: the broker answered on it (kafkajs-seed-broker.mjs)
        this.rejectRequests(error)`,
  },
  {
    file: BROKER_POOL,
    from: `      (this.seedBroker ? this.seedBroker.isConnected() : false)
    )
  }

  async createSeedBroker() {`,
    to: `      (this.seedBroker ? this.seedBroker.isConnected() : false)
    )
  }

  // edge-gateway patch: a broker asked last for bootstrap requests (connectionPoolBuilder's \`unresponsive\`)
  unresponsive(nodeId) {
    return this.connectionPoolBuilder.isUnresponsive?.(this.brokers[nodeId].connectionPool) ?? false
  }

  // edge-gateway patch: node ids, those of brokers asked last at the end
  inLine(nodeIds) {
    return [...nodeIds.filter(id => !this.unresponsive(id)), ...nodeIds.filter(id => this.unresponsive(id))]
  }

  async createSeedBroker() {`,
  },
  {
    file: BROKER_POOL,
    from: `        if (e.name === 'KafkaJSConnectionError' || e.type === 'ILLEGAL_SASL_STATE') {
          // Connection builder will always rotate the seed broker
          await this.createSeedBroker()`,
    // edge-gateway patch: a seed whose ApiVersions timed out (a frozen broker accepts connections) or whose connection
    // closed unanswered is left too: kept, its retry found it connected and went on without its ApiVersions
    to: `        const unanswered = e.name === 'KafkaJSRequestTimeoutError' || e.name === 'KafkaJSConnectionClosedError' // edge-gateway patch
        if (e.name === 'KafkaJSConnectionError' || e.type === 'ILLEGAL_SASL_STATE' || unanswered) {
          // Connection builder will always rotate the seed broker (edge-gateway patch: to one that answers first)
          const left = unanswered ? this.seedBroker : undefined // edge-gateway patch
          await this.createSeedBroker()
          // edge-gateway patch: its disconnect half-closed its sockets (end), which a frozen broker never completes
          left?.connectionPool.map(c => c.socket?.destroy())`,
    was: [seedKeptOpenForm],
  },
  {
    file: BROKER_POOL,
    from: `    const nodeIds = shuffle(keys(this.brokers))
    const connectedBrokerId = nodeIds.find(nodeId => this.brokers[nodeId].isConnected())`,
    to: `    // edge-gateway patch: brokers asked last (a frozen one stays connected) tried after the others
    const nodeIds = this.inLine(shuffle(keys(this.brokers)))
    const connectedBrokerId = nodeIds.find(nodeId => this.brokers[nodeId].isConnected() && !this.unresponsive(nodeId))`,
  },
  {
    file: BROKER_POOL,
    from: `    const brokers = shuffle(keys(this.brokers))
    if (brokers.length === 0) {`,
    to: `    const brokers = this.inLine(shuffle(keys(this.brokers))) // edge-gateway patch: those asked last at the end
    if (brokers.length === 0) {`,
  },
];
