// kafkajs' Cluster keeping the client's retry options where its idempotent producer's eosManager reads them (23 of
// scripts/patch-dependencies.mjs). Its test: src/kafka/kafkajs-cluster-retry-patch.test.ts.
// The eosManager builds its retrier from `cluster.retry`, which kafkajs' Cluster never set: InitProducerId (asked
// before an idempotent producer's first send, retried on a coordinator not ready or a concurrent transaction) ran on
// kafkajs' defaults, 5 retries from 300 ms up to 30 s, instead of the client's (the adapter's 3 retries from
// retry.backoff.ms up to 5 s). The Cluster now keeps the options it was given. The producer's own retrier, the only
// other reader, merges the client's options under its own already, so it is unchanged.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at).

const CLUSTER = "node_modules/kafkajs/src/cluster/index.js";

export const kafkajsClusterRetryPatches = [
  {
    file: CLUSTER,
    from: `    this.retrier = createRetry(retry)
    this.connectionPoolBuilder = connectionPoolBuilder({`,
    to: `    this.retrier = createRetry(retry)
    // edge-gateway patch: kept for the eosManager, whose InitProducerId retries read it (kafkajs never set it)
    this.retry = retry
    this.connectionPoolBuilder = connectionPoolBuilder({`,
  },
];
