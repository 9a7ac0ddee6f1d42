#!/usr/bin/env node
// Applies the project's fixes to installed dependencies, kafkajs 2.2.4 (unmaintained upstream) and @platformatic/kafka,
// in the open: npm's postinstall runs it after every install, scripts/lib.sh's ensure_deps runs it too. Each patch is
// in scripts/patches/<what it patches>.mjs, whose header says what it fixes, why, and its tests; this script lists them
// in the order they are applied (a patch may rewrite text an earlier one inserted) and applies them.
// kafkajs' patches are numbered as they were made (the gateway's comments and README cite them so): 1-2
// kafkajs-producer-hot-spots.mjs, 3 kafkajs-request-queue-timer.mjs, 4-5 kafkajs-error-causes.mjs, 6 and 8-10
// kafkajs-record-headers.mjs, 7 kafkajs-post-handshake-alert.mjs, 11 kafkajs-rejoin.mjs, 12-14 kafkajs-leaders.mjs,
// 15 kafkajs-lost-coordinator.mjs, 16-17 kafkajs-fetch.mjs, 18 commit-generation.mjs, 19 tls-answer.mjs,
// 20 kafkajs-unanswered-produce.mjs, 21 kafkajs-moved-leader-produce.mjs, 22 kafkajs-idle-topics.mjs,
// 23 kafkajs-cluster-retry.mjs, 24 kafkajs-out-of-range-reset.mjs, 25 kafkajs-revoke-heartbeat.mjs.
// Each patch ({ file, from, to, was? }) is an exact text replacement: already applied (its `to` is in the file) →
// skipped; applied in an earlier form of this script (`was`: functions of `to` giving each form it was released in) →
// replaced by the current one; original text (`from`) not found (another version of the library) → the install fails
// loudly instead of silently running unpatched. No patch's `to` contains its `from` (an insertion's `from` spans the
// point it inserts at): a patch edited without a `was` form then fails the install on a file an earlier form patched,
// instead of inserting its text a second time. Files are replaced by rename, never rewritten in place: node_modules may
// be a hard-linked copy.
// src/kafka/dependency-patches.test.ts fails if a patch is lost; test/scripts-patch-dependencies-upgrade.test.ts upgrades
// an install from each `was` form and fails when a text a patch was released in (scripts/patches/released-forms.json,
// keyed by patched file and `from` hash: record a patch's new text there) is neither its `to` nor a `was` form.
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiVersionsAttemptPatches } from "./patches/api-versions-attempt.mjs";
import { bootstrapUnresponsivePatches } from "./patches/bootstrap-unresponsive.mjs";
import { commitGenerationPatches } from "./patches/commit-generation.mjs";
import { findCoordinatorAttemptPatches } from "./patches/find-coordinator-attempt.mjs";
import { kafkajsClusterRetryPatches } from "./patches/kafkajs-cluster-retry.mjs";
import { kafkajsErrorCausesPatches } from "./patches/kafkajs-error-causes.mjs";
import { kafkajsFetchPatches } from "./patches/kafkajs-fetch.mjs";
import { kafkajsIdleTopicsPatches } from "./patches/kafkajs-idle-topics.mjs";
import { kafkajsLeaderPatches } from "./patches/kafkajs-leaders.mjs";
import { kafkajsLostCoordinatorPatches } from "./patches/kafkajs-lost-coordinator.mjs";
import { kafkajsMovedLeaderProducePatches } from "./patches/kafkajs-moved-leader-produce.mjs";
import { kafkajsOutOfRangeResetPatches } from "./patches/kafkajs-out-of-range-reset.mjs";
import { kafkajsPostHandshakeAlertPatches } from "./patches/kafkajs-post-handshake-alert.mjs";
import { kafkajsProducerHotSpotsPatches } from "./patches/kafkajs-producer-hot-spots.mjs";
import { kafkajsRecordHeadersPatches } from "./patches/kafkajs-record-headers.mjs";
import { kafkajsRejoinPatches } from "./patches/kafkajs-rejoin.mjs";
import { kafkajsRequestQueueTimerPatches } from "./patches/kafkajs-request-queue-timer.mjs";
import { kafkajsRevokeHeartbeatPatches } from "./patches/kafkajs-revoke-heartbeat.mjs";
import { kafkajsSeedBrokerPatches } from "./patches/kafkajs-seed-broker.mjs";
import { kafkajsUnansweredProducePatches } from "./patches/kafkajs-unanswered-produce.mjs";
import { platformaticBatchDecodingPatches } from "./patches/platformatic-batch-decoding.mjs";
import { platformaticBundledWasmPatches } from "./patches/platformatic-bundled-wasm.mjs";
import { platformaticConnectionErrorsPatches } from "./patches/platformatic-connection-errors.mjs";
import { platformaticDiagnosticsPatches } from "./patches/platformatic-diagnostics.mjs";
import { platformaticGroupIdsPatches } from "./patches/platformatic-group-ids.mjs";
import { platformaticJoinProtocolPatches } from "./patches/platformatic-join-protocol.mjs";
import { platformaticLazyValidatorsPatches } from "./patches/platformatic-lazy-validators.mjs";
import { platformaticLeadersPatches } from "./patches/platformatic-leaders.mjs";
import { platformaticLostCoordinatorPatches } from "./patches/platformatic-lost-coordinator.mjs";
import { platformaticProduceFramePatches } from "./patches/platformatic-produce-frame.mjs";
import { platformaticRevokeHeartbeatPatches } from "./patches/platformatic-revoke-heartbeat.mjs";
import { saslHandshakeTimeoutPatches } from "./patches/sasl-handshake-timeout.mjs";
import { saslLoginClosedPatches } from "./patches/sasl-login-closed.mjs";
import { tlsAnswerPatches } from "./patches/tls-answer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every patch, in the order applied. */
export const patches = [
  ...tlsAnswerPatches,
  ...saslLoginClosedPatches,
  ...saslHandshakeTimeoutPatches,
  ...apiVersionsAttemptPatches,
  ...bootstrapUnresponsivePatches,
  ...findCoordinatorAttemptPatches,
  ...kafkajsPostHandshakeAlertPatches,
  ...kafkajsProducerHotSpotsPatches,
  ...kafkajsRequestQueueTimerPatches,
  ...kafkajsErrorCausesPatches,
  ...kafkajsRecordHeadersPatches,
  ...platformaticBundledWasmPatches,
  ...platformaticLazyValidatorsPatches,
  ...platformaticProduceFramePatches,
  ...platformaticConnectionErrorsPatches,
  ...platformaticBatchDecodingPatches,
  ...kafkajsRejoinPatches,
  ...kafkajsLeaderPatches,
  ...kafkajsSeedBrokerPatches,
  ...kafkajsUnansweredProducePatches,
  ...kafkajsMovedLeaderProducePatches,
  ...kafkajsIdleTopicsPatches,
  ...kafkajsClusterRetryPatches,
  ...kafkajsLostCoordinatorPatches,
  ...kafkajsFetchPatches,
  ...commitGenerationPatches,
  ...kafkajsOutOfRangeResetPatches,
  ...kafkajsRevokeHeartbeatPatches,
  ...platformaticJoinProtocolPatches,
  ...platformaticLeadersPatches,
  ...platformaticLostCoordinatorPatches,
  ...platformaticDiagnosticsPatches,
  ...platformaticGroupIdsPatches,
  ...platformaticRevokeHeartbeatPatches,
];

/** Patches every file, or exits with why it cannot: the install fails rather than run unpatched. */
const applyPatches = () => {
  let applied = 0;
  for (const patch of patches) {
    const path = join(root, patch.file);
    if (!existsSync(path)) {
      console.error(`patch-dependencies: ${patch.file} is missing`);
      process.exit(1);
    }
    const text = readFileSync(path, "utf8");
    if (text.includes(patch.to)) continue;
    // A patch applied in an earlier form of this script is brought up to date in place of it.
    const earlier = patch.was?.map((form) => form(patch.to)).find((w) => text.includes(w));
    if (earlier === undefined && !text.includes(patch.from)) {
      console.error(`patch-dependencies: ${patch.file} does not contain the text to patch (another version?)`);
      process.exit(1);
    }
    const temp = `${path}.patching`;
    // A function replacement: a patch's text is taken literally (a string one would expand `$&`, `$'`, `$$`).
    writeFileSync(temp, text.replace(earlier ?? patch.from, () => patch.to));
    renameSync(temp, path);
    applied++;
  }
  if (applied > 0) console.error(`patch-dependencies: applied ${applied} patch(es)`);
};

// Run by npm or scripts/lib.sh (node), or by bun; imported, it only exports `patches` (for
// src/kafka/dependency-patches.test.ts). Node 20 has no import.meta.main, so the path it was run by is
// compared with this module's as real paths: a symlinked file or directory (a linked checkout, node
// --preserve-symlinks-main) still names this script (test/scripts-patch-dependencies-main.test.ts).
const script = process.argv[1];
if (script !== undefined && existsSync(script) && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))) {
  applyPatches();
}
