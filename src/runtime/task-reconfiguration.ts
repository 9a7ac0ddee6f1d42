/**
 * Connect's task generation, run by the Herder when a connector starts or asks for a
 * reconfiguration: the connector generates its task configs (within `tasks.max`), and each gets
 * the framework keys (`task.class`, a sink's topics) with config-provider references in place of
 * what they resolved to, so no resolved secret is stored or shown.
 */
import type { Config } from "../api/connector.ts";
import { hasConfigVariable } from "../config-providers/config-variables.ts";
import { ConnectError } from "../errors.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { RawConnectorConfig } from "../store/config-store.ts";
import { commonConnectorConfig } from "./connector-config.ts";
import { type ResolveConfig, ResolvedValues } from "./resolved-values.ts";
import type { WorkerConnector } from "./worker-connector.ts";

class TooManyTasksError extends ConnectError {
  override readonly javaClass = "org.apache.kafka.connect.errors.TooManyTasksException";
}

/**
 * The task configs a started connector generates now, framework keys added; null when it generated
 * more than `tasks.max` (with tasks.max.enforce), in which case the connector has been failed with
 * the reason. A config its providers cannot resolve now, or a connector whose taskConfigs throws,
 * is that error: the caller retries, as Connect's reconfigureConnectorTasksWithRetry.
 */
export async function generateTaskConfigs(
  name: string,
  connectorConfig: RawConnectorConfig,
  wc: WorkerConnector,
  resolveConfig: ResolveConfig,
): Promise<RawConnectorConfig[] | null> {
  // Parsed from the resolved config: tasks.max may itself be a config-provider reference.
  const { values, config } = await ResolvedValues.resolve(connectorConfig, resolveConfig);
  const common = commonConnectorConfig.parse(config);
  const generated = await wc.taskConfigs(common["tasks.max"]);
  if (common["tasks.max.enforce"] && generated.length > common["tasks.max"]) {
    wc.fail(
      new TooManyTasksError(
        `The connector ${name} has generated ${generated.length} tasks, which is greater than ${common["tasks.max"]}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is no longer permitted; to re-enable this behavior, set 'tasks.max.enforce' to false`,
      ),
    );
    return null;
  }
  // The running instance's class: one given by reference names no plugin as stored.
  return generated.map((c) => withFrameworkTaskKeys(connectorConfig, c, wc.descriptor, values));
}

function withFrameworkTaskKeys(
  connectorConfig: RawConnectorConfig,
  taskConfig: Config,
  { taskClass, type }: ConnectorDescriptor,
  values: ResolvedValues,
): RawConnectorConfig {
  const out: RawConnectorConfig = { ...taskConfig, "task.class": taskClass };
  // Connect's reverseTransform: the connector saw resolved values; a task key whose raw connector
  // value is a provider reference stores the reference, so no resolved secret is persisted or shown.
  // Beyond Connect: a task value that is exactly a resolved value, under another key, stores its
  // reference too (it resolves to the same value when the task starts).
  for (const key of Object.keys(out)) {
    const raw = connectorConfig[key];
    if (raw !== undefined && hasConfigVariable(raw)) out[key] = raw;
    else out[key] = values.referenceFor(out[key]!) ?? out[key]!;
  }
  if (type === "sink") {
    if (connectorConfig.topics !== undefined) out.topics = connectorConfig.topics;
    if (connectorConfig["topics.regex"] !== undefined) out["topics.regex"] = connectorConfig["topics.regex"];
  }
  return out;
}
