/**
 * The ingest.auth.* cross-key rules (ingest-auth-checks.ts) are validation problems of the
 * connector: a connector failing them was created and then FAILED at start, and PUT
 * …/config/validate said nothing (ingestjwt hunt).
 */
import { expect, test } from "bun:test";
import { httpIngestSource } from "./index.ts";

const problems = (config: Record<string, string>) =>
  httpIngestSource().validate!({
    "connector.class": "HttpIngestSource",
    "ingest.path": "/p",
    "kafka.topic": "t",
    ...config,
  });

test.each([
  [{ "ingest.auth.methods": "jwt" }, "ingest.auth.jwt.jwks.url", "jwt needs ingest.auth.jwt.jwks.url"],
  [
    { "ingest.auth.methods": "jwt", "ingest.auth.jwt.jwks.url": "http://idp.example/jwks" },
    "ingest.auth.jwt.jwks.url",
    "a plain http:// JWKS URL",
  ],
  [
    {
      "ingest.auth.methods": "jwt",
      "ingest.auth.jwt.jwks.url": "https://idp.example/jwks",
      "ingest.auth.jwt.algorithms": "",
    },
    "ingest.auth.jwt.algorithms",
    "jwt needs at least one algorithm",
  ],
  [{ "ingest.auth.methods": "basic" }, "ingest.auth.basic.credentials.file", "basic needs a credentials file"],
])("%j is a problem on %s", (config, key, message) => {
  expect(problems(config)).toEqual([{ key, message: expect.stringContaining(message) }]);
});

test("a complete jwt configuration has no problem", () => {
  expect(problems({ "ingest.auth.methods": "jwt", "ingest.auth.jwt.jwks.url": "https://idp.example/jwks" })).toEqual(
    [],
  );
});
