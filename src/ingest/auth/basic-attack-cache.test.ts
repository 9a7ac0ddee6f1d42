/**
 * A device whose password the gateway verified keeps working while guessers hold the global failure
 * limit down, as README and BasicAttemptGuard promise: its pair stays in the success cache for as
 * long as the connector runs (its credentials file is read only at start). It was remembered for a
 * minute: then its next request needed a verify, which the emptied global bucket refused (429), so
 * a distributed guesser locked every basic device out within a minute (ingestjwt hunt).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fastHash } from "../../rest/auth/test-support.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError } from "../ingest-error.ts";
import { type IngestRequestContext, PLAIN_CONNECTION } from "../request-context.ts";
import { ingestAuthConfigDef, ingestAuthenticatorFrom } from "./ingest-auth-config.ts";

const dir = mkdtempSync(join(tmpdir(), "basic-attack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("under a sustained global failure limit, a device verified before is let in after minutes", async () => {
  const file = join(dir, "devices.creds");
  writeFileSync(file, `meter-1:${await fastHash.bcrypt("meter-pass")}\n`);
  const clock = new ManualClock(1_000_000);
  const auth = ingestAuthenticatorFrom(
    ingestAuthConfigDef.parse({
      "ingest.auth.methods": "basic",
      "ingest.auth.basic.credentials.file": file,
      // Guessers from many addresses: the per-address lockout does not stop them, the global rate does.
      "ingest.auth.basic.failures.max": "0",
      "ingest.auth.basic.failures.global.per.second": "0.1",
    }),
    { mtlsIdentity: "cn", clock },
  );
  const attempt = (user: string, password: string, address: string) => {
    const headers = { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
    const request = new Request("http://gw/ingest/x", { method: "POST", headers });
    const context: IngestRequestContext = {
      request,
      url: new URL(request.url),
      connection: { ...PLAIN_CONNECTION, remoteAddress: address },
      receivedAt: 0,
      startedAt: 0,
    };
    return auth.authenticate(context).then(
      (identity) => identity.principal,
      (error: unknown) => {
        if (!(error instanceof IngestError)) throw error;
        return error.status;
      },
    );
  };

  expect(await attempt("meter-1", "meter-pass", "10.0.0.1")).toBe("meter-1");
  // Two minutes of guessing at the global limit (its burst of one, then one every ten seconds),
  // each guess from another address; the device sends once a minute.
  let guesses = 0;
  for (let second = 1; second <= 120; second++) {
    clock.advance(1000);
    while ((await attempt("meter-1", `guess-${guesses}`, `10.1.0.${guesses}`)) === 401) guesses++;
    if (second % 60 === 0) expect(await attempt("meter-1", "meter-pass", "10.0.0.1")).toBe("meter-1");
  }
  expect(guesses).toBeGreaterThanOrEqual(10); // the limit was held down all along
});
