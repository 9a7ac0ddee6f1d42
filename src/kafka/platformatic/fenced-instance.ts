/**
 * Which @platformatic/kafka consumers a coordinator answered FENCED_INSTANCE_ID (another process
 * joined with the same `group.instance.id`), seen through the library's diagnostics channel for
 * requests; consumer.ts calls `watchFencing` for each static member it starts.
 *
 * Java's consumer treats the answer as fatal (FencedInstanceIdException: its poll throws and the
 * Connect task fails), from a heartbeat, a JoinGroup or a SyncGroup. The library instead
 * clears the member id and joins again, which fences the other instance in turn: two processes
 * sharing an id would take the partitions from each other for ever. The channel reports a response
 * error before the library's callback sees it, so the watch marks the consumer fenced before the
 * library starts that rejoin (consumer.ts then refuses it). Not an OffsetCommit's answer: fatal only
 * about the member's current generation (Java's generationUnchanged()), a commit's retry may carry
 * a member id the member has left; commit-fencing.ts decides it.
 */
import { tracingChannel } from "node:diagnostics_channel";
import { findErrorBy, protocolAPIsByName } from "@platformatic/kafka";

/** Java's FencedInstanceIdException (Errors.FENCED_INSTANCE_ID's message). */
export const FENCED_INSTANCE_ID =
  "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.";

interface ApiRequest {
  readonly apiKey?: unknown;
  readonly connection?: { readonly ownerId?: unknown };
  readonly error?: unknown;
}

/** Per consumer (its instance id, the owner of its connections): what to do when it is fenced. */
const watched = new Map<number, () => void>();

const requests = tracingChannel<object, object>("plt:kafka:connections:api");

/**
 * Subscribed only while a static member is watched: with a subscriber the library traces every
 * request of every client (Produce and Fetch included), which the data path should not pay for.
 */
const answers = {
  start: () => {},
  end: () => {},
  asyncStart: () => {},
  asyncEnd: () => {},
  error: (context: object) => {
    const { apiKey, connection, error } = context as ApiRequest;
    if (apiKey === protocolAPIsByName.OffsetCommit) return;
    const owner = connection?.ownerId;
    const onFenced = typeof owner === "number" ? watched.get(owner) : undefined;
    if (onFenced && error instanceof Error && findErrorBy(error, "apiId", "FENCED_INSTANCE_ID")) onFenced();
  },
};

/**
 * Calls `onFenced` when a request of the consumer whose library instance id is given, other than an
 * OffsetCommit, is answered FENCED_INSTANCE_ID. Returns the function that stops watching.
 */
export function watchFencing(instanceId: number, onFenced: () => void): () => void {
  if (watched.size === 0) requests.subscribe(answers);
  watched.set(instanceId, onFenced);
  return () => {
    if (watched.delete(instanceId) && watched.size === 0) requests.unsubscribe(answers);
  };
}
