/**
 * Every generated doc page, path → content, derived from the declarations (plugins, worker
 * config, framework connector keys). Used by scripts/gen-docs and the docs drift test.
 */
import { configDoc, configTable, pluginDoc, pluginDocFileName, pluginIndex } from "./plugin/docs.ts";
import { builtInPlugins } from "./plugins.ts";
import { commonConnectorConfig, sinkOnlyConfig, sourceOnlyConfig } from "./runtime/connector-config.ts";
import { workerConfigDef } from "./worker-config.ts";

const WORKER_INTRO =
  "Keys of the worker properties file (`gateway worker.properties …`). Each can also be set in the environment as `CONNECT_<KEY>` (upper case, dots as underscores; `__` for `_`, `___` for `-`), which wins over the file. Kafka client settings (`security.protocol`, `sasl.*`, `ssl.*`, …) apply to every client; `producer.*`, `consumer.*` and `admin.*` override them per client type. `listeners.https.ssl.*` (or `ssl.*`) configure https listeners.";

const CONNECTOR_INTRO =
  "Keys every connector takes, as in Apache Kafka Connect. `transforms.<alias>.*` and `predicates.<alias>.*` configure single message transforms; `key.converter.*`, `value.converter.*` and `header.converter.*` configure a connector's own converters; `producer.override.*`, `consumer.override.*` and `admin.override.*` override client settings (with connector.client.config.override.policy=All, the default).";

export function generatedDocs(): Map<string, string> {
  const docs = new Map<string, string>();
  const plugins = [...builtInPlugins].sort((a, b) =>
    `${a.type} ${a.className}` < `${b.type} ${b.className}` ? -1 : 1,
  );
  docs.set("docs/plugins/README.md", pluginIndex(plugins));
  for (const p of plugins) docs.set(`docs/plugins/${pluginDocFileName(p)}`, pluginDoc(p));
  docs.set("docs/worker-config.md", configDoc("Worker configuration", WORKER_INTRO, workerConfigDef));
  docs.set(
    "docs/connector-config.md",
    `${configDoc("Connector framework keys", CONNECTOR_INTRO, commonConnectorConfig)}\n## Source connectors only\n\n${configTable(sourceOnlyConfig)}\n## Sink connectors only\n\n${configTable(sinkOnlyConfig)}`,
  );
  return docs;
}
