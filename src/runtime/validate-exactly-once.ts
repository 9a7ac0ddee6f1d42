/**
 * The exactly-once preflight checks of a source connector's validation, as Connect 4.3.1's
 * DistributedHerder makes them once `exactly.once.support` and `transaction.boundary` passed their
 * own validators: `required` is refused because the gateway's worker has no exactly-once source
 * support, whatever its `exactly.once.source.support` says (preparing and enabled are accepted with
 * a startup WARN: worker-config.ts), and the connector is asked
 * whether it could give exactly-once semantics; `transaction.boundary=connector` asks the connector
 * whether it can define transaction boundaries.
 */

import { messageOf } from "../errors.ts";
import type { KeyValidation, RawConfig } from "../plugin/config-def.ts";
import type { SourceConnectorDescriptor } from "../plugin/descriptor.ts";

const NO_WORKER_SUPPORT = "This worker does not have exactly-once source support enabled.";
const NO_PREFLIGHT_API =
  "The connector does not implement the API required for preflight validation of exactly-once source support. " +
  "Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
  'and then consider reconfiguring the connector to use the value "requested" for this property (which will ' +
  "disable this preflight check and allow the connector to be created).";
const UNSUPPORTED = "The connector does not support exactly-once semantics with the provided configuration.";
const NO_BOUNDARIES =
  "The connector does not support connector-defined transaction boundaries with the given configuration. " +
  "Please reconfigure it to use a different transaction boundary definition.";

export function exactlyOnceChecks(
  connector: SourceConnectorDescriptor,
  config: Readonly<Record<string, string | null>>,
  results: Map<string, KeyValidation>,
): void {
  const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Record<string, string>;
  const add = (name: string, messages: string[]) => {
    const current = results.get(name);
    if (current) results.set(name, { ...current, errors: [...current.errors, ...messages] });
  };
  if (valid(results, "exactly.once.support") && lower(config["exactly.once.support"]) === "required") {
    add("exactly.once.support", [NO_WORKER_SUPPORT, ...supportErrors(connector, config)]);
  }
  if (valid(results, "transaction.boundary") && lower(config["transaction.boundary"]) === "connector") {
    if (connector.canDefineTransactionBoundaries?.(present) !== "SUPPORTED")
      add("transaction.boundary", [NO_BOUNDARIES]);
  }
}

/** What the connector says of exactly-once support; what it throws (a config it cannot parse) is Connect's "unexpected error", trimmed. */
function supportErrors(connector: SourceConnectorDescriptor, config: RawConfig): string[] {
  let support: string | undefined;
  try {
    support = connector.exactlyOnceSupport?.(config);
  } catch (error) {
    const message = messageOf(error).trim();
    return [`An unexpected error occurred during validation${message === "" ? "" : `: ${message}`}`];
  }
  return support === undefined ? [NO_PREFLIGHT_API] : support === "UNSUPPORTED" ? [UNSUPPORTED] : [];
}

function valid(results: Map<string, KeyValidation>, name: string): boolean {
  return (results.get(name)?.errors.length ?? 1) === 0;
}

function lower(value: string | null | undefined): string {
  return (value ?? "").trim().toLowerCase();
}
