/**
 * committedOffsets (kill-accounting.ts) just after a broker restart: the group coordinator answers NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE for a moment, which kafkajs's fetchOffsets throws without
 * asking again. Against an admin whose fetchOffsets answers as scripted.
 */
import { describe, expect, test } from "bun:test";
import { type Admin, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { committedOffsets } from "./kill-accounting.ts";

/** kafkajs's error for the broker's error code `type` (as its protocol layer makes it). */
function protocolError(type: string, code: number, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError({
    message: `the broker answered ${type}`,
    type,
    code,
    retriable,
  } as unknown as Error);
}

/** An admin whose fetchOffsets throws `errors` in turn, then answers offset 7 for partition 0; counts its calls. */
function scriptedAdmin(errors: Error[]) {
  let calls = 0;
  const admin: Pick<Admin, "fetchOffsets"> = {
    fetchOffsets: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return [{ topic: "t", partitions: [{ partition: 0, offset: "7", metadata: null }] }];
    },
  };
  return { admin, calls: () => calls };
}

describe("committedOffsets", () => {
  describe("when the coordinator is not ready yet (a restarted broker)", () => {
    test("asks again until it answers", async () => {
      const scripted = scriptedAdmin([
        protocolError("COORDINATOR_NOT_AVAILABLE", 15, true),
        protocolError("COORDINATOR_LOAD_IN_PROGRESS", 14, true),
        protocolError("NOT_COORDINATOR", 16, true),
        new KafkaJSNumberOfRetriesExceeded(protocolError("COORDINATOR_NOT_AVAILABLE", 15, true), {
          retryCount: 5,
          retryTime: 1000,
        }),
      ]);
      expect(await committedOffsets(scripted.admin, "g", "t")).toEqual(new Map([[0, 7]]));
      expect(scripted.calls()).toBe(5);
    });
  });

  describe("when the broker refuses the read", () => {
    test("throws its error at once", async () => {
      const refused = protocolError("GROUP_AUTHORIZATION_FAILED", 30, false);
      const scripted = scriptedAdmin([refused]);
      await expect(committedOffsets(scripted.admin, "g", "t")).rejects.toBe(refused);
      expect(scripted.calls()).toBe(1);
    });
  });
});
