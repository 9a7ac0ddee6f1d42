/**
 * Which ACL entries of a connector are ambiguous about whose principal they name. Certificate
 * names (mTLS), token subjects (JWT) and basic user names are separate namespaces, as Kafka keeps
 * an SSL principal (the certificate's DN) apart from an OAUTHBEARER one (the token's sub): a
 * device holding a token from the configured issuer whose sub is another device's certificate CN
 * is not that device. On a connector whose `ingest.auth.methods` lists several methods, a bare
 * principal (`pump-7`, `pump-*`) or a `principal=` condition without a `source=` one would match
 * the name in every namespace, so validation refuses it and asks for the method
 * (`mtls:pump-*`, `source=jwt&principal=pump-*`). With one method (or none) nothing is ambiguous.
 *
 * A validation-only rule (descriptor `validationOnly`): a config stored before it keeps running
 * with a WARN at each start, its entries matching the name in every namespace as they did, so an
 * upgrade neither grants more nor locks devices out.
 */
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { METHOD_PREFIX } from "./ingest-acl.ts";

/** Whether one identity matcher names a principal without saying whose namespace it is in. */
export function namesPrincipalOfAnyMethod(matcher: string): boolean {
  const spec = matcher.trim();
  if (spec === "" || spec === "*" || METHOD_PREFIX.test(spec)) return false;
  if (!spec.includes("=")) return true;
  const names = spec.split("&").map((part) => part.slice(0, Math.max(0, part.indexOf("="))).trim());
  return names.includes("principal") && !names.includes("source");
}

export interface AclAmbiguityConfig {
  readonly "ingest.auth.methods": readonly string[];
  readonly "ingest.acl.allow": readonly string[];
  readonly "ingest.acl.topic.rules": readonly string[];
}

export function aclAmbiguityProblems(config: AclAmbiguityConfig): ConfigProblem[] {
  const methods = [...new Set(config["ingest.auth.methods"].map((m) => m.trim()))];
  if (methods.length < 2) return [];
  const advice = (principal: string) =>
    `name the authentication method: ${methods.map((m) => `${m}:${principal}`).join(" or ")} (or source=<method>&principal=${principal})`;
  const problems: ConfigProblem[] = [];
  const ambiguous = config["ingest.acl.allow"].filter(namesPrincipalOfAnyMethod);
  if (ambiguous.length > 0)
    problems.push({
      key: "ingest.acl.allow",
      message: `${ambiguous.join(", ")} would match that name as a certificate identity, a token subject and a basic user alike (ingest.auth.methods=${methods.join(",")}); ${advice(ambiguous[0]!.trim())}`,
    });
  const rules = config["ingest.acl.topic.rules"].filter((rule) => {
    const colon = rule.indexOf(":");
    return colon > 0 && namesPrincipalOfAnyMethod(rule.slice(colon + 1));
  });
  if (rules.length > 0) {
    const first = rules[0]!;
    problems.push({
      key: "ingest.acl.topic.rules",
      message: `${rules.join(", ")} would match that name as a certificate identity, a token subject and a basic user alike (ingest.auth.methods=${methods.join(",")}); ${advice(first.slice(first.indexOf(":") + 1).trim())}`,
    });
  }
  return problems;
}
