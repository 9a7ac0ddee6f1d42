/**
 * The ingest request pipeline's seams: what a request carries through the stages, and the stages
 * that device security (issue 12) fills in. The pipeline (ingest-handler.ts) runs, per request:
 *
 *   match route → authenticate(context) → authorize(identity, target) → read body (size limit)
 *   → limit(identity, target, bytes) → parse → idempotency → submit to the connector's task
 *   → await Kafka's acknowledgement of every record → respond
 *
 * Stages are plain functions chosen per route (each ingest connector's config may set its own
 * authentication and ACLs); a stage rejects by throwing an IngestError (401, 403, 429 …), which
 * the handler turns into REST Proxy's `{"error_code", "message"}` shape. The defaults let every
 * request through as the anonymous identity.
 */
import type { Config } from "../api/connector.ts";
import type { IngestRecord } from "./ingest-record.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

export type IngestIdentitySource = "anonymous" | "mtls" | "jwt" | "basic";

/** Who sent a request, as the authentication stage established it. */
export interface IngestIdentity {
  readonly principal: string;
  readonly source: IngestIdentitySource;
  readonly attributes: Record<string, string>;
  /**
   * Each value of the attributes that have several (a certificate's SANs of one type or repeated
   * subject field, a token's array claim), which `attributes` shows joined with ",". ACL conditions
   * test these values one by one: a glob tested on the joined text matched across two values
   * (`pump-*.fleet.example` matched the SANs `pump-1.evil.example` and `x.fleet.example`).
   */
  readonly multiValued?: Readonly<Record<string, readonly string[]>>;
  /**
   * The principal is a DNS name (a certificate's DNS SAN, ssl.client.identity=san.dns): DNS names
   * are case-insensitive (RFC 4343), so ACL matchers compare it ignoring ASCII case; it is stamped
   * and counted as presented.
   */
  readonly dnsPrincipal?: boolean;
}

export const ANONYMOUS: IngestIdentity = Object.freeze({
  principal: "ANONYMOUS",
  source: "anonymous",
  attributes: Object.freeze({}) as Record<string, string>,
});

/**
 * The name an identity goes by on a connector: in the records it stamps (identity header, key),
 * its quota buckets and its metrics. With one authentication method it is the principal; a
 * connector enabling several qualifies it with the method (`mtls:pump-7`, `jwt:pump-7`), since
 * certificate names, token subjects and basic users are separate namespaces: a token whose sub is
 * a certificate's CN must not write as that device, nor draw on its quota.
 */
export function identityName(identity: IngestIdentity, qualified: boolean): string {
  return qualified && identity.source !== "anonymous" ? `${identity.source}:${identity.principal}` : identity.principal;
}

/** The verified client certificate of a TLS connection (set by a TLS front end that sees it). */
export interface PeerCertificateInfo {
  /** Subject fields, e.g. `{ CN: "device-17", O: "Acme" }`; a repeated field has each value. */
  readonly subject: Readonly<Record<string, string | readonly string[]>>;
  /** Node's `subjectaltname` text, e.g. `DNS:device-17.example, URI:spiffe://…`. */
  readonly subjectAltName: string | null;
  /** SHA-256 fingerprint, colon-separated upper-case hex as Node prints it. */
  readonly fingerprint256: string;
  /** DER bytes of the certificate. */
  readonly raw: Uint8Array | null;
  /** Issuer fields, e.g. `{ CN: "device CA" }` (set by the TLS front end). */
  readonly issuer?: Readonly<Record<string, string | readonly string[]>>;
  /** Serial number, upper-case hex as Node prints it. */
  readonly serialNumber?: string;
  /** When the certificate expires (its notAfter), wall-clock ms; set by the TLS front end. */
  readonly notAfter?: number;
}

/** The transport a request came over. A plain listener fills only `remoteAddress`. */
export interface IngestConnection {
  readonly remoteAddress: string | null;
  readonly tls: boolean;
  /** The verified client certificate (mTLS), or null (no TLS, none sent, or not visible). */
  readonly peerCertificate: PeerCertificateInfo | null;
}

export const PLAIN_CONNECTION: IngestConnection = Object.freeze({
  remoteAddress: null,
  tls: false,
  peerCertificate: null,
});

/** What a plain listener knows of a request's peer: Bun's server (`requestIP`). */
export interface PeerAddressLookup {
  requestIP(request: Request): { readonly address: string } | null;
}

/** A plain-HTTP connection; the peer address is looked up only if a stage asks for it. */
export class PlainConnection implements IngestConnection {
  readonly tls = false;
  readonly peerCertificate = null;
  private address: string | null | undefined;

  constructor(
    /** The listener's Bun server (also what a v3 stream's idle limit is lifted on: request-idle-hold.ts). */
    readonly server: PeerAddressLookup,
    private readonly request: Request,
  ) {}

  get remoteAddress(): string | null {
    if (this.address === undefined) this.address = this.server.requestIP(this.request)?.address ?? null;
    return this.address;
  }
}

/** One request as the stages see it. */
export interface IngestRequestContext {
  readonly request: Request;
  readonly url: URL;
  readonly connection: IngestConnection;
  /** When the request arrived (ms since epoch, from the listener's clock). */
  readonly receivedAt: number;
  /**
   * When the request arrived on the listener clock's monotonic reading (ms): for durations only,
   * so a step of the host's clock (NTP) never gives a negative or huge latency.
   */
  readonly startedAt: number;
  /** Records (and their bytes as received) Kafka acknowledged for the answer: set by the pipeline, read by the metrics. */
  acceptedRecords?: number;
  acceptedBytes?: number;
}

/** Which ingest route and topic a request wants to write to, and in which wire shape. */
export interface IngestTarget {
  /** The ingest connector owning the route. */
  readonly connector: string;
  /** The connector's `ingest.path`. */
  readonly path: string;
  readonly topic: string;
  readonly shape: IngestShape;
}

/** native: the connector's own path; v2/v3/v3-batch: Confluent REST Proxy produce routes. */
export type IngestShape = "native" | "v2" | "v3" | "v3-batch";

/**
 * How the REST Proxy gate (rest-proxy-gate.ts) has a connector check a request's credentials, which
 * it may try on several connectors before it knows the topic's. Only password verifies the success
 * cache cannot answer concern it (their failures are what ingest.auth.basic.failures.max counts).
 */
export interface CredentialCheck {
  /**
   * A trial: a failed verify is not counted on the connector's failure limits (the gate counts it
   * once on its own budget); the connector's limits still refuse a verify they block.
   */
  readonly trial: boolean;
  /** Before such a verify, for the client's address ('' when unknown); throws (429) to refuse it. */
  beforeVerify(client: string): void;
  /** Such a verify failed. */
  failedVerify(): void;
}

/** Establishes the identity, or throws IngestError(401); `check`: the REST Proxy gate asks. */
export type Authenticate = (
  context: IngestRequestContext,
  check?: CredentialCheck,
) => IngestIdentity | Promise<IngestIdentity>;
/** Allows the identity to write to the target, or throws IngestError(403). */
export type Authorize = (identity: IngestIdentity, target: IngestTarget) => void | Promise<void>;
/** Admits `bytes` of body for the identity (quotas), or throws IngestError(429) with a Retry-After. */
export type Limit = (identity: IngestIdentity, target: IngestTarget, bytes: number) => void | Promise<void>;

/**
 * Marks the records of an admitted request with its identity (a Kafka header, optionally the key);
 * runs after parse, before submit.
 */
export type Stamp = (
  identity: IngestIdentity,
  records: readonly IngestRecord[],
  settings: IngestRouteSettings,
) => readonly IngestRecord[];

/** ingest.auth.basic.failures.max, .lockout.ms and .global.per.second of a connector (0: no limit). */
export interface BasicFailureLimits {
  /** Failures from one address that block it; 0: no per-address limit. */
  readonly maxFailures: number;
  readonly lockoutMs: number;
  /** Failed attempts per second of all clients together; 0: no global limit. */
  readonly globalFailuresPerSecond: number;
}

/** The stages issue 12 fills in, for one route. */
export interface IngestStages {
  readonly authenticate: Authenticate;
  /**
   * Whether `authenticate` refuses requests without credentials (ingest.auth.methods is set); the
   * REST Proxy routes then authenticate before routing when every connector serving them does
   * (rest-proxy-gate.ts). Absent: anonymous requests are admitted.
   */
  readonly authenticates?: boolean;
  /**
   * The limits on failed password verifies (ingest.auth.basic.failures.*) when basic authentication
   * is enabled: the REST Proxy gate's budget for the failures it counts is the strictest of them.
   */
  readonly failureLimits?: BasicFailureLimits;
  readonly authorize: Authorize;
  readonly limit: Limit;
  readonly stamp?: Stamp;
  /**
   * The bytes `stamp` adds to each record of the identity's requests (the identity header and key),
   * which count with the request's header copies against ingest.max.body.bytes (checkCopiedHeaders).
   */
  readonly stampedBytes?: (identity: IngestIdentity) => number;
  /**
   * Called once its route opened (route-table.ts): takes over what the connector's instances share (its quota limits,
   * the metrics /metrics shows). Stages whose route never opened (their path taken) change nothing a running
   * instance of the connector uses.
   */
  activate?(): void;
  /** Releases resources (JWKS caches, quota timers) when the route closes. */
  close?(): void | Promise<void>;
}

export const passThroughStages: IngestStages = Object.freeze({
  authenticate: () => ANONYMOUS,
  authorize: () => undefined,
  limit: () => undefined,
});

/**
 * Builds the stages of a route from its connector's config (the connector calls it when it opens
 * the route). The default ignores the config and lets everything through.
 */
export type IngestStagesFactory = (connector: string, config: Config) => IngestStages | Promise<IngestStages>;

export const passThroughStagesFactory: IngestStagesFactory = () => passThroughStages;
