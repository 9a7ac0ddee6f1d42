/**
 * The ingest listener's /openapi.json, checked against the OpenAPI 3.1 schema by
 * @seriousme/openapi-schema-validator (the specification's own JSON Schema, run by ajv) and returned
 * with its `$ref`s resolved, so tests read each operation's schemas in place.
 */
import { expect } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";

export type OpenApiSpec = { paths: Record<string, { post: Record<string, unknown> }> } & Record<string, unknown>;

/** The document as served (fails the test unless it is valid OpenAPI 3.1). */
export async function servedSpec(ingest: string): Promise<{ raw: Record<string, unknown>; resolved: OpenApiSpec }> {
  const answer = await fetch(`${ingest}/openapi.json`);
  expect(answer.status).toBe(200);
  const raw = (await answer.json()) as Record<string, unknown>;
  const validator = new Validator();
  const result = await validator.validate(structuredClone(raw));
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
  return { raw, resolved: validator.resolveRefs() as OpenApiSpec };
}
