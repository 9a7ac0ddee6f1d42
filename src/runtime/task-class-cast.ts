/**
 * Connect's Worker.startTask builds the task class its task config's `task.class` names and casts it to the
 * connector's kind of task (SourceTask, SinkTask). A paused connector is not reconfigured, so after its class
 * changed its stored task configs still name the old connector's task class until it is resumed: a task
 * restarted meanwhile is that old class's task (a sink changed to another sink runs the old sink's task on
 * its old task config), and one of the other kind fails that cast with Java's ClassCastException (found by
 * scripts/diff-connect, seeds 7108 and 7109). Called by buildTask (task-builder.ts).
 */
import { JavaException } from "../errors.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

const TASK_CLASSES = {
  source: "org.apache.kafka.connect.source.SourceTask",
  sink: "org.apache.kafka.connect.sink.SinkTask",
} as const;

/**
 * The plugin whose task class `taskConfig` names, of `connector`'s kind (`connector` itself when no plugin
 * has that task class); throws Java's ClassCastException when it is a connector of the other kind.
 */
export function castTaskClass<D extends ConnectorDescriptor>(
  registry: PluginRegistry,
  taskConfig: Readonly<Record<string, string>>,
  connector: D,
): D {
  const taskClass = taskConfig["task.class"];
  // Two plugins may share a task class (plugin.path ones): the connector's own stays its task's plugin.
  if ("taskClass" in connector && connector.taskClass === taskClass) return connector;
  const owner = registry.plugins.find((p) => "taskClass" in p && p.taskClass === taskClass);
  if (!owner || owner === connector) return connector;
  if (owner.type === connector.type) return owner as D;
  const target = TASK_CLASSES[connector.type];
  throw new JavaException(
    "java.lang.ClassCastException",
    `class ${taskClass} cannot be cast to class ${target} (${taskClass} and ${target} are in unnamed module of loader 'app')`,
  );
}
