#!/usr/bin/env node
// Applies the project's fixes to installed dependencies (npm's postinstall runs it after every
// install; scripts/lib.sh's ensure_deps runs it too). kafkajs 2.2.4 is unmaintained upstream; its
// producer hot spots measured on this project's data path are fixed here, in the open:
//   1. groupMessagesPerPartition copied the list for every message (quadratic in the batch size);
//   2. the protocol Encoder allocated zero-filled buffers (Buffer.alloc) for every request and
//      record, although it writes every byte it exposes (Buffer.allocUnsafe is safe there);
//   3. its request queue scheduled a timer of minus the epoch time when never throttled
//      (kafkajs issue 1751): every client printed a TimeoutNegativeWarning at connect;
//   4. findGroupCoordinatorMetadata dropped the broker's refusal (GROUP_AUTHORIZATION_FAILED: an
//      ACL denies the group) for a bare "Failed to find group coordinator"; it is kept as the cause,
//      so the gateway maps it to Java's GroupAuthorizationException (src/kafka/access-errors.ts);
//   5. its PLAIN and SCRAM authenticators turned any failure of the exchange into a bare
//      KafkaJSSASLAuthenticationError, a connection cut mid-exchange (a broker restarting) as much
//      as a refused password; the failure is kept as the cause, so the gateway retries a cut
//      connection as Java's clients do and stops only for a refusal (src/kafka/kafkajs/errors.ts).
//   6. its record decoder gathered headers in an object literal, testing `obj[key] === undefined`:
//      a header named __proto__ (or constructor, toString …) read Object.prototype's member, so it
//      arrived as [Object.prototype, value]; only own entries are read now (and in one pass: it
//      copied the object for every header).
//   7. its connection kept the socket's error code on the connection error, an SSL alert's too,
//      which the gateway takes for a refused handshake (SslAuthenticationException): after the
//      broker's first bytes it is not, as in Java's SslTransportLayer (a corrupted record's
//      bad_record_mac is a lost connection); the code is then left off (still in the message).
//   8. its record encoder sized a header's value with Buffer.byteLength before testing it for null
//      (a TypeError), so a null header value (Connect's DLQ exception.message of an exception
//      without a message) could not be sent; it is sized as the null it is written as (length -1).
//   9. its record encoder and decoder gathered headers by name, so `a, b, a` went out and came back as
//      `a, a, b`; the encoder takes a list too, and the decoder keeps the list it read (`headerList`),
//      so headers keep their order, as Java's RecordHeaders.
//  10. its record encoder built a headers object (its default `{}`), its key list and two arrays for
//      every record without headers (~60 ns a record on the produce path): such a record now writes
//      the header count 0 as before, building nothing.
//  11. its consumer's stop always left the group (LeaveGroup), so a member that rejoins because its
//      subscription changed (src/kafka/kafkajs/subscription-watch.ts) came back as a new member: the
//      group rebalanced for the leave and again for the join when the others were quicker than it.
//      stop({ rejoin: true }) keeps the member id for the next run, which joins as that member, as
//      Java's consumer rejoins (one rebalance); src/kafka/kafkajs/join-exit.ts leaves with that id when
//      the member is closed before its rejoin completes.
//  12. its Metadata answer failed whole when one partition of it carried an error (LEADER_NOT_AVAILABLE: its only
//      replica's broker is down; REPLICA_NOT_AVAILABLE: a follower is), so a producer wrote nothing to the topic and a
//      consumer of it could not start; as Java's Metadata, such an answer is used (that partition's leader -1: keyless
//      records go to the partitions with a leader, kafkajs' partitioner picks among those, and a consumer fetches the
//      others); topic-level errors still fail it. While a partition of it has no leader the metadata is asked again
//      after the retry backoff, not metadataMaxAge: retry.backoff.ms (initialRetryTime) doubling with each such answer
//      in a row up to retry.backoff.max.ms (the retry option leaderlessMaxRetryTime), ±20 % jitter, as Java's Metadata
//      backs off after a partition error (KIP-580), so the partition is written and fetched again soon after its
//      leader is back, and a partition that stays offline has each client ask about once a second, not ten times.
//      kafkajs' admin.createTopics({ waitForLeaders: true }) waits no more for leaders since: it asked again while the
//      Metadata answer failed with LEADER_NOT_AVAILABLE; the gateway passes false (src/kafka/kafkajs/admin.ts), and
//      tests wait for leaders themselves (test/support/kafka.ts' createTopicsOn).
//  13. its consumer looked up the start offset (ListOffsets) of every assigned partition without a committed offset
//      at once, from their leaders: one without a leader (-1 since patch 12) failed the look-up of all of them, and
//      the fetch that made it asked for metadata and made it again at once, over and over. Such a partition is left
//      out until it has a leader (not fetched meanwhile: its offset stays unresolved), as Java's consumer resets each
//      partition's position on its own; the others start. Meanwhile kafkajs asks the coordinator for that partition's
//      committed offset (OffsetFetch) before every fetch, as it does for any unresolved partition: one request per
//      fetch while the leader is away, which the sink's position() look-up of it bounds (it fails the task after
//      default.api.timeout.ms, 60 s: src/runtime/assigned-position.ts).
//  14. its producer sent a record for a partition without a leader (-1 since patch 12: a keyed record, or one put there
//      before the producer knew) to broker -1, which failed with "Broker -1 not found in the cached metadata" and
//      asked for no metadata; it fails with LEADER_NOT_AVAILABLE instead, as Java's producer names it, so kafkajs asks
//      for metadata again before each retry of the send.
//  15. its offset manager dialled the group's coordinator again on a lost connection (the same broker: a stopped
//      one refused every commit until the member rejoined; a sink task restarted meanwhile delivered again what it
//      had committed in vain); it looks the coordinator up again, as Java's consumer on a disconnection.
//  16. its consumer's fetch without an answer (a broker stopped, killed or unreachable while still listed as a leader:
//      a refused or closed connection, a request timeout, a broker gone from the metadata) was retried by its runner a
//      few times, then failed the consumer: its task restarted it, the group rebalanced and records were delivered
//      again; a fetch answered by a leader that moved (NOT_LEADER_OR_FOLLOWER …) asked for metadata and rejoined the
//      group (a rebalance, the group's leader's at least). Both are made again after the retry backoff, with fresh
//      metadata, the member staying in its group, as Java's consumer: retry.backoff.ms doubling with each such fetch
//      from the node in a row up to retry.backoff.max.ms, ±20 % jitter (KIP-580: patch 12's backoff); the consumer's
//      stop cuts that wait short (its runner waits for the fetch). Other errors (a refused TLS handshake,
//      authentication) still fail it. A fetch answered UNKNOWN_TOPIC_OR_PARTITION (a leader that does not know the
//      partition yet) asked for metadata and rejoined the group too; it is made again after the backoff with fresh
//      metadata, as Java's Fetcher only asks for a metadata update (its WARN naming the partitions), unless that
//      metadata fails on its topic (deleted, no longer authorized): the fetch fails then, as before (its task starts a
//      consumer without that topic); metadata that fails otherwise is asked again after the next fetch without an
//      answer; metadata without a partition assigned to the member (its topic re-created with fewer) rejoins, as Java's
//      consumer on a metadata change.
//  17. its consumer's heartbeat to a group coordinator that did not answer (its broker stopped or killed) was retried
//      by its runner a few times, then failed the consumer, and one answered NOT_COORDINATOR (the broker back, the
//      group's coordinator now another) rejoined the group. The coordinator is looked up again, as Java's
//      markCoordinatorUnknown, and the next heartbeat goes to the one found after the same backoff, the member staying
//      in its group; its offset manager's commits go there too.
//  18. its runner retried a failed commit (a timeout, NOT_COORDINATOR) through the group's current offset manager,
//      rebuilt with the new generation at every sync: a retry sent after a rejoin committed, under the new generation,
//      partitions another member may own by then (backwards). As Java's, whose request is built once, every retry is
//      sent under the generation the commit was made under (the broker refuses it once that one is gone). The same
//      for @platformatic/kafka's consumer, which read its generation and member id again at every try.
//      A retry answered about that generation once the member has left it (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION)
//      fails the commit without the library's rejoin, which cleared the member's current id, as Java's. So does a
//      commit answered FENCED_INSTANCE_ID, about any generation: the caller decides, as Java's, whether it is fatal
//      (about the member's current generation) or a stale retry's (src/kafka/platformatic/commit-fencing.ts); the
//      library cleared the member id and rejoined, which fenced the other process in turn.
//  19. its connection without TLS (security.protocol=PLAINTEXT) to a TLS listener read the broker's alert as the size
//      of an answer (336 MB) and waited for it until the broker closed the connection ("Closed connection"); a TLS
//      record as a connection's first bytes now fails it at once as a lost connection (retried, as Java's client
//      retries the disconnection) whose message says the listener may be TLS.
//  20. its producer gave a send up after its retries (the gateway's client: 3) although a Produce request of it may have
//      been written (it timed out, its connection was lost, the broker answered REQUEST_TIMED_OUT while it waited for
//      the replicas): the runtime sent the records again on a new producer (a new producer id), so the broker could
//      not drop the copy as a duplicate and they were written twice (explore31 F1). kafkajs' retries keep the send's
//      producer id and sequences (a failed request's sequences are given back before the retry), so such a send is
//      retried now up to the producer's retries, until the adapter's delivery.timeout.ms
//      (src/kafka/kafkajs/producer.ts), also when Kafka is not reached afterwards (a single broker crashed or
//      restarting: kafkajs' reconnection, or its metadata refresh after a failed request, gives its own retries up,
//      which ended the send), and when another broker's
//      request of it was answered or an error answered a request of several partitions (kafkajs throws the first failed
//      partition's, the others may be appended); one nothing of which may be written is still given up after
//      `unwrittenRetries` (a retry option), as before, and a stopped producer's send (its connections refused with
//      EPRODUCERSTOPPED: src/kafka/kafkajs/closable-sockets.ts) ends at once (scripts/patches/kafkajs-unanswered-produce.mjs).
//  21. its producer kept each broker's answer over a send's retries and asked again only the brokers without one: a
//      partition whose leader moved (its broker killed) to a broker that had answered an earlier attempt of the send was
//      left out of the retry, although the request to its old leader may have written it; the adapter reported its
//      records not written and the runtime sent them again on a new producer: written twice (explore32 F1). Each
//      partition's answer is kept now, and a retry sends every partition not answered yet to its leader, with the
//      sequences its failed request gave back (20), so the broker drops a copy it has, as Java's producer retries a
//      batch. An attempt also ends only once each of its requests has settled (with the first failure in time, as
//      before): ended at the first that failed, the next attempt sent the partitions of one still in flight again (a
//      leader waiting for its replicas), with the next sequences, and the broker appended them as new records. A
//      caller may give sendBatch an array (`answers`) that gets each partition's answer as it comes, so a send that
//      fails after some partitions were answered (out of retries or of delivery.timeout.ms, the producer closed) says
//      which records were written; with acks=0, where no answer comes, each partition counts as answered once sent
//      (base offset -1), as Java's producer counts an acks=0 batch done once it is sent, so such a send is not sent
//      again whole (scripts/patches/kafkajs-moved-leader-produce.mjs).
//  22. its producer's cluster kept every topic it ever sent to and asked for all of them, allowing auto-creation, at
//      every metadata refresh, so a topic an operator deleted was created again at its next refresh for another topic;
//      a topic not sent to for metadata.max.idle.ms is dropped before it asks, as Java's ProducerMetadata (KIP-526)
//      (scripts/patches/kafkajs-idle-topics.mjs).
// @platformatic/kafka loads its CRC32C/LZ4/Snappy WebAssembly from a file next to
// @platformatic/wasm-utils' index, which a `bun build --compile` binary does not contain (it
// crashes at start: ENOENT /$bunfs/dist/native.wasm); the package's `bundled` entry inlines the
// same module, so its two importers are pointed there. It also compiles its 38 ajv option
// validators when its index is imported (~150 ms of CPU and ~27 MiB on the gateway's start, before
// /health answers); they are made to compile on first use instead. Its Connection frames every
// request through two Writers and a concatenation; the producer's Produce requests arrive framed
// whole (src/kafka/platformatic/produce-frame.ts) and are written as they are. Its diagnostics
// context copied an object per request (a spread); it is extended in place instead. A socket
// error after the TLS handshake (TLS 1.3: a broker that requires a client certificate sends its
// alert then) failed the requests in flight with a bare "Connection closed"; the socket's error is
// kept as their cause, so the gateway names the refused handshake (src/kafka/access-errors.ts), and
// the broker as theirs, so a connection Kafka cut is named (src/kafka/platformatic/errors.ts), as is the broker of a
// request that timed out and of a connection closed while a request waited for it to be ready.
// Only before the broker's first bytes, as Java's SslTransportLayer (POST_HANDSHAKE): an alert on
// a connection that carried answers (a corrupted record: bad_record_mac) is a lost connection. Its record
// reader decompresses and reads every fetched batch while a Fetch answer is parsed, with no CRC check
// and no bound: it hands each whole batch to `batchDecoding.current` when the consumer sets it
// (src/kafka/platformatic/batch-decoding.ts: check.crcs, the decompressed-size bound). Its
// consumer sent OffsetCommit without the group.instance.id (null where the request has the field,
// v7 on): a static member another process had fenced was answered UNKNOWN_MEMBER_ID, a lost
// membership, and failed only at its next heartbeat; with the instance id, as Java's
// ConsumerCoordinator sends it, the coordinator answers FENCED_INSTANCE_ID at once
// (src/kafka/platformatic/fenced-instance.ts). Its consumer keeps the protocol the coordinator chose
// (JoinGroup's protocolName) to itself; its join event carries it, so the join's log line names it as
// Java's Generation{…, protocol='…'} does (src/kafka/platformatic/consumer.ts). Its Metadata call
// failed whole when one partition of an answer carried an error (LEADER_NOT_AVAILABLE: its only
// replica's broker is down; REPLICA_NOT_AVAILABLE: a follower is): the producer could not write to
// the topic's other partitions either. As Java's Metadata, such an answer is used (that partition's
// leader is -1), so keyless records go to the partitions with a leader
// (src/kafka/platformatic/sticky-partitioner.ts); topic-level errors still fail the call. Its consumer
// forgot its group's coordinator on a network error, but not on one that also marks the metadata stale:
// the connection pool's "the broker is not available in the current cluster metadata", which every
// group request (heartbeat, commit, OffsetFetch) got once the coordinator's broker stopped and left the
// metadata, so they went on asking that broker for as long as it was down (the commits failed, and a
// sink task restarted meanwhile delivered its records again). Any network error forgets it now, as
// Java's ConsumerCoordinator marks the coordinator unknown on a disconnection, so the next request
// finds the new one. Its connection without TLS that read a TLS record (a TLS listener's alert) failed
// with a UserError ("Broker requires TLS."), which no retry cures, so a task failed for good; Java's
// client retries it as a disconnection: it is a retriable NetworkError now, which says the listener may be TLS. Before
// a SASL login (SASL_PLAINTEXT) the probe of SaslAuthenticate's version met that error, which the library ignored, and
// its SaslHandshake on the closed socket failed the connection as "Cannot find a suitable SASL mechanism.": the
// probe's lost connection fails it now, with the TLS answer's message.
// Each patch is an exact text replacement: already applied → skipped; applied in an earlier form of
// this script (`was`) → replaced by the current one; original text not found (a different kafkajs)
// → the install fails loudly instead of silently running unpatched. No patch's `to` contains its `from` (an
// insertion's `from` spans the point it inserts at): a patch edited without a `was` form then fails the install on a
// file an earlier form patched, instead of inserting its text a second time.
// Files are replaced by rename, never rewritten in place: node_modules may be a hard-linked copy.
// src/kafka/dependency-patches.test.ts fails if a patch is lost; test/scripts-patch-dependencies-upgrade.test.ts upgrades
// an install from each `was` form and fails when a text a patch was released in (scripts/patches/released-forms.json,
// hashes: record a patch's new text there) is neither its `to` nor a `was` form. kafkajs' patches 12 to 14 are in
// scripts/patches/kafkajs-leaders.mjs (their tests: src/kafka/kafkajs-leader-patches.test.ts), 16 and 17 in
// scripts/patches/kafkajs-fetch.mjs (src/kafka/kafkajs-fetch-patches.test.ts), 20 and 21 in
// scripts/patches/kafkajs-unanswered-produce.mjs and scripts/patches/kafkajs-moved-leader-produce.mjs (both:
// src/kafka/kafkajs-produce-retry-patches.test.ts), 22 in scripts/patches/kafkajs-idle-topics.mjs
// (src/kafka/kafkajs-idle-topics-patch.test.ts, test/producer-idle-topic-not-recreated.test.ts), 19 and @platformatic/kafka's TLS answer in
// scripts/patches/tls-answer.mjs (test/kafka-listener-tls-plaintext-client.test.ts), its connection closed in a SASL login
// in scripts/patches/sasl-login-closed.mjs (test/kafka-sasl-interrupted.test.ts), its SaslHandshake timed out in
// scripts/patches/sasl-handshake-timeout.mjs and its ApiVersions retried inside another request's attempt (retried by
// that request's attempts now, each failed one moving the next to the following bootstrap broker) in
// scripts/patches/api-versions-attempt.mjs (both: src/kafka/dependency-patches.test.ts; the latter's rotation also
// src/kafka/bootstrap-patches.test.ts), its bootstrap requests asked of a broker that timed out or failed a connection
// last in scripts/patches/bootstrap-unresponsive.mjs (src/kafka/bootstrap-patches.test.ts,
// test/frozen-bootstrap-broker.test.ts), its consumer's coordinator lookup that timed out no longer retried on its own
// inside a group request's attempt in scripts/patches/find-coordinator-attempt.mjs (src/kafka/bootstrap-patches.test.ts,
// src/kafka/platformatic/errors.test.ts), kafkajs' seed broker and bootstrap requests past a broker that failed a connection
// or left a request unanswered in scripts/patches/kafkajs-seed-broker.mjs (src/kafka/kafkajs/seed-broker-patch.test.ts,
// test/frozen-bootstrap-broker.test.ts).
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiVersionsAttemptPatches } from "./patches/api-versions-attempt.mjs";
import { bootstrapUnresponsivePatches } from "./patches/bootstrap-unresponsive.mjs";
import { findCoordinatorAttemptPatches } from "./patches/find-coordinator-attempt.mjs";
import { kafkajsFetchPatches } from "./patches/kafkajs-fetch.mjs";
import { kafkajsIdleTopicsPatches } from "./patches/kafkajs-idle-topics.mjs";
import { kafkajsLeaderPatches } from "./patches/kafkajs-leaders.mjs";
import { kafkajsMovedLeaderProducePatches } from "./patches/kafkajs-moved-leader-produce.mjs";
import { kafkajsSeedBrokerPatches } from "./patches/kafkajs-seed-broker.mjs";
import { kafkajsUnansweredProducePatches } from "./patches/kafkajs-unanswered-produce.mjs";
import { saslHandshakeTimeoutPatches } from "./patches/sasl-handshake-timeout.mjs";
import { saslLoginClosedPatches } from "./patches/sasl-login-closed.mjs";
import { tlsAnswerPatches } from "./patches/tls-answer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The records a batch decoder read itself (src/kafka/platformatic/batch-records.ts) are the batch's. */
const READ_BY_DECODER = `    if (Array.isArray(records)) {
        batch.records = records;
        return batch;
    }
`;

/**
 * The form an earlier version of this script applied a patch in (in `was`): the batch decoder was
 * handed each batch as one Buffer (`.buffer`: a copy of a batch that spans the answer's chunks) and
 * returned its records' bytes only.
 */
const earlierForm = (to) =>
  to
    .replace(READ_BY_DECODER, "")
    .replace("subarray(start, end)); // in place: views of the answer's chunks", "subarray(start, end).buffer);")
    .replace("current(head);", "current(head.buffer);");

/** The form an earlier version of this script applied the rejoin patch in: kafkajs itself left a member stopped to rejoin. */
const rejoinLeftByKafkajs = (to) =>
  to.replace(
    `      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's (the
      // gateway leaves with that id if it closes the member before the rejoin completes: its JoinExit)
`,
    `      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's; a
      // member so stopped that is then stopped for good leaves.
      if (!runner && rejoiningMemberId && !rejoin) {
        const memberId = rejoiningMemberId
        rejoiningMemberId = null
        try {
          const coordinator = await cluster.findGroupCoordinator({ groupId })
          await coordinator.leaveGroup({ groupId, memberId })
        } catch (e) {}
      }
`,
  );

/** Every patch, in the order applied. */
export const patches = [
  ...tlsAnswerPatches,
  ...saslLoginClosedPatches,
  ...saslHandshakeTimeoutPatches,
  ...apiVersionsAttemptPatches,
  ...bootstrapUnresponsivePatches,
  ...findCoordinatorAttemptPatches,
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
  {
    file: "node_modules/kafkajs/src/producer/groupMessagesPerPartition.js",
    from: `  return messages.reduce((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition] || []
    return Object.assign(result, { [partition]: [...current, message] })
  }, {})
}`,
    to: `  // edge-gateway patch: linear grouping (the original copied the list for every message)
  const result = {}
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message })
    const current = result[partition]
    if (current === undefined) result[partition] = [message]
    else current.push(message)
  }
  return result
}`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/encoder.js",
    from: `    this.buf = Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))`,
    // edge-gateway patch: every byte exposed by \`buffer\` is written first
    to: `    this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize)) // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/protocol/encoder.js",
    from: `      const newBuffer = Buffer.alloc(newLength)`,
    to: `      const newBuffer = Buffer.allocUnsafe(newLength) // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/network/requestQueue/index.js",
    from: `        this.checkPendingRequests()
      }, scheduleAt)`,
    to: `        this.checkPendingRequests()
      }, Math.max(1, scheduleAt)) // edge-gateway patch: never a negative delay`,
  },
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
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/crc32c.js",
    from: `import { crc32c as wasmCRC32C } from '@platformatic/wasm-utils';`,
    to: `import { crc32c as wasmCRC32C } from '@platformatic/wasm-utils/bundled'; // edge-gateway patch`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/compression.js",
    from: `import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from '@platformatic/wasm-utils';`,
    to: `import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from '@platformatic/wasm-utils/bundled'; // edge-gateway patch`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/utils.js",
    from: `});
export class NumericMap extends Map {`,
    to: `});
// edge-gateway patch: validators compile on first use, not at import
const compileNow = ajv.compile.bind(ajv);
ajv.compile = (schema) => {
    let compiled;
    const validate = function (...args) {
        compiled ??= compileNow(schema);
        const valid = compiled.apply(this, args);
        validate.errors = compiled.errors;
        return valid;
    };
    validate.errors = null;
    return validate;
};
export class NumericMap extends Map {`,
  },
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
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `export function readRecordsBatch(reader) {
    const initialPosition = reader.position;
    const batch = {`,
    to: `// edge-gateway patch: while a consumer's Fetch answer is parsed (synchronously), \`batchDecoding.current\`
// is its batch decoder: it checks each whole batch (CRC-32C, decompressed size) and returns its records'
// bytes, or why the batch is invalid (kept as \`batch.invalid\`, no records read).
export const batchDecoding = { current: null };
export function readRecordsBatch(reader) {
    const initialPosition = reader.position;
    const decode = batchDecoding.current;
    if (decode !== null) {
        return readCheckedRecordsBatch(reader, decode);
    }
    const batch = {`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `        batch.records.push(readRecord(reader));
    }
    return batch;
}
export function readRecordsBatches(reader) {`,
    to: `        batch.records.push(readRecord(reader));
    }
    return batch;
}
function readCheckedRecordsBatch(reader, decode) { // edge-gateway patch
    const start = reader.position;
    const batch = {
        firstOffset: reader.readInt64(),
        length: reader.readInt32(),
        partitionLeaderEpoch: reader.readInt32(),
        magic: reader.readInt8(),
        crc: reader.readUnsignedInt32(),
        attributes: reader.readInt16(),
        lastOffsetDelta: reader.readInt32(),
        firstTimestamp: reader.readInt64(),
        maxTimestamp: reader.readInt64(),
        producerId: reader.readInt64(),
        producerEpoch: reader.readInt16(),
        firstSequence: reader.readInt32(),
        records: []
    };
    const recordsLength = reader.readInt32();
    const end = start + INT64_SIZE + INT32_SIZE + batch.length;
    const records = decode(reader.buffer.subarray(start, end)); // in place: views of the answer's chunks
    reader.skip(end - reader.position);
    if (typeof records === 'string') {
        batch.invalid = records;
        return batch;
    }
${READ_BY_DECODER}    const recordsReader = Reader.from(records);
    for (let i = 0; i < recordsLength; i++) {
        batch.records.push(readRecord(recordsReader));
    }
    return batch;
}
export function readRecordsBatches(reader) {`,
    // 7cf4e827's: the views already, the decoder's own records not yet
    was: [earlierForm, (to) => to.replace(READ_BY_DECODER, "")],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/protocol/records.js",
    from: `        reader.remaining - BATCH_HEAD >= reader.peekInt32(reader.position + INT64_SIZE)) {
        batches.push(readRecordsBatch(reader));
    }
    return batches;`,
    // edge-gateway patch: a batch whose length is below a v2 batch's header (damaged) is not read as one:
    // its header would be read past its end, a negative length back over itself (forever)
    to: `        reader.remaining - BATCH_HEAD >= reader.peekInt32(reader.position + INT64_SIZE)) {
        const length = reader.peekInt32(reader.position + INT64_SIZE);
        if (batchDecoding.current !== null && length < 49) { // edge-gateway patch: smaller than a v2 batch's header
            const head = reader.buffer.subarray(reader.position, reader.position + BATCH_HEAD + Math.max(length, 0));
            const invalid = batchDecoding.current(head);
            batches.push({ firstOffset: reader.readInt64(), length, records: [], invalid });
            break;
        }
        batches.push(readRecordsBatch(reader));
    }
    return batches;`,
    was: [earlierForm],
  },
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `  async stop() {
    if (!this.running) {`,
    to: `  async stop({ leave = true } = {}) { // edge-gateway patch: a member stopped to rejoin stays in its group
    if (!this.running) {`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `      await this.waitForConsumer()
      await this.consumerGroup.leave()`,
    to: `      await this.waitForConsumer()
      if (leave) await this.consumerGroup.leave() // edge-gateway patch`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `  let runner = null
  /** @type {ConsumerGroup} */`,
    to: `  let runner = null
  let rejoiningMemberId = null // edge-gateway patch: the member id a stop({ rejoin: true }) keeps for the next run
  /** @type {ConsumerGroup} */`,
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `  const stop = sharedPromiseTo(async () => {
    try {
      if (runner) {
        await runner.stop()`,
    to: `  const stop = sharedPromiseTo(async ({ rejoin = false } = {}) => {
    try {
      // edge-gateway patch: a member stopped to rejoin (its subscription changed) keeps its member id, as Java's
      // consumer rejoins with a JoinGroup and no LeaveGroup: one rebalance, not a leave's and then a join's (the
      // gateway leaves with that id if it closes the member before the rejoin completes: its JoinExit)
      if (runner) {
        if (rejoin) rejoiningMemberId = consumerGroup.memberId
        await runner.stop({ leave: !rejoin })`,
    was: [rejoinLeftByKafkajs],
  },
  {
    file: "node_modules/kafkajs/src/consumer/index.js",
    from: `        autoCommitThreshold,
      })

      runner = new Runner({`,
    to: `        autoCommitThreshold,
      })
      consumerGroup.memberId = rejoiningMemberId // edge-gateway patch: the member rejoins as itself
      rejoiningMemberId = null

      runner = new Runner({`,
  },
  ...kafkajsLeaderPatches,
  ...kafkajsSeedBrokerPatches,
  ...kafkajsUnansweredProducePatches,
  ...kafkajsMovedLeaderProducePatches,
  ...kafkajsIdleTopicsPatches,
  {
    file: "node_modules/kafkajs/src/consumer/offsetManager/index.js",
    from: `    if (!this.coordinator.isConnected()) {
      this.coordinator = await this.cluster.findBroker(this.coordinator)
    }`,
    // edge-gateway patch: a lost connection to the group's coordinator looks the coordinator up again, as Java's
    // markCoordinatorUnknown on a disconnection: a stopped coordinator's broker was dialled again for every commit
    to: `    if (!this.coordinator.isConnected()) {
      this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId }) // edge-gateway patch
    }`,
  },
  ...kafkajsFetchPatches,
  {
    file: "node_modules/kafkajs/src/consumer/runner.js",
    from: `    return this.retrier(async (bail, retryCount, retryTime) => {
      try {
        await this.consumerGroup.commitOffsets(offsets)`,
    // edge-gateway patch: a commit retried (after a timeout, NOT_COORDINATOR) is sent under the generation and member
    // id it was made under, as Java's (its request is built once): the group's offset manager, rebuilt with the new
    // generation at every sync, would commit partitions another member may own by then; under the old one the broker
    // refuses it
    to: `    const offsetManager = this.consumerGroup.offsetManager // edge-gateway patch: the commit's generation, on every retry
    return this.retrier(async (bail, retryCount, retryTime) => {
      try {
        await offsetManager.commitOffsets(offsets)`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId, this.memberId, null, Array.from(topics.values()), groupCallback);`,
    to: `generation, memberId, this.groupInstanceId, Array.from(topics.values()), groupCallback); // edge-gateway patch: the static member's instance id, as Java's; the generation the commit was made under`,
    was: [
      () =>
        "this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId, this.memberId, this.groupInstanceId, Array.from(topics.values()), groupCallback); // edge-gateway patch: the static member's instance id, as Java's",
    ],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `    #commit(options, callback, rejoinAttempts = 0) {
        this.#performGroupOperation('commit', (connection, groupCallback) => {`,
    // edge-gateway patch: a commit retried (after a timeout, NOT_COORDINATOR) is sent under the generation and member
    // id it was made under, as Java's (its request is built once): re-read at each try, a retry sent after a rejoin
    // would commit partitions another member may own by then; under the old one the broker refuses it
    to: `    #commit(options, callback, rejoinAttempts = 0) {
        const generation = this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId; // edge-gateway patch: read once
        const memberId = this.memberId; // edge-gateway patch: the commit's own, on every retry
        this.#performGroupOperation('commit', (connection, groupCallback) => {`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `        }, error => {
            if (error && rejoinAttempts < this[kOptions].retries && this.#getRejoinError(error)) {
                this.joinGroup({}, joinError => {
                    if (joinError) {
                        callback(joinError);
                        return;
                    }
                    this.#commit(options, callback, rejoinAttempts + 1);`,
    // edge-gateway patch: a retry answered about the generation or member id it was sent under, which the member has
    // left meanwhile (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION), fails the commit as it is, as Java's (RebalanceInProgressException
    // when !generationUnchanged()): the rejoin check would clear the member's current id (a dynamic member rejoins as a
    // new one, one more rebalance, its partitions lost) or break the join under way. FENCED_INSTANCE_ID too, whatever
    // the generation: the caller tells a fatal answer from a stale retry's; the rejoin would fence the other process
    to: `        }, error => {
            if (error && (memberId !== this.memberId || generation !== (this.#useConsumerGroupProtocol ? this.#memberEpoch : this.generationId) || findErrorBy(error, 'apiId', 'FENCED_INSTANCE_ID'))) {
                callback(error); // edge-gateway patch: about a generation the member has left, its current one untouched; FENCED_INSTANCE_ID: the caller decides
                return;
            }
            if (error && rejoinAttempts < this[kOptions].retries && this.#getRejoinError(error)) {
                this.joinGroup({}, joinError => {
                    if (joinError) {
                        callback(joinError);
                        return;
                    }
                    this.#commit(options, callback, rejoinAttempts + 1);`,
    was: [
      (to) =>
        to
          .replace(" || findErrorBy(error, 'apiId', 'FENCED_INSTANCE_ID'))) {", ")) {")
          .replace("; FENCED_INSTANCE_ID: the caller decides", ""),
    ],
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `            isLeader: this.#isLeader,
            assignments: this.assignments
        });`,
    to: `            isLeader: this.#isLeader,
            assignments: this.assignments,
            protocol: this.#protocol // edge-gateway patch: the protocol the coordinator chose, for the join's log line
        });`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/base/base.js",
    from: `                        api(connection, topicsToFetch, autocreateTopics, false, (error, response) => {
                            // Metadata v0-v8 do not carry topic UUIDs. Topic names are stable
`,
    to: `                        api(connection, topicsToFetch, autocreateTopics, false, (error, response) => {
                            // edge-gateway patch: errors of partitions only leave the answer usable, as Java's Metadata
                            if (error?.response?.topics && error.errors?.length > 0 && error.errors.every((e) => e.path?.includes('/partitions/'))) {
                                response = error.response;
                                error = null;
                            }
                            // Metadata v0-v8 do not carry topic UUIDs. Topic names are stable
`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `                    retryCallback(new UserError(\`Cannot find broker with node id \${node}\`));`,
    // edge-gateway patch: a partition without a leader (-1 since the Metadata patch above: a broker stopped while
    // it was fetched) is asked again after fresh metadata, as the connection pool's missing broker; not a UserError
    // no retry cures, which failed the sink task for good
    to: `                    refreshMetadata = true; // edge-gateway patch: retriable, after fresh metadata
                    retryCallback(new NetworkError(\`Cannot find broker with node id \${node}\`, { canRetry: true, hasStaleMetadata: true }));`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js",
    from: `            this.clearMetadata();
        }
        else if (findErrorBy(error, 'code', 'PLT_KFK_NETWORK') ||`,
    to: `            this.clearMetadata();
        }
        // edge-gateway patch: a network error with stale metadata (the coordinator's broker gone from it) forgets the
        // coordinator too, as Java's markCoordinatorUnknown on a disconnection
        if (findErrorBy(error, 'code', 'PLT_KFK_NETWORK') ||`,
  },
  {
    file: "node_modules/@platformatic/kafka/dist/diagnostic.js",
    from: `    return { operationId: operationId++, ...context };`,
    // edge-gateway patch: every caller passes a fresh object literal; no copy of it per call
    to: `    context.operationId = operationId++; // edge-gateway patch: no spread per call
    return context;`,
  },
];

/** Patches every file, or exits with why it cannot: the install fails rather than run unpatched. */
const applyPatches = () => {
  let applied = 0;
  for (const patch of patches) {
    const path = join(root, patch.file);
    if (!existsSync(path)) {
      console.error(`patch-dependencies: ${patch.file} is missing`);
      process.exit(1);
    }
    const text = readFileSync(path, "utf8");
    if (text.includes(patch.to)) continue;
    // A patch applied in an earlier form of this script is brought up to date in place of it.
    const earlier = patch.was?.map((form) => form(patch.to)).find((w) => text.includes(w));
    if (earlier === undefined && !text.includes(patch.from)) {
      console.error(`patch-dependencies: ${patch.file} does not contain the text to patch (another version?)`);
      process.exit(1);
    }
    const temp = `${path}.patching`;
    // A function replacement: a patch's text is taken literally (a string one would expand `$&`, `$'`, `$$`).
    writeFileSync(temp, text.replace(earlier ?? patch.from, () => patch.to));
    renameSync(temp, path);
    applied++;
  }
  if (applied > 0) console.error(`patch-dependencies: applied ${applied} patch(es)`);
};

// Run by npm or scripts/lib.sh (node), or by bun; imported, it only exports `patches` (for
// src/kafka/dependency-patches.test.ts). Node 20 has no import.meta.main, so the path it was run by is
// compared with this module's as real paths: a symlinked file or directory (a linked checkout, node
// --preserve-symlinks-main) still names this script (test/scripts-patch-dependencies-main.test.ts).
const script = process.argv[1];
if (script !== undefined && existsSync(script) && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))) {
  applyPatches();
}
