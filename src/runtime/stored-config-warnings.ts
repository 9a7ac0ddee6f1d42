/**
 * The worker's side of a connector descriptor's `validationOnly` rules (descriptor.ts): validation
 * refuses what they find (validate-connector-config.ts), but a stored config that breaks one,
 * written before the rule existed, must keep running on upgrade. So each time the worker starts
 * the connector with a config (WorkerConnector: a worker start, a restart, a new config; not a
 * resume from PAUSED), every such problem is one WARN naming the connector and the key and saying
 * how it runs (the problem's `runsAs`, else as before), and the connector starts anyway. A config whose keys do not parse is left to the
 * connector's `start`, which fails it with the per-key error.
 */
import type { Config } from "../api/connector.ts";
import { ConfigError } from "../errors.ts";
import type { ConfigProblem, ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { Logger } from "../util/logger.ts";

export function warnValidationOnlyProblems(
  descriptor: ConnectorDescriptor,
  name: string,
  config: Config,
  log: Logger,
  /** The keys whose raw value held a reference a config provider resolved (PluginContext.providedKeys). */
  providedKeys?: ReadonlySet<string>,
): void {
  if (!descriptor.validationOnly) return;
  let problems: ReadonlyArray<ConfigProblem>;
  try {
    problems = descriptor.validationOnly(config, providedKeys);
  } catch (error) {
    if (!(error instanceof ConfigError))
      log.warn(`Connector ${name}: its stored config could not be checked against the rules validation applies`, error);
    return;
  }
  for (const { key, message, runsAs } of problems)
    log.warn(`Connector ${name}: ${key} ${runsAs ?? "runs as before"}, though validation now refuses it: ${message}`);
}
