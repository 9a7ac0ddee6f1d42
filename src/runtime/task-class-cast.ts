/**
 * Connect's Worker.startTask builds the task class its task config's `task.class` names and casts it to the
 * connector's kind of task (SourceTask, SinkTask). Task configs that a connector of the other kind generated fail
 * that cast: a paused connector is not reconfigured, so after its class changed from a sink to a source (or back)
 * its stored task configs still name the old class, and its tasks, restarted, fail with Java's ClassCastException
 * (found by scripts/diff-connect, seeds 7108 and 7109). Called by buildTask (task-builder.ts).
 */
import { JavaException } from "../errors.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

const TASK_CLASSES = {
  source: "org.apache.kafka.connect.source.SourceTask",
  sink: "org.apache.kafka.connect.sink.SinkTask",
} as const;

/** Throws Java's ClassCastException when `taskConfig` names the task class of a connector of the other kind. */
export function castTaskClass(
  registry: PluginRegistry,
  taskConfig: Readonly<Record<string, string>>,
  type: "source" | "sink",
): void {
  const taskClass = taskConfig["task.class"];
  const owner = registry.plugins.find((p) => "taskClass" in p && p.taskClass === taskClass);
  if (!owner || owner.type === type) return;
  const target = TASK_CLASSES[type];
  throw new JavaException(
    "java.lang.ClassCastException",
    `class ${taskClass} cannot be cast to class ${target} (${taskClass} and ${target} are in unnamed module of loader 'app')`,
  );
}
