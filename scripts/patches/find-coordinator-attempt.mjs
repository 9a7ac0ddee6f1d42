// @platformatic/kafka's consumer looking up its group's coordinator (FindCoordinator) inside a group request's attempt
// (JoinGroup, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch …): applied by scripts/patch-dependencies.mjs with the
// others. Its tests: src/kafka/bootstrap-patches.test.ts (a bootstrap broker that cuts every connection, one that never
// answers) and src/kafka/platformatic/errors.test.ts (the lookup named in the request's error).
// Each attempt of a group request looked the coordinator up with `retries` retries of its own: while no bootstrap
// broker answered (all frozen) a group request waited (retries + 1)² request.timeout.ms before it failed (16 × 30 s,
// 8 minutes, with the default client's retries 3) and only then did a sink's join report the outage. A lookup that
// timed out (its request, or a connection's setup) is not retried within the request's attempt now: the request's own
// attempts bound it, where Java bounds it by the operation's timeout. A lookup that failed at once (refused or cut
// connections, COORDINATOR_NOT_AVAILABLE during a failover) is still retried within the attempt, so a short outage does
// not fail the request. A lookup made by itself (findGroupCoordinator()) retries on either.
// Its error is tagged with the lookup (edgeGatewayOperation), so a request's error whose attempt failed in a lookup
// not retried (not wrapped in "findGroupCoordinator failed N times.") still names it (src/kafka/platformatic/errors.ts).
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const CONSUMER = "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js";

// The first form of these patches (f0d5c1a8) passed the lookup's \`retries\` (0 inside a group request's attempt) where
// \`shouldSkipRetry\` is passed now, and did not name the lookup in its error.
const retriesForm = (to) => to.replace("shouldSkipRetry)", "retries)");

export const findCoordinatorAttemptPatches = [
  {
    file: CONSUMER,
    from: `import { findErrorBy, MultipleErrors, NetworkError, protocolErrors, UserError } from "../../errors.js";`,
    to: `import { findErrorBy, MultipleErrors, NetworkError, protocolErrors, TimeoutError, UserError } from "../../errors.js";
// edge-gateway patch: an error in which a request or a connection's setup timed out, however wrapped (a connection
// failed by its SASL handshake, "Cannot connect to any broker."): the attempt waited a timeout for it
const edgeGatewayTimedOut = error => error instanceof TimeoutError ||
    (error?.cause !== undefined && edgeGatewayTimedOut(error.cause)) ||
    (Array.isArray(error?.errors) && error.errors.some(edgeGatewayTimedOut));`,
  },
  {
    file: CONSUMER,
    from: `    #findGroupCoordinator(callback) {
        if (this.#coordinatorId !== null) {`,
    to: `    #findGroupCoordinator(callback, shouldSkipRetry) { // edge-gateway patch: a group request's attempt passes it
        if (this.#coordinatorId !== null) {`,
    was: [
      (to) =>
        to.replace(
          "(callback, shouldSkipRetry) { // edge-gateway patch: a group request's attempt passes it",
          "(callback, retries) { // edge-gateway patch: 0 inside a group request's attempt",
        ),
    ],
  },
  {
    file: CONSUMER,
    from: `        consumerGroupChannel.traceCallback(this.#performFindGroupCoordinator, 0, createDiagnosticContext({ client: this, operation: 'findGroupCoordinator' }), this, callback);`,
    to: `        consumerGroupChannel.traceCallback(this.#performFindGroupCoordinator, 0, createDiagnosticContext({ client: this, operation: 'findGroupCoordinator' }), this, callback, shouldSkipRetry);`,
    was: [retriesForm],
  },
  {
    file: CONSUMER,
    from: `    #performFindGroupCoordinator(callback) {`,
    to: `    #performFindGroupCoordinator(callback, shouldSkipRetry) {`,
    was: [retriesForm],
  },
  {
    file: CONSUMER,
    from: `            }, (error, response) => {
                if (error) {
                    deduplicateCallback(error);
                    return;
                }
                const groupInfo = response.coordinators.find(coordinator => coordinator.key === this.groupId);
                this.#coordinatorId = groupInfo.nodeId;
                deduplicateCallback(null, this.#coordinatorId);
            }, 0);`,
    to: `            }, (error, response) => {
                if (error) {
                    error.edgeGatewayOperation = 'findGroupCoordinator'; // edge-gateway patch: named in a group request's error
                    deduplicateCallback(error);
                    return;
                }
                const groupInfo = response.coordinators.find(coordinator => coordinator.key === this.groupId);
                this.#coordinatorId = groupInfo.nodeId;
                deduplicateCallback(null, this.#coordinatorId);
            }, 0, [], shouldSkipRetry);`,
    was: [
      (to) =>
        to
          .replace("                    error.edgeGatewayOperation = 'findGroupCoordinator'; // edge-gateway patch: named in a group request's error\n", "")
          .replace("}, 0, [], shouldSkipRetry);", "}, 0, [], undefined, retries);"),
    ],
  },
  {
    file: CONSUMER,
    from: `                });
            });
        }, (error, result) => {
            callback(this.#handleError(error), result);
        }, 0, [], () => this[kClosed]);`,
    to: `                });
            }, edgeGatewayTimedOut); // edge-gateway patch: a lookup that timed out is retried by this request's attempts alone
        }, (error, result) => {
            callback(this.#handleError(error), result);
        }, 0, [], () => this[kClosed]);`,
    was: [
      (to) =>
        to.replace(
          "}, edgeGatewayTimedOut); // edge-gateway patch: a lookup that timed out is retried by this request's attempts alone",
          "}, 0); // edge-gateway patch: no retries of its own, the group request's attempt is retried",
        ),
    ],
  },
];
