// @platformatic/kafka's join event naming the protocol, applied by scripts/patch-dependencies.mjs with the others: its
// consumer keeps the protocol the coordinator chose (JoinGroup's protocolName) to itself; its join event carries it,
// so the join's log line names it as Java's Generation{…, protocol='…'} does (src/kafka/platformatic/consumer.ts). Its
// tests: src/kafka/dependency-patches.test.ts ("the consumer's join event carries the protocol") and
// src/kafka/consumer-log.test.ts.
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const platformaticJoinProtocolPatches = [
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
];
