/**
 * The herder and the member ids given to a connector's sink consumers (consumer-member-store.ts,
 * review-fencefix P2): DELETE /connectors/{name} deletes them, whatever group or client id they
 * were given under; another connector's stay.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { ConsumerMemberStore } from "../store/consumer-member-store.ts";
import { migrate } from "../store/database.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

test("a deleted connector's consumer member ids are deleted with it; another connector's stay", async () => {
  const db = new Database(":memory:", { strict: true });
  migrate(db, ":memory:");
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
