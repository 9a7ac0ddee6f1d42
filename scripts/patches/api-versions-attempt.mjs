// @platformatic/kafka's ApiVersions (its listApis) asked inside another request's attempt: applied by
// scripts/patch-dependencies.mjs with the others. Its test: src/kafka/dependency-patches.test.ts (a real TCP listener
// that closes every connection, the connections counted).
// A client's first request of a kind (Metadata, FindCoordinator, Produce …) asks the broker's API versions first, and
// the library retried that ApiVersions on its own (`retries` times) inside each attempt of the request, itself retried
// `retries` times: against a listener that accepts and closes every connection, one Metadata call with retries 3 made
// 16 connections. Java's NetworkClient asks ApiVersions as part of the connection, one connection an attempt with
// reconnect.backoff.ms between: the request's own retries retry it now, one connection an attempt; listApis() called
// by itself still retries.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const BASE = "node_modules/@platformatic/kafka/dist/clients/base/base.js";

export const apiVersionsAttemptPatches = [
  {
    file: BASE,
    from: `    [kListApis](callback) {
        this[kPerformDeduplicated]('listApis', deduplicateCallback => {`,
    to: `    [kListApis](callback, retries) { // edge-gateway patch: 0 inside another request's attempt (kGetApi)
        this[kPerformDeduplicated]('listApis', deduplicateCallback => {`,
  },
  {
    file: BASE,
    from: `                deduplicateCallback(null, metadata.apiKeys);
            }, 0);`,
    to: `                deduplicateCallback(null, metadata.apiKeys);
            }, 0, [], undefined, retries);`,
  },
  {
    file: BASE,
    from: `                this[kApis] = apis;
                this[kGetApi](name, callback);
            });`,
    to: `                this[kApis] = apis;
                this[kGetApi](name, callback);
            }, 0); // edge-gateway patch: no retries of its own, the attempt of the request asking for the API is retried`,
  },
];
