/**
 * The `authorize(identity, target)` stage: which identities may write to a connector's route and,
 * through REST Proxy paths, to which of its topics. Rules come from two connector keys:
 *
 * - `ingest.acl.allow`: identity matchers allowed to write at all (route and topics). Empty: any
 *   authenticated identity.
 * - `ingest.acl.topic.rules`: `<topic glob>:<identity matcher>` entries. When present, every write
 *   to a topic needs a rule whose glob matches the topic and whose matcher matches the identity (on
 *   top of `ingest.acl.allow`): a REST Proxy write to the topic it names, and a write on the
 *   connector's own path to `kafka.topic` (security review 2026-12-01, P2.7: it was skipped there,
 *   so an identity refused on /topics/<t> could write to <t> through the connector's path).
 *
 * An identity matcher is `*`, a principal (exact, or a glob with `*` and `?`), a principal of one
 * authentication method (`mtls:pump-*`, `jwt:pump-*`, `basic:alice`: `source=<method>&principal=<glob>`),
 * or conditions on identity attributes joined with `&`: `cert.o=Fleet&cert.ou=pumps`,
 * `claim.fleet=north-*`, `source=mtls` (attributes come from the certificate, `cert.*`, or the
 * token's claims, `claim.*`). Certificate names, token subjects and basic user names are separate
 * namespaces (a token whose sub is a certificate's CN is another identity), so on a connector that
 * enables several methods a bare principal is ambiguous: acl-ambiguity.ts refuses it at validation. Globs are anchored and case-sensitive; nothing else is special (no regex). A
 * condition on a multi-valued attribute (several SANs of a type, an array claim) holds when one of
 * its values matches (security hunt 2026-12-02: it was tested on the values joined with ",", so
 * `cert.san.dns=pump-*.fleet.example` matched the SANs `pump-1.evil.example, x.fleet.example`,
 * neither of which it names, and `claim.groups=writers` missed `["readers","writers"]`).
 *
 * Refusals are IngestError 403 (REST Proxy 40301), naming the principal and target only.
 */
import { defineConfig, key, type Validator } from "../../plugin/config-def.ts";
import { ErrorCodes, IngestError } from "../ingest-error.ts";
import { type IngestIdentity, type IngestTarget, identityName } from "../request-context.ts";
import { type GlobPattern, globPattern } from "./glob-pattern.ts";

const GROUP = "Ingest authorization";

type Matcher = (identity: IngestIdentity) => boolean;

/**
 * Tests principals: a DNS name (a certificate's DNS SAN) ignoring ASCII case (RFC 4343: `DEV-1.fleet`
 * is `dev-1.fleet`), any other exactly (a DNS SAN is ASCII, an IA5String).
 */
function principalTest(glob: string): (principal: string, dns: boolean | undefined) => boolean {
  const exact = globPattern(glob);
  const dnsName = globPattern(glob, true);
  return (principal, dns) => (dns === true ? dnsName : exact).test(principal);
}

/** The attribute of a certificate's DNS SANs, compared ignoring case as a DNS principal is. */
const DNS_ATTRIBUTE = "cert.san.dns";

/** `<method>:<principal glob>`: a principal of one authentication method's namespace. */
export const METHOD_PREFIX = /^(mtls|jwt|basic):(.+)$/s;

/** Parses one identity matcher; throws an Error with the reason when malformed. */
export function parseMatcher(text: string): Matcher {
  const spec = text.trim();
  if (spec === "") throw new Error("an empty identity matcher");
  if (spec === "*") return () => true;
  const method = METHOD_PREFIX.exec(spec);
  if (method) {
    const test = principalTest(method[2]!);
    return (identity) => identity.source === method[1] && test(identity.principal, identity.dnsPrincipal);
  }
  if (!spec.includes("=")) {
    const test = principalTest(spec);
    return (identity) => identity.source !== "anonymous" && test(identity.principal, identity.dnsPrincipal);
  }
  const conditions = spec.split("&").map((part) => {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`"${part}" is not attribute=glob`);
    const name = part.slice(0, eq).trim();
    const glob = part.slice(eq + 1).trim();
    const pattern = globPattern(glob, name === DNS_ATTRIBUTE);
    const principal = principalTest(glob);
    return (identity: IngestIdentity) => {
      if (name === "principal") return principal(identity.principal, identity.dnsPrincipal);
      if (name === "source") return pattern.test(identity.source);
      // A multi-valued attribute (two SANs, an array claim) matches when one of its values does:
      // its joined text would let `*` span values, and an exact value would miss.
      const values = identity.multiValued?.[name];
      if (values !== undefined) return anyValueMatches(pattern, values);
      const value = Object.hasOwn(identity.attributes, name) ? identity.attributes[name] : undefined;
      return value !== undefined && pattern.test(value);
    };
  });
  return (identity) => conditions.every((c) => c(identity));
}

interface TopicRule {
  readonly topic: GlobPattern;
  readonly matches: Matcher;
}

function parseTopicRule(text: string): TopicRule {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new Error(`"${text}" is not <topic glob>:<identity matcher>`);
  return { topic: globPattern(text.slice(0, colon).trim()), matches: parseMatcher(text.slice(colon + 1)) };
}

function validatorOf<T>(parse: (s: string) => T): Validator<string[] | null> {
  return (list) => {
    for (const entry of list ?? []) {
      try {
        parse(entry);
      } catch (error) {
        return `Invalid rule ${entry}: ${(error as Error).message}`;
      }
    }
    return undefined;
  };
}

export const ingestAclConfigDef = defineConfig({
  "ingest.acl.allow": key.list({
    doc: "Identities allowed to write through this connector (its route and its topics): * , a principal or glob (device-*), a principal of one authentication method (mtls:device-*, jwt:device-*, basic:alice; needed when ingest.auth.methods lists several), or attribute conditions joined with & (cert.o=Fleet&cert.ou=pumps, claim.fleet=north-*, source=mtls). Empty: every authenticated identity.",
    default: [],
    importance: "HIGH",
    group: GROUP,
    validators: [validatorOf(parseMatcher)],
  }),
  "ingest.acl.topic.rules": key.list({
    doc: "Which identities may write to which of the connector's topics, as <topic glob>:<identity matcher> entries (telemetry-*:claim.fleet=north); applies to REST Proxy paths and to the connector's own path (its kafka.topic): a write needs a rule matching both its topic and the identity. Empty: every allowed identity may write to every topic of the connector.",
    default: [],
    importance: "MEDIUM",
    group: GROUP,
    validators: [validatorOf(parseTopicRule)],
  }),
  "ingest.identity.header": key.string({
    doc: "Kafka header that carries the authenticated identity (principal) on every record; empty: not added. Any header of that name sent by the client is replaced (or, without ingest.auth.methods, removed), so it cannot be spoofed.",
    default: "ingest.identity",
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.identity.key": key.boolean({
    doc: "Use the authenticated identity as the key of every record; a key the client sent (REST Proxy key, the key header or field) is replaced, so a device cannot write under another device's key. Anonymous requests keep their key.",
    default: false,
    importance: "LOW",
    group: GROUP,
  }),
});

export type IngestAclConfig = ReturnType<typeof ingestAclConfigDef.parse>;

export interface IngestAcl {
  /** Throws IngestError 403 when `identity` may not write to `target`. */
  authorize(identity: IngestIdentity, target: IngestTarget): void;
}

export function ingestAcl(
  config: Pick<IngestAclConfig, "ingest.acl.allow" | "ingest.acl.topic.rules">,
  /** The connector enables several authentication methods: a refusal names the identity method-qualified. */
  qualified = false,
): IngestAcl {
  const allow = config["ingest.acl.allow"].map(parseMatcher);
  const topicRules = config["ingest.acl.topic.rules"].map(parseTopicRule);
  // The target's text is made only for a refusal: an allowed request allocates nothing here.
  const forbidden = (identity: IngestIdentity, what: string) =>
    new IngestError(
      403,
      ErrorCodes.FORBIDDEN,
      `Principal ${identityName(identity, qualified)} is not allowed to write to ${what}`,
    );
  // Loops, not closures: a closure over the arguments would be an object (its scope) per request.
  return {
    authorize(identity, target) {
      const native = target.shape === "native";
      if (allow.length > 0 && !anyMatches(allow, identity))
        throw forbidden(identity, native ? `route ${target.path}` : `topic ${target.topic}`);
      if (topicRules.length > 0 && !anyRuleAllows(topicRules, identity, target.topic))
        throw forbidden(identity, native ? `topic ${target.topic} (route ${target.path})` : `topic ${target.topic}`);
    },
  };
}

function anyValueMatches(re: GlobPattern, values: readonly string[]): boolean {
  for (let i = 0; i < values.length; i++) if (re.test(values[i]!)) return true;
  return false;
}

function anyMatches(matchers: readonly ((identity: IngestIdentity) => boolean)[], identity: IngestIdentity): boolean {
  for (let i = 0; i < matchers.length; i++) if (matchers[i]!(identity)) return true;
  return false;
}

function anyRuleAllows(
  rules: readonly ReturnType<typeof parseTopicRule>[],
  identity: IngestIdentity,
  topic: string,
): boolean {
  for (let i = 0; i < rules.length; i++) if (rules[i]!.topic.test(topic) && rules[i]!.matches(identity)) return true;
  return false;
}
