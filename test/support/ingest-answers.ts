/**
 * An ingest request's answer as the outage tests read it (status, Retry-After, the JSON error body), and the answer
 * that says a one-record request's record was not written: 503 + Retry-After, error_code 50003, "(none of them was
 * written)". Used by test/ingest-outage-withdraw.test.ts and test/ingest-outage-producer-withdraw.test.ts.
 */
import { expect } from "bun:test";

export interface IngestAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { error_code?: number; message?: string };
}

/** POSTs `{"v": value}` as JSON to an ingest path, with the extra `headers` given. */
export async function postJson(
  url: string,
  value: string,
  headers: Record<string, string> = {},
): Promise<IngestAnswer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ v: value }),
  });
  const body = (await response.json()) as IngestAnswer["body"];
  return { status: response.status, retryAfter: response.headers.get("Retry-After"), body };
}

/** Asserts the answer of a one-record request whose record certainly was not written. */
export function expectNoneWritten(answer: IngestAnswer): void {
  expect(answer.body.message).not.toContain("may still be written");
  expect(answer.status).toBe(503);
  expect(answer.retryAfter).not.toBeNull();
  expect(answer.body.error_code).toBe(50003);
  expect(answer.body.message).toStartWith("1 of 1 records were not acknowledged by Kafka (none of them was written): ");
}
