/**
 * Authentication before routing for the REST Proxy produce routes (v2 /topics/{topic}, v3
 * …/topics/{topic}/records): Confluent REST Proxy authenticates a request before its resource runs,
 * so a client without credentials learns nothing of the topics. When every ingest connector serving
 * these routes requires authentication (ingest.auth.methods), a request must authenticate with one
 * of them before its topic is looked up, its Content-Type checked or its path's partition parsed:
 * otherwise 401 (40101, with the challenges of every such connector). A connector admitting anonymous
 * requests (no ingest.auth.methods) turns the gate off: its devices keep today's answers (404 for an
 * unknown topic, 415), as then an unknown topic is no secret worth a credential.
 *
 * The identity found is kept on the exchange: the pipeline does not authenticate again when the
 * topic's own connector admitted it (ingest-handler.ts).
 *
 * Failed password verifies (ingest.auth.basic.failures.*): the topic's own connector checks the
 * credentials as on its own path (its failure counts on its limits); every other connector only
 * tries them (CredentialCheck.trial: a failure is not counted on its limits, so a valid device of
 * connector B posting to a misspelled topic no longer counts as a failure on connector A, whose
 * devices behind the same address then got 429). A request no connector admits counts its failed
 * trials once on the gate's own budget (and the topic's connector's failed verify on its limits, as
 * on its own path): the strictest limits of the connectors (the smallest failures.max and
 * failures.global.per.second, the longest failures.lockout.ms), which refuses trials needing a
 * verify (429, Retry-After) as a connector's limits do, so guessing a connector's passwords through
 * the gate, whatever the topics, is bounded by that failures.max (counted only on the topic's
 * connector, each connector's topic gave another failures.max: review80); it never refuses a
 * topic's own connector. An address the budget blocks gets one WARN (explore4 J3), a request its
 * global rate refuses a WARN at most once a minute; both are counted on /metrics
 * (`restProxyGateFamilies`). The gate (connectors, budget, counters) is kept per route table, its
 * connectors and budget rebuilt when its routes change.
 */
import type { MetricFamily } from "../metrics/prometheus.ts";
import { isPromise } from "../util/async.ts";
import { systemClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import {
  BasicAttemptGuard,
  blockedWarning,
  GlobalFailureLimitError,
  globalLimitWarner,
} from "./auth/basic-attempt-guard.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import {
  type BasicFailureLimits,
  type CredentialCheck,
  type IngestIdentity,
  type IngestStages,
  passThroughStages,
} from "./request-context.ts";
import type { IngestRoute, IngestRouteTable } from "./route-table.ts";

/**
 * The stages of the routes serving REST Proxy produce requests when every one of them requires
 * authentication, distinct; null when one admits anonymous requests or none serves them. A route
 * reserved for a connector PAUSED before it started has no stages of its own (it answers 503
 * before any): it neither admits anyone nor turns the gate off.
 */
export function restProxyAuthenticators(routes: readonly IngestRoute[]): readonly IngestStages[] | null {
  const stages: IngestStages[] = [];
  for (const route of routes) {
    if (route.restProxyTopics.length === 0) continue;
    if (route.state === "suspended" && route.stages === passThroughStages) continue;
    if (route.stages.authenticates !== true) return null;
    if (!stages.includes(route.stages)) stages.push(route.stages);
  }
  return stages.length > 0 ? stages : null;
}

/** One 401 for refusals of several connectors: the first's message, every distinct challenge. */
function merged(refusals: readonly IngestError[]): IngestError {
  const challenges: string[] = [];
  for (const refusal of refusals) {
    const header = refusal.options.headers?.["WWW-Authenticate"];
    if (header !== undefined && !challenges.includes(header)) challenges.push(header);
  }
  return new IngestError(401, ErrorCodes.UNAUTHORIZED, refusals[0]!.message, {
    headers: challenges.length > 0 ? { "WWW-Authenticate": challenges.join(", ") } : {},
  });
}

/**
 * The budget of failed password verifies the gate counts (trials no connector counted): the
 * strictest of the connectors' limits; undefined when none enables basic authentication.
 */
export function gateFailureLimits(stages: readonly IngestStages[]): BasicFailureLimits | undefined {
  const all = stages.flatMap((s) => (s.failureLimits === undefined ? [] : [s.failureLimits]));
  if (all.length === 0) return undefined;
  const least = (values: number[]) => Math.min(...values.filter((v) => v > 0), Number.POSITIVE_INFINITY);
  const maxFailures = least(all.map((l) => l.maxFailures));
  const perSecond = least(all.map((l) => l.globalFailuresPerSecond));
  return {
    maxFailures: Number.isFinite(maxFailures) ? maxFailures : 0,
    lockoutMs: Math.max(...all.map((l) => l.lockoutMs)),
    globalFailuresPerSecond: Number.isFinite(perSecond) ? perSecond : 0,
  };
}

/** A budget of the gate and the limits it counts under. */
interface GateBudget {
  readonly limits: string;
  readonly guard: BasicAttemptGuard;
}

/**
 * The gate of one route table: rebuilt when its routes change, its budget kept while its limits
 * are (and taken up again when they come back right after other limits); its counters for /metrics kept for the
 * table's life.
 */
class RestProxyGate {
  stages: readonly IngestStages[] | null = null;
  budget: BasicAttemptGuard | undefined;
  /** Addresses its budget blocked (failures.max); attempts it refused for the global failure rate. */
  lockouts = 0;
  globalLimitRefusals = 0;
  readonly warnGlobalLimit = globalLimitWarner(systemClock, " on the REST Proxy routes");
  private limits = "";
  private current: GateBudget | undefined;
  /**
   * The budget current before this one: a route stopped and resumed (or gone and back, or a connector's limits
   * changed and changed back) brings its limits back with the budget that counted under them, so that it does not
   * unblock the addresses that budget blocked. Only the last one is kept: a budget per limits ever seen grew
   * without bound with changed limits.
   */
  private previous: GateBudget | undefined;

  update(routes: readonly IngestRoute[]): void {
    this.stages = restProxyAuthenticators(routes);
    const limits = this.stages === null ? undefined : gateFailureLimits(this.stages);
    const key = limits === undefined ? "" : JSON.stringify(limits);
    if (key === this.limits) return;
    this.limits = key;
    const back = this.previous?.limits === key ? this.previous : undefined;
    if (this.current !== undefined) this.previous = this.current;
    this.current =
      limits === undefined
        ? undefined
        : (back ?? { limits: key, guard: new BasicAttemptGuard({ ...limits, maxConcurrentVerifications: 0 }) });
    this.budget = this.current?.guard;
  }

  /** The budgets kept, the current one included (for tests). */
  get budgetsKept(): number {
    return (this.current === undefined ? 0 : 1) + (this.previous === undefined ? 0 : 1);
  }
}

const gates = new WeakMap<IngestRouteTable, RestProxyGate>();

/** The gate of `routes`, made on first use and kept up to date with them. */
export function restProxyGate(routes: IngestRouteTable): RestProxyGate {
  let gate = gates.get(routes);
  if (gate === undefined) {
    const made = new RestProxyGate();
    made.update(routes.routes());
    routes.onChange((current) => made.update(current));
    gates.set(routes, made);
    gate = made;
  }
  return gate;
}

/**
 * The trials of one request (CredentialCheck.trial): its verifies pass the gate's budget, and
 * whether one failed (the gate counts it once, as no connector did).
 */
class Trials implements CredentialCheck {
  readonly trial = true;
  failed = false;
  /** Whether the budget refused a trial for the global failure rate (counted once a request). */
  globallyLimited = false;

  constructor(private readonly budget: BasicAttemptGuard | undefined) {}

  beforeVerify(client: string): void {
    try {
      this.budget?.check(client);
    } catch (error) {
      if (error instanceof GlobalFailureLimitError) this.globallyLimited = true;
      throw error;
    }
  }

  failedVerify(): void {
    this.failed = true;
  }
}

/**
 * Resolves when the request may be routed: the gate is off (undefined, no promise: the path of
 * connectors without authentication costs nothing), or one authenticating connector admits it (its
 * identity kept on `context`). Throws the refusal otherwise: 401, or the first other refusal of a
 * connector that could not decide (503: its identity provider unreachable; 429: too many failed
 * attempts), so that a device retries rather than take its credentials for wrong.
 *
 * A refusal no connector lifts is the same whatever the topic (the gate's order, not the topic's
 * connector first): its message and challenges must not tell a served topic from an unknown one
 * (review78). A request the topic's own connector refused but another admitted gets the own
 * connector's refusal here: the pipeline would only authenticate it again (a second password
 * verify, a second failure counted towards ingest.auth.basic.failures.max: review78). The other
 * connectors only try the credentials; their failures count once, on the gate (the module's comment).
 */
export function admitBeforeRouting(
  routes: IngestRouteTable,
  context: IngestExchange,
  topic: string,
  log?: Logger,
): Promise<void> | undefined {
  const gate = restProxyGate(routes);
  return gate.stages === null ? undefined : admitted(gate, gate.stages, routes.byTopic(topic)?.stages, context, log);
}

async function admitted(
  gate: RestProxyGate,
  stagesOfGate: readonly IngestStages[],
  topicStages: IngestStages | undefined,
  context: IngestExchange,
  log: Logger | undefined,
): Promise<void> {
  const { budget } = gate;
  // The topic's own connector first: its identity is the one the pipeline needs.
  const own = topicStages !== undefined && stagesOfGate.includes(topicStages) ? topicStages : undefined;
  const trials = new Trials(budget);
  const refusals = new Map<IngestStages, unknown>();
  for (const stages of own === undefined ? stagesOfGate : [own, ...stagesOfGate.filter((s) => s !== own)]) {
    let identity: IngestIdentity;
    try {
      const authenticated = stages.authenticate(context, stages === own ? undefined : trials);
      identity = isPromise(authenticated) ? await authenticated : authenticated;
    } catch (error) {
      refusals.set(stages, error);
      continue;
    }
    if (own !== undefined && stages !== own) throw refusals.get(own);
    context.preauthenticated = { stages, identity };
    return;
  }
  // Also when the topic's connector counted its own failure: else each connector's topic gave a
  // guesser failures.max trials of the other connectors' passwords (every one of them in all).
  if (trials.failed) {
    const client = context.connection.remoteAddress ?? "";
    const lockoutMs = budget?.failure(client) ?? 0;
    if (lockoutMs > 0) {
      gate.lockouts++;
      log?.warn(blockedWarning(client, lockoutMs, " on the REST Proxy routes"));
    }
  }
  if (trials.globallyLimited) {
    gate.globalLimitRefusals++;
    if (log) gate.warnGlobalLimit(log);
  }
  // In the gate's order: the same answer for every topic.
  const ordered = stagesOfGate.map((stages) => refusals.get(stages));
  const other = ordered.find((error) => !(error instanceof IngestError && error.status === 401));
  if (other !== undefined) throw other;
  throw merged(ordered as IngestError[]);
}

/**
 * `ingest_rest_proxy_auth_lockouts_total` and `ingest_rest_proxy_auth_global_limit_refusals_total`
 * of the gate of `routes`, from when its connectors enable basic authentication (a series to alert
 * on from the start); none before.
 */
export function restProxyGateFamilies(routes: IngestRouteTable): MetricFamily[] {
  const gate = restProxyGate(routes);
  if (gate.budget === undefined && gate.lockouts === 0 && gate.globalLimitRefusals === 0) return [];
  return [
    {
      name: "ingest_rest_proxy_auth_lockouts_total",
      type: "counter",
      help: "Client addresses blocked (429) on the REST Proxy produce routes after failed basic authentication attempts no connector admitted (the gate's budget: the connectors' smallest ingest.auth.basic.failures.max).",
      samples: [{ labels: {}, value: gate.lockouts }],
    },
    {
      name: "ingest_rest_proxy_auth_global_limit_refusals_total",
      type: "counter",
      help: "Requests on the REST Proxy produce routes refused (429) because the failed basic authentication attempts no connector admitted passed the gate's global rate (the connectors' smallest ingest.auth.basic.failures.global.per.second).",
      samples: [{ labels: {}, value: gate.globalLimitRefusals }],
    },
  ];
}
