import { expect, test } from "bun:test";
import { Consumer } from "@platformatic/kafka";
import { latestMemberId } from "./latest-member-id.ts";

test("the latest member id the library held survives its clearing the field, and follows every new one", async () => {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: "latest-member-id",
    bootstrapBrokers: ["127.0.0.1:1"],
    groupId: "g",
  });
  try {
    const latest = latestMemberId(consumer);
    expect(latest()).toBe(null);
    consumer.memberId = "m1";
    consumer.memberId = null;
    expect([consumer.memberId, latest()]).toEqual([null, "m1"]);
    consumer.memberId = "m2";
    expect([consumer.memberId, latest()]).toEqual(["m2", "m2"]);
  } finally {
    await consumer.close();
  }
});
