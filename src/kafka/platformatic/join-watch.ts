/**
 * Which @platformatic/kafka consumers are inside a join (JoinGroup and SyncGroup, retries
 * included), seen through the library's diagnostics channel for group operations; it covers our
 * own joinGroup calls and the rejoins the library makes by itself.
 *
 * A close needs it. Since KIP-394 the first JoinGroup of a member without a member id is answered
 * MEMBER_ID_REQUIRED with the id the coordinator gave it, and the coordinator keeps that id as a
 * pending member until the member joins again with it, leaves with it, or its session times out;
 * while a pending member is there no join phase of the group completes (every other member's
 * JoinGroup waits, for up to session.timeout.ms). The library leaves the group at close only with
 * a member id it knows: a consumer closed while its first JoinGroup is out would leave without one,
 * and the coordinator would keep the pending member: closeLeavingGroup awaits that answer first.
 * It also keeps a close from waiting on a rejoin that other members hold up. The close itself is
 * consumer-shutdown.ts's closeForGood (nothing of the library consumer left running).
 */
import { tracingChannel } from "node:diagnostics_channel";
import type { Consumer } from "@platformatic/kafka";
import { within } from "../../util/async.ts";
import type { ConnectionSettings } from "../client-config.ts";
import { closeForGood } from "./consumer-shutdown.ts";
import { leaveAside } from "./group-entry.ts";

interface GroupOperation {
  readonly client?: object;
  readonly operation?: string;
}

/** Per consumer: its joins under way, and what settles when the last one does. */
const joins = new WeakMap<object, { count: number; settled: PromiseWithResolvers<void> }>();

/** The consumer whose join this operation is, if it is one. */
function joiner(context: object): object | undefined {
  const c = context as GroupOperation;
  return c.operation === "joinGroup" && typeof c.client === "object" && c.client !== null ? c.client : undefined;
}

function joinStarted(context: object): void {
  const client = joiner(context);
  if (!client) return;
  const entry = joins.get(client);
  if (entry) entry.count++;
  else joins.set(client, { count: 1, settled: Promise.withResolvers() });
}

function joinEnded(context: object): void {
  const client = joiner(context);
  const entry = client && joins.get(client);
  if (!client || !entry || --entry.count > 0) return;
  joins.delete(client);
  entry.settled.resolve();
}

tracingChannel<object, object>("plt:kafka:consumer:group").subscribe({
  start: joinStarted,
  asyncEnd: joinEnded,
  // A join that threw before it went asynchronous: no asyncEnd follows.
  end: (context) => {
    if ("error" in context) joinEnded(context);
  },
  asyncStart: () => {},
  error: () => {},
});

/** Whether `consumer` is inside a join (the library's own rejoins included). */
export function inJoin(consumer: object): boolean {
  return joins.has(consumer);
}

/**
 * Closes `consumer`, leaving its group. In a join, first (each awaited at most the request timeout):
 * with a member id, the coordinator may hold its JoinGroup until the other members rejoin, and a
 * LeaveGroup on the same connection would wait behind it: the member leaves through another
 * connection, and the library closes without leaving again; with none yet, the join's
 * answer may give one (MEMBER_ID_REQUIRED), which the library then leaves with. The join goes no
 * further meanwhile: the consumer's protocolsMetadata callback refuses a closed member, so the
 * library sends no JoinGroup again. A static member (group.instance.id) sends no LeaveGroup at all
 * (consumer-shutdown.ts, as Java's consumer.close()).
 */
export async function closeLeavingGroup(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  connection: ConnectionSettings,
): Promise<void> {
  const join = joins.get(consumer);
  const timeoutMs = connection.requestTimeoutMs;
  let leftAside = false;
  if (join && consumer.memberId && !consumer.groupInstanceId) {
    const left = leaveAside(connection, consumer.groupId, consumer.memberId).then(
      () => true,
      () => false,
    );
    leftAside = (await within(left, timeoutMs)) === true;
    // Gone from the group: the library has no member id to leave with, and closes its connections
    // whatever they still wait for (the join is over for this member).
    if (leftAside) consumer.memberId = null;
  }
  if (join && !leftAside) await within(join.settled.promise, timeoutMs);
  await closeForGood(consumer, timeoutMs);
}
