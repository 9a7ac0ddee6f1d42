/**
 * The herder and the member ids given to a connector's sink consumers (consumer-member-store.ts,
 * review-fencefix P2): DELETE /connectors/{name} deletes them, whatever group or client id they
 * were given under; another connector's stay. explore22 F1, F2, F5: those no task of their connector
 * fences any more (fewer tasks, a connector deleted while the gateway was down) are removed from their
 * groups and forgotten by the orphan sweep, at start and after a task reconfiguration.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { ConsumerMemberStore } from "../store/consumer-member-store.ts";
import { migrate } from "../store/database.ts";
import { within } from "../util/async.ts";
import { inProcessWorker, SCRIPTED_SINK, SCRIPTED_SOURCE } from "./herder-test-support.ts";

/** A `:memory:` gateway.db with its schema. */
function database(): Database {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
  return db;
}

const memberIds = (db: Database) =>
  db
    .query<{ member_id: string }, []>("SELECT member_id FROM consumer_members ORDER BY rowid")
    .all()
    .map((r) => r.member_id);

test("a deleted connector's consumer member ids are deleted with it; another connector's stay", async () => {
  const db = database();
  await using h = await inProcessWorker({ db });
  const members = new ConsumerMemberStore(db);
  expect(
    (await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } })).status,
  ).toBe(201);
  members.predecessors("c", "connect-c", "connector-consumer-c-0").joined("m-1");
  members.predecessors("c", "old-group", "connector-consumer-c-1").joined("m-2"); // a group id it used earlier
  members.predecessors("other", "connect-other", "connector-consumer-other-0").joined("m-3");
  expect((await h.rest("DELETE", "/connectors/c")).status).toBe(204);
  expect(db.query("SELECT connector, member_id FROM consumer_members").all()).toEqual([
    { connector: "other", member_id: "m-3" },
  ]);
});

test("at start, the dead member of a connector deleted while the gateway was down is removed from the group it shared, then forgotten", async () => {
  const db = database();
  const kafka = new MemoryKafka();
  new ConsumerMemberStore(db).remember("gone", "shared", "connector-consumer-gone-0", "m-dead");
  kafka.groupMembers.set("shared", [
    { memberId: "m-dead", clientId: "connector-consumer-gone-0" },
    { memberId: "m-live", clientId: "connector-consumer-kept-0" },
  ]);
  await using _ = await inProcessWorker({ db, kafka });
  await waitFor(() => memberIds(db).length === 0, { what: "the dead member forgotten" });
  expect(kafka.groupMembers.get("shared")).toEqual([{ memberId: "m-live", clientId: "connector-consumer-kept-0" }]);
});

test("a sink connector's tasks reduced while it runs: the ids of the tasks no longer run are forgotten, the running task's stay", async () => {
  const db = database();
  await using h = await inProcessWorker({ db });
  const config = { "connector.class": SCRIPTED_SINK, topics: "t", "tasks.max": "2" };
  h.kafka.createTopic("t");
  expect((await h.rest("PUT", "/connectors/s/config", config)).status).toBe(201);
  const members = new ConsumerMemberStore(db);
  members.predecessors("s", "connect-s", "connector-consumer-s-0").joined("m-0");
  members.predecessors("s", "connect-s", "connector-consumer-s-1").joined("m-1");
  expect((await h.rest("PUT", "/connectors/s/config", { ...config, "tasks.max": "1" })).status).toBe(200);
  await waitFor(() => memberIds(db).length === 1, { what: "task 1's member id forgotten" });
  expect(memberIds(db)).toEqual(["m-0"]);
});

// orphanfence review P3: a stop returned with a sweep in flight, which then went on with Kafka (an
// admin client created after the worker's was closed) and the store after their close.
test("a stop waits for the orphan sweep in flight before it returns", async () => {
  const db = database();
  const kafka = new MemoryKafka();
  new ConsumerMemberStore(db).remember("gone", "g", "connector-consumer-gone-0", "m-dead");
  kafka.groupMembers.set("g", [{ memberId: "m-dead", clientId: "connector-consumer-gone-0" }]);
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked = false;
  const admin = await kafka.admin();
  kafka.admin = async () => ({
    ...admin,
    groupMembers: async (groupId) => {
      asked = true;
      await gate;
      return admin.groupMembers(groupId);
    },
  });
  const h = await inProcessWorker({ db, kafka });
  await waitFor(() => asked || undefined, { what: "the sweep asking for the group's members" });
  const stopping = h.stop().then(() => memberIds(db));
  await h.herder.healthCheck();
  expect(await within(stopping, 0)).toBeUndefined();
  release();
  expect(await stopping).toEqual([]);
});
