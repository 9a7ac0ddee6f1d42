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
 */
import { isPromise } from "../util/async.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { IngestExchange } from "./ingest-exchange.ts";
import { type IngestIdentity, type IngestStages, passThroughStages } from "./request-context.ts";
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
 * verify, a second failure counted towards ingest.auth.basic.failures.max: review78).
 */
export function admitBeforeRouting(
  routes: IngestRouteTable,
  context: IngestExchange,
  topic: string,
): Promise<void> | undefined {
  const gate = restProxyAuthenticators(routes.routes());
  return gate === null ? undefined : admitted(gate, routes.byTopic(topic)?.stages, context);
}

async function admitted(
  gate: readonly IngestStages[],
  topicStages: IngestStages | undefined,
  context: IngestExchange,
): Promise<void> {
  // The topic's own connector first: its identity is the one the pipeline needs.
  const own = topicStages !== undefined && gate.includes(topicStages) ? topicStages : undefined;
  const refusals = new Map<IngestStages, unknown>();
  for (const stages of own === undefined ? gate : [own, ...gate.filter((s) => s !== own)]) {
    let identity: IngestIdentity;
    try {
      const authenticated = stages.authenticate(context);
      identity = isPromise(authenticated) ? await authenticated : authenticated;
    } catch (error) {
      refusals.set(stages, error);
      continue;
    }
    if (own !== undefined && stages !== own) throw refusals.get(own);
    context.preauthenticated = { stages, identity };
    return;
  }
  // In the gate's order: the same answer for every topic.
  const ordered = gate.map((stages) => refusals.get(stages));
  const other = ordered.find((error) => !(error instanceof IngestError && error.status === 401));
  if (other !== undefined) throw other;
  throw merged(ordered as IngestError[]);
}
