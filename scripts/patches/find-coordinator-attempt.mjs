// @platformatic/kafka's consumer looking up its group's coordinator (FindCoordinator) inside a group request's attempt
// (JoinGroup, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch …): applied by scripts/patch-dependencies.mjs with the
// others. Its test: src/kafka/bootstrap-patches.test.ts (a bootstrap broker that cuts every connection).
// Each attempt of a group request looked the coordinator up with `retries` retries of its own: while no bootstrap
// broker answered (all frozen, or unreachable) a group request waited (retries + 1)² request.timeout.ms before it
// failed (16 × 30 s, 8 minutes, with the default client's retries 3) and only then did a sink's join report the outage.
// Java's consumer looks the coordinator up once per try of its request (AbstractCoordinator.ensureCoordinatorReady,
// retry.backoff.ms between). The lookup inside a group request's attempt has no retries of its own now: the request's
// attempts retry it. A lookup made by itself (findGroupCoordinator()) still retries `retries` times.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

const CONSUMER = "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js";

export const findCoordinatorAttemptPatches = [
  {
    file: CONSUMER,
    from: `    #findGroupCoordinator(callback) {
        if (this.#coordinatorId !== null) {`,
    to: `    #findGroupCoordinator(callback, retries) { // edge-gateway patch: 0 inside a group request's attempt
        if (this.#coordinatorId !== null) {`,
  },
  {
    file: CONSUMER,
    from: `        consumerGroupChannel.traceCallback(this.#performFindGroupCoordinator, 0, createDiagnosticContext({ client: this, operation: 'findGroupCoordinator' }), this, callback);`,
    to: `        consumerGroupChannel.traceCallback(this.#performFindGroupCoordinator, 0, createDiagnosticContext({ client: this, operation: 'findGroupCoordinator' }), this, callback, retries);`,
  },
  {
    file: CONSUMER,
    from: `    #performFindGroupCoordinator(callback) {`,
    to: `    #performFindGroupCoordinator(callback, retries) {`,
  },
  {
    file: CONSUMER,
    from: `                deduplicateCallback(null, this.#coordinatorId);
            }, 0);`,
    to: `                deduplicateCallback(null, this.#coordinatorId);
            }, 0, [], undefined, retries);`,
  },
  {
    file: CONSUMER,
    from: `                });
            });
        }, (error, result) => {
            callback(this.#handleError(error), result);
        }, 0, [], () => this[kClosed]);`,
    to: `                });
            }, 0); // edge-gateway patch: no retries of its own, the group request's attempt is retried
        }, (error, result) => {
            callback(this.#handleError(error), result);
        }, 0, [], () => this[kClosed]);`,
  },
];
