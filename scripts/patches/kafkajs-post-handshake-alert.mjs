// kafkajs' patch 7, applied by scripts/patch-dependencies.mjs with the others: its connection kept the socket's error
// code on the connection error, an SSL alert's too, which the gateway takes for a refused handshake
// (SslAuthenticationException, src/kafka/access-errors.ts): after the broker's first bytes it is not, as in Java's
// SslTransportLayer (a corrupted record's bad_record_mac is a lost connection); the code is then left off (still in
// the message). Its tests: src/kafka/kafkajs/errors.test.ts and test/kafka-broker-mtls.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsPostHandshakeAlertPatches = [
  {
    file: "node_modules/kafkajs/src/network/connection.js",
    from: `        const error = new KafkaJSConnectionError(\`Connection error: \${e.message}\`, {
          broker: \`\${this.host}:\${this.port}\`,
          code: e.code,
        })`,
    to: `        const error = new KafkaJSConnectionError(\`Connection error: \${e.message}\`, {
          broker: \`\${this.host}:\${this.port}\`,
          code: dataReceived && String(e.code).startsWith('ERR_SSL_') ? undefined : e.code, // edge-gateway patch
        })`,
  },
];
