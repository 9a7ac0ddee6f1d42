/**
 * The latest member id a @platformatic/kafka consumer has held, for consumer.ts to give a static
 * member its member id back after the library cleared it (on a commit's UNKNOWN_MEMBER_ID or
 * FENCED_INSTANCE_ID answer). The latest, not the last completed join's: a JoinGroup answered
 * before the commit's answer came (its SyncGroup still under way) has registered a new one, which
 * the coordinator holds for the instance id from then on; the older one would be answered
 * FENCED_INSTANCE_ID, fencing the member itself.
 */
import type { Consumer } from "@platformatic/kafka";

/** Watches the library's `memberId` field from now on; returns its latest non-null value. */
export function latestMemberId(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): () => string | null {
  let current = consumer.memberId;
  let latest = current;
  Object.defineProperty(consumer, "memberId", {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (id: string | null) => {
      current = id;
      if (id) latest = id;
    },
  });
  return () => latest;
}
