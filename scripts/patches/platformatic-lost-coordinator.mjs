// @platformatic/kafka's consumer forgetting its group's coordinator on any network error (kafkajs' counterpart is in
// kafkajs-lost-coordinator.mjs), applied by scripts/patch-dependencies.mjs with the others: it forgot the coordinator on
// a network error, but not on one that also marks the metadata stale: the connection pool's "the broker is not
// available in the current cluster metadata", which every group request (heartbeat, commit, OffsetFetch) got once the
// coordinator's broker stopped and left the metadata, so they went on asking that broker for as long as it was down
// (the commits failed, and a sink task restarted meanwhile delivered its records again). Any network error forgets it
// now, as Java's ConsumerCoordinator marks the coordinator unknown on a disconnection, so the next request finds the
// new one. Its test: src/kafka/dependency-patches.test.ts ("a group request whose coordinator left the metadata").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticLostCoordinatorPatches = [
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
];
