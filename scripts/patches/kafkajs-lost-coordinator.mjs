// kafkajs' patch 15, applied by scripts/patch-dependencies.mjs with the others: its offset manager dialled the group's
// coordinator again on a lost connection (the same broker: a stopped one refused every commit until the member
// rejoined; a sink task restarted meanwhile delivered again what it had committed in vain); it looks the coordinator up
// again, as Java's consumer on a disconnection (markCoordinatorUnknown). @platformatic/kafka's counterpart is in
// platformatic-lost-coordinator.mjs. Its test: src/kafka/dependency-patches.test.ts ("patch 15").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsLostCoordinatorPatches = [
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
];
