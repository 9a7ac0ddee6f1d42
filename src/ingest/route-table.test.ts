import { describe, expect, test } from "bun:test";
import type { TargetState } from "../store/config-store.ts";
import { passThroughStages } from "./request-context.ts";
import { closedRoute } from "./route-admission.ts";
import type { IngestWriter, RouteTarget } from "./route-table.ts";
import { FILL_FIRST_RECORDS, IngestRouteTable } from "./route-table.ts";
import { testSettings } from "./test-support.ts";

function writer(pending = 0): IngestWriter & { withdrawn: string[]; pending: number } {
  const withdrawn: string[] = [];
  return { pending, submit: async () => [], withdrawQueued: (reason) => withdrawn.push(reason), withdrawn };
}

describe("IngestRouteTable", () => {
  test("connector start opens, pause suspends (queued records withdrawn), delete removes once tasks stopped", () => {
    let target: TargetState | undefined = "PAUSED";
    const table = new IngestRouteTable(() => target);
    const w = writer();
    table.attach("c", w); // a task may start before its connector
    expect(table.byPath("/ingest/t")).toBeUndefined();
    table.open("c", testSettings(), passThroughStages);
    expect(table.byPath("/ingest/t")?.state).toBe("open");
    expect(table.byTopic("t")?.connector).toBe("c");
    table.suspend("c");
    expect(table.byPath("/ingest/t")?.state).toBe("suspended");
    expect(w.withdrawn).toEqual(["The ingest connector c is paused"]);
    table.open("c", testSettings(), passThroughStages);
    target = "STARTED";
    table.suspend("c");
    expect(w.withdrawn.at(-1)).toBe("The ingest connector c has no running task");
    table.open("c", testSettings(), passThroughStages);
    expect(table.byPath("/ingest/t")?.writer()).toBe(w);
    target = undefined; // deleted
    table.suspend("c");
    expect(w.withdrawn.at(-1)).toBe("The ingest connector c is deleted");
    table.detach("c", w);
    expect(table.byPath("/ingest/t")).toBeUndefined();
    expect(table.routes()).toEqual([]);
  });

  // p3ingest-b 4: the lookup read the target state (whether the route stays), and the 503 read it again.
  test("a request to a suspended route reads its connector's target state once, for the lookup and the 503", () => {
    let reads = 0;
    const table = new IngestRouteTable(() => {
      reads++;
      return "PAUSED";
    });
    table.open("c", testSettings(), passThroughStages);
    table.suspend("c");
    reads = 0;
    const route = table.byPath("/ingest/t")!;
    expect([closedRoute(route).message, reads]).toEqual(["The ingest connector c is paused", 1]);
  });

  // p3ingestc 2: an in-flight request on a route a pause suspended was told "is paused" after a resume replaced it.
  test("a request on a suspended route a resume replaced since is told it has no running task, not paused", () => {
    let target: TargetState = "PAUSED";
    const table = new IngestRouteTable(() => target);
    table.open("c", testSettings(), passThroughStages);
    table.suspend("c");
    const paused = table.byPath("/ingest/t")!;
    expect(closedRoute(paused).message).toBe("The ingest connector c is paused");
    target = "STARTED";
    table.open("c", testSettings(), passThroughStages);
    expect(closedRoute(paused).message).toBe("The ingest connector c has no running task");
  });

  // leftfix 3: a replaced route kept the state read as it was replaced; later changes touch only the routes after it.
  test.each([
    [
      "paused, reconfigured while paused, then resumed",
      (table: IngestRouteTable, set: (t: TargetState) => void) => {
        set("PAUSED");
        table.suspend("c");
        table.reserve("c", testSettings()); // the new instance, created PAUSED
        set("STARTED");
        table.open("c", testSettings(), passThroughStages);
      },
      "The ingest connector c has no running task",
    ],
    [
      "stopped (its route dropped), then resumed",
      (table: IngestRouteTable, set: (t: TargetState) => void) => {
        set("STOPPED");
        table.suspend("c");
        set("STARTED");
        table.open("c", testSettings(), passThroughStages);
      },
      "The ingest connector c has no running task",
    ],
    [
      "paused, resumed, then paused again",
      (table: IngestRouteTable, set: (t: TargetState) => void) => {
        set("PAUSED");
        table.suspend("c");
        set("STARTED");
        table.open("c", testSettings(), passThroughStages);
        set("PAUSED");
        table.suspend("c");
      },
      "The ingest connector c is paused",
    ],
  ] as const)("a request still on a route %s is told the state it is answered in", (_, changes, message) => {
    let target: TargetState | undefined = "STARTED";
    const table = new IngestRouteTable(() => target);
    table.open("c", testSettings(), passThroughStages);
    const first = table.byPath("/ingest/t")!; // the request's route, its body still coming
    changes(table, (t) => {
      target = t;
    });
    expect(table.byPath("/ingest/t")).not.toBe(first);
    expect(closedRoute(first).message).toBe(message);
    target = undefined; // deleted meanwhile
    expect(closedRoute(first).message).toBe("The ingest connector c is deleted");
  });

  // leftfix-b 5: a request still on the route of a deleted connector was told the state of the connector created
  // again under its name ("is paused", "has no running task"): it went to the deleted one.
  test.each([
    ["its route dropped, re-created running", [], "STARTED"],
    ["its route dropped, re-created paused", [], "PAUSED"],
    ["its route kept by a task not yet stopped, re-created running", [writer()], "STARTED"],
    ["its route kept by a task not yet stopped, re-created paused", [writer()], "PAUSED"],
  ] as const)("a request still on a deleted connector's route (%s) is told it is deleted", (_, writers, recreated) => {
    let target: TargetState | undefined = "STARTED";
    const table = new IngestRouteTable(() => target);
    for (const w of writers) table.attach("c", w);
    table.open("c", testSettings(), passThroughStages);
    const first = table.byPath("/ingest/t")!; // the request's route, its body still coming
    target = undefined; // deleted
    table.suspend("c");
    target = recreated;
    if (recreated === "PAUSED") table.reserve("c", testSettings());
    else table.open("c", testSettings(), passThroughStages);
    expect(table.byPath("/ingest/t")).not.toBe(first);
    expect(closedRoute(first).message).toBe("The ingest connector c is deleted");
  });

  // leftfix2 review P4: a request on the route of a connector whose class was changed (while PAUSED) to one serving
  // no route was told "The ingest connector c is deleted", though it exists.
  test("a route whose connector's class no longer serves one is gone, and a request still on it is told why", () => {
    let target: RouteTarget | undefined = "PAUSED";
    const table = new IngestRouteTable(() => target);
    table.open("c", testSettings(), passThroughStages);
    table.suspend("c");
    const first = table.byPath("/ingest/t")!; // the request's route, its body still coming
    target = "UNROUTED"; // reconfigured as FileStreamSource
    expect(table.byPath("/ingest/t")).toBeUndefined();
    expect(closedRoute(first).message).toBe(
      "The ingest connector c no longer accepts requests: its class changed to one serving no route",
    );
  });

  test("a suspended route whose connector's state cannot be read stays (503), naming no state", () => {
    const table = new IngestRouteTable(() => {
      throw new Error("database closed");
    });
    table.open("c", testSettings(), passThroughStages);
    table.suspend("c");
    const route = table.byPath("/ingest/t");
    expect(route?.state).toBe("suspended");
    expect(closedRoute(route!).message).toBe("The ingest connector c has no running task");
  });

  test("requests fill the first task until it holds FILL_FIRST_RECORDS, then go to the least busy", () => {
    const table = new IngestRouteTable();
    const [first, second, third] = [writer(), writer(), writer()];
    for (const w of [first, second, third]) table.attach("c", w);
    const route = table.open("c", testSettings(), passThroughStages);
    first.pending = FILL_FIRST_RECORDS - 1;
    expect(route.writer()).toBe(first); // not the least busy: its produce requests fill up
    first.pending = FILL_FIRST_RECORDS;
    second.pending = 10;
    expect(route.writer()).toBe(second);
    second.pending = FILL_FIRST_RECORDS + 5;
    third.pending = FILL_FIRST_RECORDS + 1;
    expect(route.writer()).toBe(first);
  });

  test("a connector paused without starting reserves a suspended route: 503, not 404, until it opens or is stopped", () => {
    const existing = new Set(["c"]);
    const table = new IngestRouteTable((c) => (existing.has(c) ? "STARTED" : undefined));
    table.reserve("c", testSettings()); // created PAUSED: no task yet
    expect(table.byPath("/ingest/t")?.state).toBe("suspended");
    expect(table.byTopic("t")?.connector).toBe("c");
    table.reserve("c", testSettings({ "ingest.path": "/ingest/new" })); // its config changed while paused
    expect(table.routes().map((r) => [r.settings.path, r.state])).toEqual([["/ingest/new", "suspended"]]);
    const w = writer();
    table.attach("c", w);
    table.open("c", testSettings(), passThroughStages); // resumed
    expect(table.byPath("/ingest/t")?.writer()).toBe(w);
    table.reserve("c", testSettings({ "ingest.path": "/ingest/old" })); // an open route: nothing
    expect(table.routes().map((r) => [r.settings.path, r.state])).toEqual([["/ingest/t", "open"]]);
    existing.delete("c"); // deleted or STOPPED
    table.suspend("c");
    table.detach("c", w);
    expect(table.routes()).toEqual([]);
  });

  test("a restart or config change keeps the route suspended (503) between the instances; gone once the connector is", () => {
    const existing = new Set(["c"]);
    const table = new IngestRouteTable((c) => (existing.has(c) ? "STARTED" : undefined));
    const w = writer();
    table.attach("c", w);
    table.open("c", testSettings(), passThroughStages);
    table.suspend("c"); // the old instance stops, then its tasks
    table.detach("c", w);
    expect(table.byPath("/ingest/t")?.state).toBe("suspended");
    table.open("c", testSettings({ "ingest.path": "/ingest/new" }), passThroughStages); // the new instance
    expect(table.byPath("/ingest/t")).toBeUndefined();
    expect(table.byPath("/ingest/new")?.state).toBe("open");
    table.suspend("c"); // the next instance never starts (FAILED): nothing stops it, then it is deleted
    existing.delete("c");
    expect(table.byTopic("t")).toBeUndefined();
    expect(table.byPath("/ingest/new")).toBeUndefined();
    expect(table.routes()).toEqual([]);
  });

  test("a reservation never takes another connector's path; a connector opening a path displaces a suspended route", () => {
    const table = new IngestRouteTable(() => "STARTED");
    table.open("a", testSettings(), passThroughStages);
    table.reserve("b", testSettings());
    expect(table.byPath("/ingest/t")?.connector).toBe("a");
    table.reserve("b", testSettings({ "ingest.path": "/ingest/b" }));
    expect(table.open("c", testSettings({ "ingest.path": "/ingest/b" }), passThroughStages).connector).toBe("c");
    table.suspend("a"); // left from a's older config
    expect(table.open("d", testSettings(), passThroughStages).connector).toBe("d");
    expect(table.routes().map((r) => r.connector)).toEqual(["c", "d"]);
  });

  // p3ingestc 1: stages are activated (take over the connector's shared quota limits) only once their route opened.
  test("a path held by another connector cannot be opened, and the refused stages are not activated", () => {
    const activated: string[] = [];
    const stages = (name: string) => ({ ...passThroughStages, activate: () => activated.push(name) });
    const table = new IngestRouteTable();
    table.open("a", testSettings(), stages("a"));
    expect(() => table.open("b", testSettings(), stages("b"))).toThrow(
      "ingest.path /ingest/t is already served by connector a",
    );
    expect(activated).toEqual(["a"]);
    table.open("a", testSettings({ "ingest.path": "/ingest/other" }), passThroughStages);
    expect(table.open("b", testSettings(), stages("b")).connector).toBe("b");
    expect(activated).toEqual(["a", "b"]);
  });

  test("REST Proxy topics: kafka.topic and ingest.rest.proxy.topics, none when disabled", () => {
    const table = new IngestRouteTable();
    table.open("off", testSettings({ "ingest.path": "/a", "ingest.rest.proxy.enable": "false" }), passThroughStages);
    expect(table.byTopic("t")).toBeUndefined();
    table.open("one", testSettings({ "ingest.path": "/b", "ingest.rest.proxy.topics": "x" }), passThroughStages);
    expect(table.byTopic("x")?.connector).toBe("one");
    expect(table.byTopic("t")?.connector).toBe("one");
    expect(table.claimants("t")).toEqual(["one"]);
  });

  // ingestp3: two connectors accepting REST Proxy requests for one topic were served by whichever
  // opened first (or had a task running), with its authentication: which one depended on start order.
  test("a REST Proxy topic several connectors accept: served by the one naming it in ingest.rest.proxy.topics, else by none", () => {
    for (const order of [
      ["strict", "open"],
      ["open", "strict"],
    ]) {
      const table = new IngestRouteTable();
      for (const name of order) table.open(name, testSettings({ "ingest.path": `/${name}` }), passThroughStages);
      table.attach(order[1]!, writer());
      expect(table.byTopic("t")).toBeUndefined();
      expect(table.claimants("t").sort()).toEqual(["open", "strict"]);
      table.open(
        "strict",
        testSettings({ "ingest.path": "/strict", "ingest.rest.proxy.topics": "t" }),
        passThroughStages,
      );
      expect(table.byTopic("t")?.connector).toBe("strict");
      table.open("open", testSettings({ "ingest.path": "/open", "ingest.rest.proxy.topics": "t" }), passThroughStages);
      expect(table.byTopic("t")).toBeUndefined(); // named by both (stored before validation refused it)
      table.suspend(order[0]!); // stopped or deleted, no task left: gone
      expect(table.byTopic("t")?.connector).toBe(order[1]!);
    }
  });
});
