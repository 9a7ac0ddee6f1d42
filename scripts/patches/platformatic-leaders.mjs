// @platformatic/kafka's patches for a partition without a leader (kafkajs' are in kafkajs-leaders.mjs), applied by
// scripts/patch-dependencies.mjs with the others: its Metadata call failed whole when one partition of an answer
// carried an error (LEADER_NOT_AVAILABLE: its only replica's broker is down; REPLICA_NOT_AVAILABLE: a follower is): the
// producer could not write to the topic's other partitions either. As Java's Metadata, such an answer is used (that
// partition's leader is -1), so keyless records go to the partitions with a leader
// (src/kafka/platformatic/sticky-partitioner.ts); topic-level errors still fail the call. A consumer's fetch from such a
// partition fails retriably, after fresh metadata, not with a UserError no retry cures (which failed the sink task for
// good). Their tests: src/kafka/dependency-patches.test.ts ("a Metadata answer whose errors are all partitions'", "the
// consumer's fetch from a partition without a leader") and test/keyless-leaderless-partition.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticLeadersPatches = [
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
];
