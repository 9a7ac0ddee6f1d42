// kafkajs' patch 3, applied by scripts/patch-dependencies.mjs with the others: its request queue scheduled a timer of
// minus the epoch time when never throttled (kafkajs issue 1751), so every client printed a TimeoutNegativeWarning at
// connect; the delay is at least 1 ms now. Its test: src/kafka/dependency-patches.test.ts ("kafkajs request queue
// patch").
// No patch's `to` contains its `from` (an insertion's `from` spans the point it inserts at): a patch edited without a
// `was` form then fails the install on a file an earlier form patched, instead of inserting its text a second time.

export const kafkajsRequestQueueTimerPatches = [
  {
    file: "node_modules/kafkajs/src/network/requestQueue/index.js",
    from: `        this.checkPendingRequests()
      }, scheduleAt)`,
    to: `        this.checkPendingRequests()
      }, Math.max(1, scheduleAt)) // edge-gateway patch: never a negative delay`,
  },
];
