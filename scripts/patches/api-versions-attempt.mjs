// @platformatic/kafka's ApiVersions (its listApis) asked inside another request's attempt: applied by
// scripts/patch-dependencies.mjs with the others. Its tests: src/kafka/dependency-patches.test.ts (a real TCP listener
// that closes every connection, the connections counted) and src/kafka/bootstrap-patches.test.ts (a first bootstrap
// broker that cuts or never answers).
// A client's first request (Metadata, FindCoordinator, Produce …) asks the broker's API versions first, and
// the library retried that ApiVersions on its own (`retries` times) inside each attempt of the request, itself retried
// `retries` times: against a listener that accepts and closes every connection, one Metadata call with retries 3 made
// 16 connections. Java's NetworkClient asks ApiVersions as part of the connection, one connection an attempt with
// reconnect.backoff.ms between: the request's own retries retry it now. The library asks it on a bootstrap connection
// of its own, not the request's, so an attempt can open two: the request's and that one (one when both go to the same
// broker). A call of listApis() made by itself retries it `retries` times, unless it joins one a request's attempt
// already asked (the two share one answer), which is not retried.
// Each attempt of listApis picks its bootstrap broker by its number, starting from the first, so the request's
// attempts, each asking it anew (attempt 0), asked the first bootstrap broker every time: one that accepts and cuts
// every connection, or never answers, failed the request although the others were healthy. Each failed listApis now
// moves the next one a broker further along the bootstrap list, as Java's NetworkClient tries the next node after a
// failed connection.
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
    from: `                        retryCallback(error);
                    });
                }, attempt);
            }, (error, metadata) => {
                if (error) {
                    deduplicateCallback(error);`,
    to: `                        retryCallback(error);
                    });
                }, attempt + (this.edgeGatewayApiVersionsFailures ?? 0)); // edge-gateway patch: past the brokers that failed it
            }, (error, metadata) => {
                if (error) {
                    this.edgeGatewayApiVersionsFailures = (this.edgeGatewayApiVersionsFailures ?? 0) + 1; // edge-gateway patch
                    deduplicateCallback(error);`,
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
