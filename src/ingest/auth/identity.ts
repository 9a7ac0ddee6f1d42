/**
 * The identity type the ingest security stages produce and consume (the contract shape of
 * `IngestIdentity` in src/ingest/request-context.ts), re-exported here so the security modules
 * have one import.
 */
export interface IngestIdentity {
  readonly principal: string;
  readonly source: "anonymous" | "mtls" | "jwt" | "basic";
  readonly attributes: Record<string, string>;
}
