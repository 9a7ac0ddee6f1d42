import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { ConsumerMemberStore } from "./consumer-member-store.ts";
import { migrate } from "./database.ts";

function open(): { db: Database; store: ConsumerMemberStore } {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
  return { db, store: new ConsumerMemberStore(db) };
}

describe("ConsumerMemberStore", () => {
  test("remembers member ids per group and client id, oldest first, once each", () => {
    const { store } = open();
    const task0 = store.predecessors("connect-s", "connector-consumer-s-0");
    task0.joined("m-1");
    task0.joined("m-2");
    task0.joined("m-1");
    store.predecessors("connect-s", "connector-consumer-s-1").joined("m-3");
    store.predecessors("other-group", "connector-consumer-s-0").joined("m-4");
    expect(task0.remembered()).toEqual(["m-1", "m-2"]);
    expect(store.remembered("connect-s", "connector-consumer-s-1")).toEqual(["m-3"]);
    expect(store.remembered("other-group", "connector-consumer-s-0")).toEqual(["m-4"]);
  });

  test("forgets the ids gone, keeping the others and those of other client ids", () => {
    const { store } = open();
    const task0 = store.predecessors("connect-s", "connector-consumer-s-0");
    for (const id of ["m-1", "m-2", "m-3"]) task0.joined(id);
    store.predecessors("connect-s", "connector-consumer-s-1").joined("m-1");
    task0.gone(["m-1", "m-3", "never-remembered"]);
    expect(task0.remembered()).toEqual(["m-2"]);
    expect(store.remembered("connect-s", "connector-consumer-s-1")).toEqual(["m-1"]);
  });

  test("what a new store on the same database remembers (a gateway restarted after a kill -9)", () => {
    const { db, store } = open();
    store.predecessors("connect-s", "connector-consumer-s-0").joined("m-1");
    expect(new ConsumerMemberStore(db).remembered("connect-s", "connector-consumer-s-0")).toEqual(["m-1"]);
  });

  test("a write that fails does not fail the consumer's join (a closed or full database)", () => {
    const { db, store } = open();
    const task0 = store.predecessors("connect-s", "connector-consumer-s-0");
    db.close();
    expect(() => task0.joined("m-1")).not.toThrow();
    expect(() => task0.gone(["m-1"])).not.toThrow();
  });
});
