// @platformatic/kafka's heartbeats while a member prepares its join, applied by scripts/patch-dependencies.mjs with
// the others: the library stopped heartbeating at the start of each JoinGroup attempt, before its protocolsMetadata
// callback, where the adapter revokes the member's partitions and the sink task flushes and commits them
// (src/kafka/platformatic/consumer.ts). A revocation longer than session.timeout.ms (an HTTP sink's flush behind a
// slow or retried request) got the member expired: the join completed without it, its commit failed and another
// member delivered its records again, in a second rebalance. Java's heartbeat thread goes on during onJoinPrepare
// (it stops once the state is PREPARING_REBALANCE, set after onJoinPrepare returns): the member stays, up to the
// rebalance timeout. So heartbeats go on until the JoinGroup is sent, for at most the rebalance timeout
// (max.poll.interval.ms) from the start of the preparation: when the consumer starts the rejoin itself (a new topic
// matching its pattern, a partition count changed) the group stays Stable and answers them, so a revocation that
// hangs would keep the member, its partitions unfetched, forever; past the bound the session timeout expires it, as
// Java's heartbeat thread leaves the group once max.poll.interval.ms passed. One answered with an error meanwhile (a
// rebalance in progress, a generation gone) starts no other join and is not emitted as consumer:heartbeat:error: the
// JoinGroup after meets the same error and recovers through its own path. None is sent without a member id (a
// malformed request: the broker closes the connection). Its test: src/kafka/dependency-patches.test.ts
// ("the consumer heartbeats while it prepares its join") and test/kafka-port-revoke-heartbeat.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const file = "node_modules/@platformatic/kafka/dist/clients/consumer/consumer.js";

export const platformaticRevokeHeartbeatPatches = [
  {
    file,
    from: `        this.#cancelHeartbeat();
        this.#createJoinGroupProtocols(options, (error, protocols) => {
            if (error) {`,
    to: `        this.#cancelHeartbeat();
        this.#preparingJoin = true; // edge-gateway patch: heartbeats go on while the join is prepared (the revocation), as Java's during onJoinPrepare
        this.#preparingSince = Date.now();
        this.#heartbeatWhilePreparing(options);
        this.#createJoinGroupProtocols(options, (error, protocols) => {
            this.#preparingJoin = false; // edge-gateway patch: stopped before the JoinGroup
            this.#cancelHeartbeat();
            if (error) {`,
  },
  {
    file,
    from: `            if (error) {
                this.#cancelHeartbeat();
                if (this.#getRejoinError(error)) {`,
    to: `            if (error && this.#preparingJoin) {
                // edge-gateway patch: the join under way meets it (no other join, no consumer:heartbeat:error)
                this.#heartbeatWhilePreparing(options);
                return;
            }
            if (error) {
                this.#cancelHeartbeat(); // edge-gateway patch: a stable member's heartbeat
                if (this.#getRejoinError(error)) {`,
  },
  {
    file,
    from: `        this.#heartbeatInterval = null;
    }
    #heartbeatStallTimeoutFor(options) {`,
    to: `        this.#heartbeatInterval = null;
    }
    #preparingJoin = false; // edge-gateway patch: the protocolsMetadata callback runs, before the JoinGroup
    #preparingSince = 0;
    #heartbeatWhilePreparing(options) {
        // edge-gateway patch: never without a member id (a new member, or one the group no longer knows), nor once the
        // preparation lasted the rebalance timeout (max.poll.interval.ms): the session timeout then expires the member
        clearTimeout(this.#heartbeatInterval);
        this.#heartbeatInterval = setTimeout(() => {
            if (this.#preparingJoin && this.memberId && Date.now() - this.#preparingSince < options.rebalanceTimeout) {
                this.#heartbeat(options);
            }
        }, options.heartbeatInterval);
    }
    #heartbeatStallTimeoutFor(options) {`,
  },
];
