/**
 * Which @platformatic/kafka consumers a coordinator answered FENCED_INSTANCE_ID (another process
 * joined with the same `group.instance.id`), seen through the library's diagnostics channel for
 * requests; consumer.ts calls `watchFencing` for each static member it starts.
 *
 * Java's consumer treats the answer as fatal (FencedInstanceIdException: its poll throws and the
 * Connect task fails), from a heartbeat, a JoinGroup, a SyncGroup or a commit (the library's
 * OffsetCommit carries the instance id since scripts/patch-dependencies.mjs; without it a fenced
 * member's commit was answered UNKNOWN_MEMBER_ID). The library instead
 * clears the member id and joins again, which fences the other instance in turn: two processes
 * sharing an id would take the partitions from each other for ever. The channel reports a response
 * error before the library's callback sees it, so the watch marks the consumer fenced before the
 * library starts that rejoin (consumer.ts then refuses it).
 *
 * A Heartbeat or an OffsetCommit sent under a generation the member has left since (a join
 * completed between the request and its answer) is not fatal, as in Java (AbstractCoordinator's
 * HeartbeatResponseHandler and ConsumerCoordinator's OffsetCommitResponseHandler check
 * `generationUnchanged()`): the answer is about the old generation, which the member's rejoin
 * replaced. A JoinGroup or SyncGroup answered so is always fatal, as in Java. The generation a
 * request was sent under is the member's when the library writes it (the channel's `start`).
 */
import { tracingChannel } from "node:diagnostics_channel";
import { findErrorBy, protocolAPIsById } from "@platformatic/kafka";

/** Java's FencedInstanceIdException (Errors.FENCED_INSTANCE_ID's message). */
export const FENCED_INSTANCE_ID =
  "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.";

/** A member's generation as its last completed join gave it (Java's AbstractCoordinator.Generation). */
export interface Generation {
  readonly generationId: number;
  readonly memberId: string;
}

/** What the watch of one static member asks of it, and tells it. */
export interface FencingWatch {
  /** The member's generation now (undefined before its first join completes). */
  generation(): Generation | undefined;
  /** A request of its current generation (or a JoinGroup, a SyncGroup) was answered FENCED_INSTANCE_ID: fatal. */
  onFenced(): void;
  /**
   * A Heartbeat or OffsetCommit of an older generation was: not fatal (the library has cleared the
   * member id all the same; its answer is on its way to the library's callback).
   */
  onStale(): void;
}

/** The requests whose FENCED_INSTANCE_ID answer Java ignores when it is about an older generation. */
const GENERATION_CHECKED = new Set(["Heartbeat", "OffsetCommit"]);

interface ApiRequest {
  readonly connection?: { readonly ownerId?: unknown };
  readonly apiKey?: number;
  readonly error?: unknown;
}

/** Per consumer (its instance id, the owner of its connections): its watch. */
const watched = new Map<number, FencingWatch>();

/** The generation each watched Heartbeat or OffsetCommit under way was sent under (keyed by the library's request context). */
const sentUnder = new WeakMap<object, Generation | undefined>();

const requests = tracingChannel<object, object>("plt:kafka:connections:api");

const watchOf = (request: ApiRequest): FencingWatch | undefined => {
  const owner = request.connection?.ownerId;
  return typeof owner === "number" ? watched.get(owner) : undefined;
};

const generationChecked = (request: ApiRequest): boolean =>
  typeof request.apiKey === "number" && GENERATION_CHECKED.has(protocolAPIsById[request.apiKey] ?? "");

const sameGeneration = (a: Generation | undefined, b: Generation | undefined): boolean =>
  a?.generationId === b?.generationId && a?.memberId === b?.memberId;

/**
 * Subscribed only while a static member is watched: with a subscriber the library traces every
 * request of every client (Produce and Fetch included), which the data path should not pay for.
 */
const answers = {
  start: (context: object) => {
    const watch = watchOf(context as ApiRequest);
    if (watch && generationChecked(context as ApiRequest)) sentUnder.set(context, watch.generation());
  },
  end: () => {},
  asyncStart: () => {},
  asyncEnd: () => {},
  error: (context: object) => {
    const request = context as ApiRequest;
    const watch = watchOf(request);
    if (!watch || !(request.error instanceof Error) || !findErrorBy(request.error, "apiId", "FENCED_INSTANCE_ID"))
      return;
    // A request whose sending the watch did not see counts as of the current generation.
    const stale = sentUnder.has(context) && !sameGeneration(sentUnder.get(context), watch.generation());
    if (stale) watch.onStale();
    else watch.onFenced();
  },
};

/**
 * Watches the requests of the consumer whose library instance id is given for FENCED_INSTANCE_ID
 * answers. Returns the function that stops watching.
 */
export function watchFencing(instanceId: number, watch: FencingWatch): () => void {
  if (watched.size === 0) requests.subscribe(answers);
  watched.set(instanceId, watch);
  return () => {
    if (watched.delete(instanceId) && watched.size === 0) requests.unsubscribe(answers);
  };
}
