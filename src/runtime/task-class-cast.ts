/**
 * Connect's Worker.startTask builds the task class its task config's `task.class` names and casts it to the
 * connector's kind of task (SourceTask, SinkTask). A paused connector is not reconfigured, so after its class
 * changed its stored task configs still name the old connector's task class until it is resumed: a task
 * restarted meanwhile is that old class's task (a sink changed to another sink runs the old sink's task on
 * its old task config), and one of the other kind fails that cast with Java's ClassCastException (found by
 * scripts/diff-connect, seeds 7108 and 7109). Called by buildTask (task-builder.ts).
 *
 * Gateway rule (leftfix2): a task serving an ingest route's requests (`tasksServeRequests`: HttpIngestSource's) is not
 * built for a connector whose class serves none (changed while PAUSED to FileStreamSource, say): that connector opens
 * no route, so the task would hold the route of the old config (503, never 404) and could serve nothing. It fails
 * instead; while the connector is PAUSED it is not built at all (servesRouteNotOpened: the Herder shows it PAUSED, as
 * Connect shows the old class's paused task) and the config the connector is resumed with makes its tasks again. The
 * other way round, an ingest connector's stored task of another class runs as Connect runs it: it serves no request,
 * and a resume stops it before anything is resumed (herder.ts).
 */
import { ConnectError, JavaException } from "../errors.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

const TASK_CLASSES = {
  source: "org.apache.kafka.connect.source.SourceTask",
  sink: "org.apache.kafka.connect.sink.SinkTask",
} as const;

function servesRequests(plugin: ConnectorDescriptor): boolean {
  return "tasksServeRequests" in plugin && plugin.tasksServeRequests === true;
}

/**
 * Whether `taskConfig` names the task class of a connector serving an ingest route's requests while `connector`'s
 * class serves none (changed while PAUSED): such a task is not built (castTaskClass throws; the Herder skips it while
 * PAUSED).
 */
export function servesRouteNotOpened(
  registry: PluginRegistry,
  taskConfig: Readonly<Record<string, string>>,
  connector: ConnectorDescriptor,
): boolean {
  const taskClass = taskConfig["task.class"];
  if ("taskClass" in connector && connector.taskClass === taskClass) return false;
  const owner = taskClassOwner(registry, taskClass);
  return owner !== undefined && ownerServesRouteNotOpened(owner, connector);
}

/** The plugin whose task class is `taskClass` (the first one when plugins share it). */
function taskClassOwner(registry: PluginRegistry, taskClass: string | undefined): ConnectorDescriptor | undefined {
  return registry.plugins.find((p): p is ConnectorDescriptor => "taskClass" in p && p.taskClass === taskClass);
}

/** Whether `owner`'s task serves an ingest route's requests while `connector`, of its kind, opens no route. */
function ownerServesRouteNotOpened(owner: ConnectorDescriptor, connector: ConnectorDescriptor): boolean {
  return owner.type === connector.type && servesRequests(owner) && !servesRequests(connector);
}

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
  const owner = taskClassOwner(registry, taskClass);
  if (!owner || owner === connector) return connector;
  if (owner.type === connector.type) {
    if (ownerServesRouteNotOpened(owner, connector))
      throw new ConnectError(
        `Task class ${taskClass} serves the requests of an ingest route, which connector class ${connector.className} does not open: the task is not started until the connector's tasks are made again from its config (it is resumed)`,
      );
    return owner as D;
  }
  const target = TASK_CLASSES[connector.type];
  throw new JavaException(
    "java.lang.ClassCastException",
    `class ${taskClass} cannot be cast to class ${target} (${taskClass} and ${target} are in unnamed module of loader 'app')`,
  );
}
