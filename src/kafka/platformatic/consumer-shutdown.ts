/**
 * How the @platformatic/kafka adapter ends a library consumer so that nothing of it keeps running
 * and nothing it still holds reaches the sink task.
 *
 * The library's close() leaves its group machinery running in three cases:
 * - it cancels the heartbeat only when it sends a LeaveGroup, i.e. when it holds a member id. A
 *   member whose id a group error cleared (UNKNOWN_MEMBER_ID answered to a commit, say) keeps its
 *   heartbeat timer; after the close every heartbeat fails on the closed connections, which is not
 *   a group error, so the heartbeat re-arms itself for good;
 * - its membership stays on through the close: a JoinGroup or SyncGroup answered while it closes
 *   completes the join and arms the heartbeat again, for good likewise;
 * - when the LeaveGroup or the closing of its connections fails, it reports the error and counts
 *   as open again: heartbeat, rejoins and connections alive.
 * Its leaveGroup() turns the membership off first (an answer that comes afterwards arms nothing),
 * then sends the LeaveGroup if it has a member id. So the member leaves that way before the close; when
 * the close fails, the member id is given up (the broker expires the session, as after a failed
 * LeaveGroup of Java's consumer), the membership turned off and the connections closed.
 *
 * A library object that lingers anyway must not keep the task: `detach` drops what of the
 * adapter's it holds (event listeners, the joinGroup override, the join's user-data callback).
 */
import type { Consumer } from "@platformatic/kafka";
import { within } from "../../util/async.ts";

type LibraryConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/**
 * Closes the library consumer; when its close fails, stops it anyway and rethrows the failure. Each
 * leave is awaited at most `leaveTimeoutMs` (the request timeout): the library's leaveGroup() goes
 * through its retries with a coordinator look-up each, which against a broker that does not answer
 * would hold a task's stop for minutes; the membership is off from its first step, so the close that
 * follows sends nothing more and closes the connections (the broker expires the session).
 */
export async function closeForGood(consumer: LibraryConsumer, leaveTimeoutMs: number): Promise<void> {
  if (consumer.groupInstanceId) withoutLeaveGroupRequest(consumer);
  // A failed LeaveGroup here is tried again by the close, which reports it.
  if (!consumer.closed) await within(leaveGroup(consumer), leaveTimeoutMs);
  try {
    await consumer.close();
  } catch (error) {
    consumer.memberId = null;
    await within(leaveGroup(consumer), leaveTimeoutMs);
    await consumer.close().catch(() => consumer.connections.close().catch(() => undefined));
    throw error;
  }
}

/**
 * A static member (group.instance.id) closes as Java's consumer.close() closes one (what Connect's
 * WorkerSinkTask calls): without a LeaveGroup (AbstractCoordinator.shouldSendLeaveGroupRequest), so
 * the coordinator keeps its partitions for it until `session.timeout.ms` and a restart with the same
 * instance id gets them back without a rebalance. The library's leave still runs (heartbeat
 * cancelled, membership off, member id given up): only its LeaveGroup request is answered here.
 * The library sends it without the instance id, which removes a static member at once.
 */
function withoutLeaveGroupRequest(consumer: LibraryConsumer): void {
  type GetApi = (name: string, callback: (error: Error | null, api?: unknown) => void) => void;
  const target = consumer as unknown as Record<symbol, GetApi>;
  let proto: object | null = consumer;
  let key: symbol | undefined;
  for (; proto && !key; proto = Object.getPrototypeOf(proto))
    key = Object.getOwnPropertySymbols(proto).find((sym) => sym.description === "plt.kafka.base.getApi");
  if (!key) throw new Error("@platformatic/kafka internals changed: the client's API lookup not found");
  const getApi = target[key]!.bind(consumer);
  const answered = (...args: unknown[]) => (args.at(-1) as (error: null, response: object) => void)(null, {});
  target[key] = (name, callback) => (name === "LeaveGroup" ? callback(null, answered) : getApi(name, callback));
}

/** The library's leaveGroup(): membership off, then LeaveGroup if it has a member id; never rejects. */
function leaveGroup(consumer: LibraryConsumer): Promise<void> {
  return new Promise((resolve) => consumer.leaveGroup(false, () => resolve()));
}

/** What the adapter gives the library as the join's user-data callback: cut off by `detach`. */
export class JoinHook {
  private target: (() => Promise<void>) | undefined;

  constructor(target: () => Promise<void>) {
    this.target = target;
  }

  /** For the library's `protocolsMetadata` (it keeps it in its options and every join's options): `result()` at each join. */
  callback<T>(result: () => T): () => Promise<T> {
    return relay(this, result);
  }

  /** Once cut, refuses: a detached consumer sends no JoinGroup any more. */
  async run(): Promise<void> {
    if (!this.target) throw new Error("The consumer was closed");
    await this.target();
  }

  cut(): void {
    this.target = undefined;
  }
}

/** Module-level, so that the function the library keeps closes over the hook only. */
function relay<T>(hook: JoinHook, result: () => T): () => Promise<T> {
  return async () => {
    await hook.run();
    return result();
  };
}

/** Drops the adapter's listeners and joinGroup override from the library consumer. */
export function detach(consumer: LibraryConsumer, hook: JoinHook): void {
  hook.cut();
  // By name: the library's removeAllListeners() passes its missing argument on, removing nothing.
  for (const event of consumer.eventNames()) consumer.removeAllListeners(event);
  // A rejoin failing after the close still emits "error": without a listener that would throw.
  consumer.on("error", () => undefined);
  delete (consumer as { joinGroup?: unknown }).joinGroup;
}
