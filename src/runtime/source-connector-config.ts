/**
 * The keys only source connectors have (Connect's SourceConnectorConfig), declared once in
 * Connect's order, and the full framework key list of a source connector. The
 * `topic.creation.<group>.*` keys are in topic-creation.ts.
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { commonConnectorConfig, duplicateAliases } from "./connector-config.ts";

/** Keys only source connectors have (SourceConnectorConfig). */
export const sourceOnlyConfig = defineConfig({
  "topic.creation.groups": key.list({
    doc: "Groups of configurations for topics created by source connectors",
    default: [],
    importance: "LOW",
    group: "Topic Creation",
    order: 1,
    width: "LONG",
    displayName: "Topic Creation Groups",
    validators: [duplicateAliases],
  }),
  "exactly.once.support": key.string({
    doc: 'Permitted values are requested, required. If set to "required", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to "requested". Additionally, if the value is set to "required" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.',
    default: "requested",
    importance: "MEDIUM",
    group: "Exactly Once Support",
    order: 2,
    width: "SHORT",
    displayName: "Exactly once support",
    validators: [check.oneOfIgnoreCase(["requested", "required"])],
  }),
  "transaction.boundary": key.string({
    doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
    default: "poll",
    importance: "MEDIUM",
    group: "Exactly Once Support",
    order: 3,
    width: "SHORT",
    displayName: "Transaction Boundary",
    validators: [check.oneOfIgnoreCase(["poll", "interval", "connector"])],
  }),
  "transaction.boundary.interval.ms": key.long({
    doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
    default: null,
    importance: "LOW",
    group: "Exactly Once Support",
    order: 4,
    width: "SHORT",
    displayName: "Transaction boundary interval",
    // Connect's validator skips an unset (null) value and refuses a negative one as Range.atLeast(0).
    validators: [(ms) => (ms !== null && ms < 0 ? "Value must be at least 0" : undefined)],
  }),
  "offsets.storage.topic": key.string({
    doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker’s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
    default: null,
    importance: "LOW",
    group: "offsets.topic",
    order: 1,
    width: "LONG",
    displayName: "Offsets topic",
    validators: [check.nonEmptyString()],
  }),
});

export const sourceConnectorConfig = commonConnectorConfig.concat(sourceOnlyConfig);
