import { describe, expect, test } from "bun:test";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { castTaskClass, servesRouteNotOpened } from "./task-class-cast.ts";

// Only the fields castTaskClass reads: a plugin's kind and task class.
const plugin = (className: string, type: "source" | "sink", taskClass: string) =>
  ({ className, type, taskClass }) as unknown as ConnectorDescriptor;
const registryOf = (...plugins: ConnectorDescriptor[]) => ({ plugins }) as unknown as PluginRegistry;

describe("castTaskClass", () => {
  const first = plugin("a.FirstSink", "sink", "shared.Task");
  const second = plugin("b.SecondSink", "sink", "shared.Task");
  const other = plugin("c.OtherSink", "sink", "c.OtherTask");
  const source = plugin("d.Source", "source", "d.SourceTask");
  const registry = registryOf(first, second, other, source);

  test("a connector's own task class stays its own plugin when another plugin shares that class", () => {
    expect(castTaskClass(registry, { "task.class": "shared.Task" }, second)).toBe(second);
  });

  test("a stored task class of another plugin of the same kind is that plugin's", () => {
    expect(castTaskClass(registry, { "task.class": "c.OtherTask" }, first)).toBe(other);
  });

  test("an unknown task class falls back to the connector", () => {
    expect(castTaskClass(registry, { "task.class": "gone.Task" }, first)).toBe(first);
  });

  test("a task class of the other kind is Java's ClassCastException", () => {
    expect(() => castTaskClass(registry, { "task.class": "d.SourceTask" }, first)).toThrow(
      "class d.SourceTask cannot be cast to class org.apache.kafka.connect.sink.SinkTask",
    );
  });

  // leftfix2: an HttpIngestSource changed while PAUSED to a class serving no route ran its old task on that route.
  describe("a task serving an ingest route's requests", () => {
    const ingest = { ...plugin("e.Ingest", "source", "e.IngestTask"), tasksServeRequests: true } as ConnectorDescriptor;
    const withIngest = registryOf(source, ingest);

    test("is not built for a connector whose class serves none", () => {
      expect(() => castTaskClass(withIngest, { "task.class": "e.IngestTask" }, source)).toThrow(
        "Task class e.IngestTask serves the requests of an ingest route, which connector class d.Source does not open",
      );
    });

    test("servesRouteNotOpened names only such a task (the Herder does not build it while PAUSED)", () => {
      expect([
        servesRouteNotOpened(withIngest, { "task.class": "e.IngestTask" }, source),
        servesRouteNotOpened(withIngest, { "task.class": "e.IngestTask" }, ingest),
        servesRouteNotOpened(withIngest, { "task.class": "d.SourceTask" }, source),
        servesRouteNotOpened(withIngest, { "task.class": "d.SourceTask" }, ingest),
      ]).toEqual([true, false, false, false]);
    });

    test("an ingest connector's stored task of another source class is still that class's, as in Connect", () => {
      expect(castTaskClass(withIngest, { "task.class": "d.SourceTask" }, ingest)).toBe(source);
    });
  });
});
