// kafkajs' patches 4 and 5, and its broker's "not connected", applied by scripts/patch-dependencies.mjs with the
// others: errors that say what failed and whether it is retriable.
//   - a request on a broker whose connection is not set up threw a plain Error ('Broker not connected'), which the
//     runtime takes as fatal; it is a KafkaJSConnectionError (retriable) now;
//   4. findGroupCoordinatorMetadata dropped the broker's refusal (GROUP_AUTHORIZATION_FAILED: an ACL denies the group)
//      for a bare "Failed to find group coordinator"; it is kept as the cause, so the gateway maps it to Java's
//      GroupAuthorizationException (src/kafka/access-errors.ts);
//   5. its PLAIN and SCRAM authenticators turned any failure of the exchange into a bare
//      KafkaJSSASLAuthenticationError, a connection cut mid-exchange (a broker restarting) as much as a refused
//      password; the failure is kept as the cause, so the gateway retries a cut connection as Java's clients do and
//      stops only for a refusal (src/kafka/kafkajs/errors.ts).
// Their tests: src/kafka/dependency-patches.test.ts ("kafkajs broker patch", "kafkajs group coordinator patch",
// "kafkajs SASL authenticator patch") and src/kafka/kafkajs/errors.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsErrorCausesPatches = [
  {
    file: "node_modules/kafkajs/src/broker/index.js",
    from: `const { KafkaJSNonRetriableError } = require('../errors')`,
    to: `const { KafkaJSNonRetriableError, KafkaJSConnectionError } = require('../errors')`,
  },
  {
    file: "node_modules/kafkajs/src/broker/index.js",
    from: `  throw new Error('Broker not connected')`,
    to: `  // edge-gateway patch: a connection error (retriable), not a plain Error the runtime takes as fatal
  throw new KafkaJSConnectionError('Broker not connected')`,
  },
  {
    file: "node_modules/kafkajs/src/cluster/index.js",
    from: `  async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {
    const brokerMetadata = await this.brokerPool.withBroker(async ({ nodeId, broker }) => {`,
    to: `  async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {
    let refusal // edge-gateway patch: the broker's answer (GROUP_AUTHORIZATION_FAILED) kept as the cause
    const brokerMetadata = await this.brokerPool.withBroker(async ({ nodeId, broker }) => {`,
  },
  {
    file: "node_modules/kafkajs/src/cluster/index.js",
    from: `          bail(e)
        }
      })
    })

    if (brokerMetadata) {
      return brokerMetadata
    }

    throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator')`,
    to: `          refusal = e // edge-gateway patch
          bail(e)
        }
      })
    })

    if (brokerMetadata) {
      return brokerMetadata
    }

    throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator', { cause: refusal })`,
  },
  {
    file: "node_modules/kafkajs/src/broker/saslAuthenticator/plain.js",
    from: `        const error = new KafkaJSSASLAuthenticationError(
          \`SASL PLAIN authentication failed: \${e.message}\`
        )`,
    to: `        const error = new KafkaJSSASLAuthenticationError(
          \`SASL PLAIN authentication failed: \${e.message}\`,
          { cause: e } // edge-gateway patch: a cut connection stays visible
        )`,
  },
  {
    file: "node_modules/kafkajs/src/broker/saslAuthenticator/scram.js",
    from: `      const error = new KafkaJSSASLAuthenticationError(\`\${PREFIX} failed: \${e.message}\`)`,
    to: `      const error = new KafkaJSSASLAuthenticationError(\`\${PREFIX} failed: \${e.message}\`, { cause: e }) // edge-gateway patch`,
  },
];
