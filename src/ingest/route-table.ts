/**
 * IngestRouteTable: the ingest routes the listener serves, one per HttpIngestSource connector,
 * found by `ingest.path` (native shapes) or by topic (REST Proxy shapes).
 *
 * Lifecycle, driven by the connector and its tasks (see connectors/http-ingest/):
 *   connector start  → `open(connector, settings, stages)`: the route answers (503 until a task attaches)
 *   connector PAUSED without starting (created or restarted PAUSED) → `reserve(connector, settings)`:
 *                      a suspended route, so its path answers 503 as after a pause
 *   task start/stop  → `attach` / `detach` a writer (the task's queue)
 *   connector stop   → `suspend(connector)`: 503 + Retry-After (pause); queued, unsent records are
 *                      withdrawn (their requests answer 503, nothing written)
 *   suspended and no writer left → the route is gone (404) once its connector's target state says so
 *                      (no such connector, or STOPPED): after a delete or a stop, not while a restart or
 *                      a config change replaces the instance (devices retry a 503; a 404 is final)
 * A path belongs to one connector: opening a path another connector holds throws.
 */
import { ConnectError } from "../errors.ts";
import type { TargetState } from "../store/config-store.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { type IngestStages, passThroughStages } from "./request-context.ts";
import type { IngestRouteSettings } from "./route-settings.ts";
import type { TopicOwners } from "./topic-owner.ts";

/** Takes a request's records and resolves with their outcomes once Kafka acknowledged them. */
export interface IngestWriter {
  /** Records accepted but not yet acknowledged. */
  readonly pending: number;
  /** Resolves with one outcome per record; throws IngestError (503) when it cannot take them now. */
  submit(submission: IngestSubmission): Promise<RecordOutcome[]>;
  /** `submit` calling `resolve` (of a promise the caller made): a promise fewer a request; throws as `submit`. */
  offer?(submission: IngestSubmission, resolve: (outcomes: RecordOutcome[]) => void): void;
  /** Fails records not yet handed to Kafka (their requests answer 503 Retry-After). */
  withdrawQueued(reason: string): void;
  /**
   * The gateway stops: requests waiting for Kafka answer now, as at their deadline (not the spool's), and every later
   * submission at once as not written (nothing of it sent), so none is left unanswered when the drain ends.
   */
  giveUp?(reason: string): void;
}

export type RouteState = "open" | "suspended";

/**
 * A connector's stored target state as its route reads it, or "UNROUTED": the connector exists but its class serves
 * no route (changed while PAUSED from HttpIngestSource): its route goes once no task is attached, as a deleted one's.
 */
export type RouteTarget = TargetState | "UNROUTED";

/**
 * What a request to a route taking no request now is told: its connector's target state when that says why (paused,
 * stopped, its class changed to one serving no route; null: no longer stored, deleted), else that it has no running task (a restart or a config change
 * replacing the instance, a task not yet started or failed, a state that could not be read).
 */
export function suspendedMessage(connector: string, target: RouteTarget | null | undefined): string {
  if (target === "PAUSED") return `The ingest connector ${connector} is paused`;
  if (target === "STOPPED") return `The ingest connector ${connector} is stopped`;
  if (target === "UNROUTED")
    return `The ingest connector ${connector} no longer accepts requests: its class changed to one serving no route`;
  if (target === null) return `The ingest connector ${connector} is deleted`;
  return `The ingest connector ${connector} has no running task`;
}

/** Records a task may hold before requests go to another task (IngestRoute.writer). */
export const FILL_FIRST_RECORDS = 1000;

/**
 * Requests a connector's route is handling now (for ingest.max.concurrent.requests), and the bytes
 * of their bodies being received (its share of ingest.request.bodies.max.bytes: body-budget.ts).
 */
export class RouteRequests {
  inFlight = 0;
  receiving = 0;
}

export class IngestRoute {
  state: RouteState = "open";
  /**
   * Its connector's target state as last read (null: no such connector; undefined: unknown), for `suspendedMessage`:
   * read when the route is suspended and at each lookup that finds it suspended (once for both the lookup and the
   * 503). Each change of its connector's state suspends, replaces or drops the connector's route, so it is current
   * while the route is the table's; once it is not, `targetNow` reads it (answerTarget).
   */
  target: RouteTarget | null | undefined = undefined;
  /** Set once another route of its connector replaced it or the table dropped it (IngestRouteTable.retire). */
  private targetNow: (() => RouteTarget | null | undefined) | undefined;

  constructor(
    readonly connector: string,
    readonly settings: IngestRouteSettings,
    readonly stages: IngestStages,
    /**
     * The running tasks' writers in the order they started (shared with the table: tasks come and
     * go independently). An array: iterating a Set makes an iterator object per request.
     */
    readonly writers: readonly IngestWriter[],
    /**
     * Shared by the routes a connector reopens (reconfigured, resumed): a request that began on the
     * route before ends on it, and the count of the route after must come down with it.
     */
    readonly requests: RouteRequests = new RouteRequests(),
  ) {}

  /**
   * Its connector's target state for the 503 of a request on it: `target` while it is the table's route, else read
   * now (null, "is deleted", kept for a route its connector's delete retired). A request still on a route replaced
   * since (a slow body) is answered after changes the table made on the routes after it: paused, then restarted or
   * reconfigured while paused (a reserved route), then resumed, it was told "is paused"; stopped (the route dropped),
   * then resumed, "is stopped".
   */
  answerTarget(): RouteTarget | null | undefined {
    return this.targetNow ? this.targetNow() : this.target;
  }

  /** No longer the table's route for its connector (not deleted): its state is read when a request on it is answered. */
  retire(targetNow: () => RouteTarget | null | undefined): void {
    this.targetNow = targetNow;
  }

  /** Topics reachable through the REST Proxy shapes. */
  get restProxyTopics(): readonly string[] {
    return this.settings.restProxyTopics;
  }

  /**
   * The task a request goes to, or undefined when none is running: the first (in the order the
   * tasks started) holding fewer than `FILL_FIRST_RECORDS` records, else the one with the fewest.
   * Small requests thus fill one task's produce requests rather than being spread thin over every
   * task's (each task has its own producer, so spreading 64 single records over four tasks made four
   * produce requests of 16 where one of 64 costs far less); large ones still spread.
   */
  writer(): IngestWriter | undefined {
    let best: IngestWriter | undefined;
    const writers = this.writers;
    for (let i = 0; i < writers.length; i++) {
      const w = writers[i]!;
      if (w.pending < FILL_FIRST_RECORDS) return w;
      if (!best || w.pending < best.pending) best = w;
    }
    return best;
  }
}

export type RouteListener = (routes: readonly IngestRoute[]) => void;

export class IngestRouteTable {
  private readonly byConnector = new Map<string, IngestRoute>();
  /** Writers by connector; a task may start before its connector opens the route (worker restart). */
  private readonly writers = new Map<string, IngestWriter[]>();
  private readonly listeners = new Set<RouteListener>();
  /** The routes as of the last change, for `byPath` (per request: an array, no iterator object). */
  private current: readonly IngestRoute[] = [];
  /** The stored connectors naming a topic in ingest.rest.proxy.topics (topic-owner.ts), per REST Proxy request. */
  owners: TopicOwners = () => [];

  /**
   * @param targetState a connector's stored target state (undefined: no such connector; "UNROUTED": its class serves
   *   no route); throws when the store cannot be read. A suspended route stays (503) once no task is attached while
   *   its connector exists, serves a route and is not STOPPED, or its state cannot be read; it is read again when such a route is looked up, so one left by an
   *   instance that never stopped (it failed to start) is gone once its connector is, and its 503 names the state.
   */
  constructor(private readonly targetState: (connector: string) => RouteTarget | undefined = () => undefined) {}

  /**
   * Called before a route opens; throws when no ingest listener can serve it (IngestServer: the
   * default listener, opened with the first route, could not open), which fails the connector's start.
   */
  beforeOpen: () => void = () => {};

  /** Opens (or reopens with new settings) the route of a connector. */
  open(connector: string, settings: IngestRouteSettings, stages: IngestStages): IngestRoute {
    for (const other of [...this.byConnector.values()]) {
      if (other.connector !== connector && other.settings.path === settings.path) {
        // Validation keeps paths unique among stored configs: a suspended route at this path is
        // left from another connector's older config (it was given another path), and gives way.
        if (other.state === "suspended") {
          this.drop(other);
          continue;
        }
        throw new ConnectError(
          `ingest.path ${settings.path} is already served by connector ${other.connector}; each ingest connector needs its own path`,
        );
      }
    }
    this.beforeOpen();
    // Its path is its own: the stages take over what the connector's instances share (its quota limits).
    stages.activate?.();
    return this.replace(connector, settings, stages, "open");
  }

  /**
   * A connector PAUSED without having started: a suspended route at its path (replacing a suspended
   * one of an older config), answering 503 with Retry-After until the connector starts and opens
   * its own, or is stopped. Nothing when the connector's route is open, or when another connector
   * holds the path; another connector opening the path displaces it.
   */
  reserve(connector: string, settings: IngestRouteSettings): void {
    const previous = this.byConnector.get(connector);
    if (previous?.state === "open") return;
    for (const other of this.byConnector.values()) {
      if (other.connector !== connector && other.settings.path === settings.path) return;
    }
    // A suspended route answers before any stage runs: it needs none of its own.
    this.replace(connector, settings, passThroughStages, "suspended");
  }

  /** Pauses the route: 503 with Retry-After; records not yet sent are withdrawn. */
  suspend(connector: string): void {
    const route = this.byConnector.get(connector);
    if (!route) return;
    route.state = "suspended";
    const retained = this.readTarget(route);
    for (const w of route.writers) w.withdrawQueued(suspendedMessage(connector, route.target));
    this.removeIfIdle(route, retained);
    this.changed();
  }

  attach(connector: string, writer: IngestWriter): void {
    const writers = this.writersOf(connector);
    if (!writers.includes(writer)) writers.push(writer);
    this.changed();
  }

  detach(connector: string, writer: IngestWriter): void {
    const writers = this.writers.get(connector);
    if (!writers) return;
    const at = writers.indexOf(writer);
    if (at >= 0) writers.splice(at, 1);
    const route = this.byConnector.get(connector);
    if (route) this.removeIfIdle(route);
    if (writers.length === 0 && !this.byConnector.has(connector)) this.writers.delete(connector);
    this.changed();
  }

  byPath(path: string): IngestRoute | undefined {
    const routes = this.current;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.settings.path === path) return route.state === "open" ? route : this.stillThere(route);
    }
    return undefined;
  }

  /**
   * The route serving REST Proxy produce requests for `topic`: the stored connector's naming it in
   * ingest.rest.proxy.topics (`owners`; none while it has none, not another's with its weaker auth:
   * review45), else the one connector's accepting it (kafka.topic), or of several the one naming it.
   */
  byTopic(topic: string): IngestRoute | undefined {
    const owners = this.owners(topic);
    if (owners.length > 0) {
      const route = owners.length === 1 ? this.byConnector.get(owners[0]!.connector) : undefined;
      if (!route?.settings.restProxyNamed.includes(topic)) return undefined;
      return route.state === "open" ? route : this.stillThere(route);
    }
    let found: IngestRoute | undefined;
    let named: IngestRoute | undefined;
    let accepting = 0;
    let naming = 0;
    for (const route of this.byConnector.values()) {
      if (!route.restProxyTopics.includes(topic)) continue;
      if (route.state !== "open" && !this.stillThere(route)) continue;
      accepting++;
      found = route;
      if (route.settings.restProxyNamed.includes(topic)) {
        naming++;
        named = route;
      }
    }
    if (naming > 0) return naming === 1 ? named : undefined;
    return accepting === 1 ? found : undefined;
  }

  /** The connectors whose routes accept REST Proxy produce requests for `topic`. */
  claimants(topic: string): string[] {
    return this.routes()
      .filter((route) => route.restProxyTopics.includes(topic) && (route.state === "open" || this.stillThere(route)))
      .map((route) => route.connector);
  }

  routes(): IngestRoute[] {
    return [...this.byConnector.values()];
  }

  /**
   * How many routes take requests now (open ones): a suspended route (a paused or stopping
   * connector) answers 503 before any body is read, so it needs no share of the body budget.
   */
  openCount(): number {
    let n = 0;
    for (const route of this.current) if (route.state === "open") n++;
    return n;
  }

  /** Called with the current routes whenever one opens, closes or changes state. */
  onChange(listener: RouteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private writersOf(connector: string): IngestWriter[] {
    let writers = this.writers.get(connector);
    if (!writers) {
      writers = [];
      this.writers.set(connector, writers);
    }
    return writers;
  }

  /** A suspended route (its target state read anew), or undefined once it is idle and its connector no longer retains it. */
  private stillThere(route: IngestRoute): IngestRoute | undefined {
    this.removeIfIdle(route, this.readTarget(route));
    if (this.byConnector.get(route.connector) === route) return route;
    this.changed();
    return undefined;
  }

  /** Drops a suspended route no task is attached to unless its connector retains it (`retained`, else read now). */
  private removeIfIdle(route: IngestRoute, retained?: boolean): void {
    if (route.state !== "suspended" || route.writers.length > 0 || this.byConnector.get(route.connector) !== route)
      return;
    if (retained ?? this.readTarget(route)) return;
    this.drop(route);
    this.writers.delete(route.connector);
  }

  /**
   * Reads the connector's target state into `route.target`; whether its route stays: the connector exists, serves a
   * route and is not STOPPED, or the store cannot be read now (closed at shutdown, an I/O error: it keeps answering
   * 503).
   */
  private readTarget(route: IngestRoute): boolean {
    const target = this.targetNow(route.connector);
    route.target = target;
    return target === undefined || (target !== null && target !== "STOPPED" && target !== "UNROUTED");
  }

  /** The connector's target state now: null when there is no such connector, undefined when it cannot be read. */
  private targetNow(connector: string): RouteTarget | null | undefined {
    try {
      return this.targetState(connector) ?? null;
    } catch {
      return undefined;
    }
  }

  /**
   * `route` is no longer its connector's: the requests still on it read the connector's state when answered, unless
   * its connector was deleted (its state last read null): they went to the deleted instance, and stay told "is
   * deleted", not the state of a connector created again under the name since.
   */
  private retire(route: IngestRoute): void {
    if (route.target !== null) route.retire(() => this.targetNow(route.connector));
  }

  /**
   * Sets the connector's route to a new one in `state`, sharing the request count of the one it replaces, which
   * retires: its in-flight requests' 503 names the state they are answered in (after a resume, "has no running task",
   * its task not yet attached, not "is paused").
   */
  private replace(connector: string, settings: IngestRouteSettings, stages: IngestStages, state: RouteState) {
    const previous = this.byConnector.get(connector);
    const route = new IngestRoute(connector, settings, stages, this.writersOf(connector), previous?.requests);
    route.state = state;
    if (previous) this.retire(previous);
    if (previous && previous.stages !== stages) void previous.stages.close?.();
    this.byConnector.set(connector, route);
    this.changed();
    return route;
  }

  private drop(route: IngestRoute): void {
    this.byConnector.delete(route.connector);
    this.retire(route);
    void route.stages.close?.();
  }

  private changed(): void {
    const routes = this.routes();
    this.current = routes;
    for (const listener of this.listeners) listener(routes);
  }
}
