import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { ConsumerMemberStore } from "./consumer-member-store.ts";
import { migrate } from "./database.ts";

function open(): { db: Database; store: ConsumerMemberStore } {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
  return { db, store: new ConsumerMemberStore(db) };
}

describe("ConsumerMemberStore", () => {
  test("remembers the ids given per group and client id, oldest first, once each", () => {
    const { store } = open();
    const task0 = store.predecessors("s", "connect-s", "connector-consumer-s-0");
    task0.given("m-1");
    task0.given("m-2");
    task0.given("m-1");
    store.predecessors("s", "connect-s", "connector-consumer-s-1").given("m-3");
    store.predecessors("s", "other-group", "connector-consumer-s-0").given("m-4");
    expect(task0.remembered()).toEqual(["m-1", "m-2"]);
    expect(store.remembered("connect-s", "connector-consumer-s-1")).toEqual(["m-3"]);
    expect(store.remembered("other-group", "connector-consumer-s-0")).toEqual(["m-4"]);
  });

  test("forgets the ids gone, keeping the others and those of other client ids", () => {
    const { store } = open();
    const task0 = store.predecessors("s", "connect-s", "connector-consumer-s-0");
    for (const id of ["m-1", "m-2", "m-3"]) task0.given(id);
    store.predecessors("s", "connect-s", "connector-consumer-s-1").given("m-1");
    task0.gone(["m-1", "m-3", "never-remembered"]);
    expect(task0.remembered()).toEqual(["m-2"]);
    expect(store.remembered("connect-s", "connector-consumer-s-1")).toEqual(["m-1"]);
  });

  // review-fencefix P2: each id given after UNKNOWN_MEMBER_ID added a row, kept until the next start.
  test("a completed join keeps only its own id for its group and client id", () => {
    const { store } = open();
    const task0 = store.predecessors("s", "connect-s", "connector-consumer-s-0");
    for (const id of ["m-dead", "m-1", "m-2"]) task0.given(id);
    store.predecessors("s", "connect-s", "connector-consumer-s-1").given("m-9");
    task0.joined("m-2");
    task0.joined("m-3"); // a new id the join was given without a MEMBER_ID_REQUIRED round
    expect(task0.remembered()).toEqual(["m-3"]);
    expect(store.remembered("connect-s", "connector-consumer-s-1")).toEqual(["m-9"]);
  });

  test("a deleted connector's ids go, whatever group or client id they were given under", () => {
    const { store } = open();
    store.predecessors("s", "connect-s", "connector-consumer-s-0").joined("m-1");
    store.predecessors("s", "group-before", "my-client").joined("m-2");
    store.predecessors("t", "connect-t", "connector-consumer-t-0").joined("m-3");
    expect(store.connectorDeleted("s")).toBe(2);
    expect([
      store.remembered("connect-s", "connector-consumer-s-0"),
      store.remembered("group-before", "my-client"),
      store.remembered("connect-t", "connector-consumer-t-0"),
    ]).toEqual([[], [], ["m-3"]]);
  });

  test("what a new store on the same database remembers (a gateway restarted after a kill -9)", () => {
    const { db, store } = open();
    store.predecessors("s", "connect-s", "connector-consumer-s-0").given("m-1");
    expect(new ConsumerMemberStore(db).remembered("connect-s", "connector-consumer-s-0")).toEqual(["m-1"]);
  });

  // review-fencefix P2: a read error failed the consumer's start.
  test("a read or write that fails does not fail the consumer (a closed or full database): one WARN each", () => {
    const db = new Database(":memory:", { strict: true });
    migrate(db, ":memory:");
    const lines: string[] = [];
    const log = new LogManager({ sink: (line) => void lines.push(line) }).get("members");
    const task0 = new ConsumerMemberStore(db, log).predecessors("s", "connect-s", "connector-consumer-s-0");
    task0.given("m-1");
    db.close();
    expect(task0.remembered()).toEqual([]);
    expect(() => task0.given("m-2")).not.toThrow();
    expect(() => task0.joined("m-2")).not.toThrow();
    expect(() => task0.gone(["m-1"])).not.toThrow();
    const of = "the member ids of group connect-s for client connector-consumer-s-0";
    // Each line: `[time] WARN <message>` then the error's trace on the next lines.
    expect(lines.map((l) => l.slice(l.indexOf("] ") + 2, l.indexOf("\n")))).toEqual([
      `WARN Could not read ${of}`,
      `WARN Could not store ${of}`,
      `WARN Could not store ${of}`,
      `WARN Could not remove ${of}`,
    ]);
  });
});
