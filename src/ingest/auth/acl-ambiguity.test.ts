import { describe, expect, test } from "bun:test";
import { httpIngestSource } from "../../connectors/http-ingest/index.ts";
import { IngestError } from "../ingest-error.ts";
import type { IngestIdentity, IngestTarget } from "../request-context.ts";
import { aclAmbiguityProblems, namesPrincipalOfAnyMethod } from "./acl-ambiguity.ts";
import { ingestAcl, ingestAclConfigDef } from "./ingest-acl.ts";

// Leftovers 13: a certificate's CN and a token's sub are separate namespaces. A device holding a
// token from the configured issuer whose sub is another device's CN is not that device.
const byCertificate: IngestIdentity = { principal: "pump-7", source: "mtls", attributes: { "cert.cn": "pump-7" } };
const byToken: IngestIdentity = { principal: "pump-7", source: "jwt", attributes: { "claim.sub": "pump-7" } };
const route: IngestTarget = { connector: "c", path: "/ingest/t", topic: "t", shape: "native" };

function allows(rules: Record<string, string>, identity: IngestIdentity): boolean {
  try {
    ingestAcl(ingestAclConfigDef.parse(rules)).authorize(identity, route);
    return true;
  } catch (error) {
    if (error instanceof IngestError) return false;
    throw error;
  }
}

describe("ACL entries of one authentication method", () => {
  test("mtls:<glob> matches that name as a certificate identity only, jwt:<glob> as a token subject only", () => {
    const certOnly = { "ingest.acl.allow": "mtls:pump-*" };
    expect([allows(certOnly, byCertificate), allows(certOnly, byToken)]).toEqual([true, false]);
    const tokenOnly = { "ingest.acl.allow": "jwt:pump-7", "ingest.acl.topic.rules": "t:jwt:pump-?" };
    expect([allows(tokenOnly, byCertificate), allows(tokenOnly, byToken)]).toEqual([false, true]);
    const basic = { "ingest.acl.allow": "basic:pump-7" };
    expect([allows(basic, byCertificate), allows(basic, byToken)]).toEqual([false, false]);
  });

  test("on a connector with several methods a refusal names the identity with its method (review 14)", () => {
    const acl = ingestAcl(ingestAclConfigDef.parse({ "ingest.acl.allow": "mtls:pump-*" }), true);
    expect(() => acl.authorize(byToken, route)).toThrow(
      "Principal jwt:pump-7 is not allowed to write to route /ingest/t",
    );
  });

  test("which matchers name a principal without its method", () => {
    const cases = ["pump-7", "pump-*", "principal=pump-7", "principal=p*&claim.fleet=north"];
    expect(cases.map(namesPrincipalOfAnyMethod)).toEqual([true, true, true, true]);
    const clear = ["*", "mtls:pump-*", "jwt:x", "source=jwt&principal=pump-*", "cert.o=Fleet", "claim.fleet=north"];
    expect(clear.map(namesPrincipalOfAnyMethod)).toEqual([false, false, false, false, false, false]);
  });
});

describe("aclAmbiguityProblems", () => {
  const config = (methods: string[], allow: string[], rules: string[] = []) => ({
    "ingest.auth.methods": methods,
    "ingest.acl.allow": allow,
    "ingest.acl.topic.rules": rules,
  });

  test("a bare principal is ambiguous only on a connector with several methods", () => {
    expect(aclAmbiguityProblems(config(["mtls"], ["pump-*"], ["t:pump-7"]))).toEqual([]);
    expect(aclAmbiguityProblems(config(["jwt", "jwt"], ["pump-*"]))).toEqual([]);
    expect(aclAmbiguityProblems(config([], ["pump-*"]))).toEqual([]);
    const problems = aclAmbiguityProblems(config(["mtls", "jwt"], ["pump-*", "cert.o=Fleet"], ["t:pump-7", "u:*"]));
    expect(problems.map((p) => p.key)).toEqual(["ingest.acl.allow", "ingest.acl.topic.rules"]);
    expect(problems[0]!.message).toStartWith(
      "pump-* would match that name as a certificate identity, a token subject and a basic user alike (ingest.auth.methods=mtls,jwt); name the authentication method: mtls:pump-* or jwt:pump-*",
    );
    expect(problems[1]!.message).toStartWith("t:pump-7 would match");
    expect(aclAmbiguityProblems(config(["mtls", "jwt"], ["mtls:pump-*", "jwt:pump-*"], ["t:*", "u:jwt:x"]))).toEqual(
      [],
    );
  });

  test("refused by the connector's validation, a WARN only for a stored config (validationOnly)", () => {
    const descriptor = httpIngestSource();
    const stored = {
      "connector.class": "HttpIngest",
      "ingest.path": "/ingest/t",
      "kafka.topic": "t",
      "ingest.auth.methods": "mtls,jwt",
      "ingest.auth.jwt.public.key.location": "/nonexistent.pem",
      "ingest.acl.allow": "pump-*",
    };
    expect(descriptor.validationOnly?.(stored).map((p) => p.key)).toEqual(["ingest.acl.allow"]);
    expect(descriptor.validationOnly?.({ ...stored, "ingest.acl.allow": "mtls:pump-*,jwt:pump-*" })).toEqual([]);
  });
});
