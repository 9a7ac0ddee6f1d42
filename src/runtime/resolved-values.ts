/**
 * ResolvedValues: the values config providers resolved for one connector config, and how to keep
 * them out of a REST answer. The Herder and its ConfigValidator use it where Connect would show
 * something derived from resolved values: validation results (values, messages, and key and group
 * names made from a resolved `transforms`/`predicates` list), the 400 message listing them, active
 * topics and offsets.
 *
 * Every resolved value is a secret, whatever its length: where one would be shown, the answer
 * shows the reference when the value came whole from a key that is one reference
 * (`"topic": "${env:T}"` → topic `${env:T}`), else `[hidden]`, by the rule of util/secret-index.ts
 * with its `KEY` threshold: 4 characters or more anywhere, inside words too (a message quoting part
 * of a value composed around one, `password s3crx9 refused`, shows `password [hidden]x9 refused`),
 * shorter ones as whole tokens. These answers go to the client that sent the config; the logs hide
 * held secrets as whole tokens up to 8 characters (`WHOLE`), being everyone's. Elements of a
 * provider value with a comma count as values, in the logs too (`secretsOf`), hidden in these
 * answers by the logs' `WHOLE` rule, since a value with a comma is not always a list (a password
 * `Pa55,word` must not make `connection.password` show as `connection.pass[hidden]`). A key's value
 * composed around a reference (`password=${env:PW}x9`) is one value whole, not split into elements
 * (the config's own `a,b,${env:T}` makes no secret of `a`; an element glued to a resolved value
 * comes as a value of its own, config-transformer.ts): a short resolved part glued to the
 * config's letters is no whole token, and the composed value shows as the client's raw text where
 * it is the whole text. A value that is a URL hides its path parts as well (shown-url.ts
 * `echoedUrlParts`: its path, with and without the query, and its long segments), so a text made
 * from it that is not the value itself (an HTTP source's offsets partition keyed by the URL with its
 * query masked, a next page's link) shows none of its path.
 */
import type { Config } from "../api/connector.ts";
import type { ConfigProvider } from "../config-providers/config-provider.ts";
import { providedKeys, resolveConfig } from "../config-providers/config-transformer.ts";
import { echoedUrlParts } from "../http/shown-url.ts";
import { HIDDEN } from "../util/logger.ts";
import type { Remembered, SecretHolder } from "../util/resolved-secrets.ts";
import { withSecretForms } from "../util/secret-forms.ts";
import { KEY, SecretIndex, WHOLE } from "../util/secret-index.ts";

/**
 * The secrets a reported value makes: a provider value and its list elements (trimmed, non-empty;
 * `topics=${env:T}` names one topic per log line), a composed value itself only (its elements are
 * reported when they hold a resolved part; `audit` in `audit,${env:T}` is the config's own).
 */
export function secretsOf(value: string, composed = false): string[] {
  const secrets = value.trim() === "" ? [] : [value];
  return composed ? secrets : [...secrets, ...elementsOf(value)];
}

/** The list elements of a provider value with a comma (trimmed, non-empty); none without one. */
function elementsOf(value: string): string[] {
  if (!value.includes(",")) return [];
  return value
    .split(",")
    .map((element) => element.trim())
    .filter((element) => element !== "");
}

/**
 * What a resolution reports: every value a provider resolved, and, `composed`, the whole resolved
 * value of each key whose raw value holds a reference among other text and each of its list
 * elements glued to a resolved value (config-transformer.ts OnResolved).
 */
export type OnValue = (value: string, composed?: boolean) => void;

/**
 * Resolves provider references in a config; `onValue` receives what it resolved, `onUnresolved`
 * the config key of each reference it left as written (config-transformer.ts resolveConfig).
 */
export type ResolveConfig = (
  config: Config,
  onValue?: OnValue,
  onUnresolved?: (configKey: string) => void,
) => Promise<Config>;

/**
 * The ResolveConfig of a worker's providers (config-transformer.ts); `remember` sees each value
 * with its reference too, the secrets it makes and the resolution that reported it (main.ts: the
 * bounded history of resolved values). A value `secret` says is none for the config keys it was
 * resolved for (app.ts: a `connector.class` given by reference that names a plugin) is neither
 * remembered nor reported, so nothing hides it.
 */
export function resolvingWith(
  providers: ReadonlyMap<string, ConfigProvider>,
  remember?: (value: string, reference: string, resolved: Required<Remembered>) => void,
  secret: (value: string, configKeys: readonly string[]) => boolean = () => true,
): ResolveConfig {
  return (config, onValue, onUnresolved) => {
    const resolution = {};
    return resolveConfig(
      config,
      providers,
      (value, reference, composed, configKeys) => {
        if (!secret(value, configKeys)) return;
        remember?.(value, reference, { hidden: secretsOf(value, composed), resolution });
        onValue?.(value, composed);
      },
      onUnresolved,
    );
  };
}

/** What `onValue` reported for one resolution: `all` to hold from the logs, `values` to hide from a client. */
export class ReportedValues {
  readonly all: string[] = [];
  private readonly provided: string[] = [];
  private readonly composed: string[] = [];

  readonly onValue: OnValue = (value, composed) => {
    this.all.push(...secretsOf(value, composed));
    (composed ? this.composed : this.provided).push(value);
  };

  /** With the raw and resolved config, whole values show as the client's raw text. */
  values(raw: Config = {}, resolved: Config = {}): ResolvedValues {
    return ResolvedValues.from(raw, resolved, this.provided, this.composed);
  }
}

/**
 * `resolveConfig` for one operation (a validation, an offsets read or change): every value it
 * resolves stays hidden from the logs until `release`, not only while the bounded history of
 * resolved values (util/resolved-secrets.ts) still remembers it; one resolved after `release` is
 * left to that history.
 */
export function heldResolution(
  logs: SecretHolder,
  resolveConfig: ResolveConfig,
): { readonly resolveConfig: ResolveConfig; release(): void } {
  const releases: (() => void)[] = [];
  let released = false;
  return {
    resolveConfig: (config, onValue, onUnresolved) =>
      resolveConfig(
        config,
        (value, composed) => {
          // One resolved after `release` (a provider answering past validation's timeout) was held for good.
          if (!released) releases.push(logs.holdSecrets(secretsOf(value, composed)));
          onValue?.(value, composed);
        },
        onUnresolved,
      ),
    release: () => {
      released = true;
      for (const release of releases.splice(0)) release();
    },
  };
}

/**
 * A request's values hidden as a client may see them: whole values (a provider's, a composed one)
 * by the `KEY` rule, 4 characters or more inside words too; then the elements of a provider value
 * with a comma by the logs' `WHOLE` rule, whole tokens up to 8 characters. A value is not always a
 * list (a password `Pa55,word`): its pieces hidden inside words showed `connection.pass[hidden]`,
 * mangling a key name and telling that `word` is part of the password (review-secrets6 P2-2). The
 * second pass leaves the first one's `[hidden]` as it is (SecretIndex.redact), so none is doubled.
 * Declared before ResolvedValues: its static `none` builds one while the module loads (the
 * compiled binary failed at start with "Cannot access 'ValueIndex' before initialization").
 */
class ValueIndex {
  private constructor(
    private readonly values: SecretIndex | undefined,
    private readonly elements: SecretIndex | undefined,
  ) {}

  static of(values: readonly string[], elements: readonly string[]): ValueIndex | undefined {
    if (values.length === 0 && elements.length === 0) return undefined;
    const index = (secrets: readonly string[], whole: number) =>
      secrets.length > 0 ? new SecretIndex(secrets, HIDDEN, whole) : undefined;
    return new ValueIndex(index(values, KEY), index(elements, WHOLE));
  }

  redact(text: string): string {
    const valuesHidden = this.values?.redact(text) ?? text;
    return this.elements?.redact(valuesHidden) ?? valuesHidden;
  }
}

/** The log manager's hiding of the secrets it holds (LogManager.redact). */
export type Redact = (text: string) => string;

/** ResolvedValues.redaction: text hidden as a client may see it. */
export interface Redaction {
  hide(text: string): string;
  hideLong(text: string): string;
}

export class ResolvedValues {
  static readonly none = new ResolvedValues(new Map(), [], []);

  /** Every value; undefined without any. */
  private readonly index: ValueIndex | undefined;
  /** Those of `KEY` characters or more (the log manager holds those too); undefined without any. */
  private readonly longIndex: ValueIndex | undefined;

  private constructor(
    /** resolved value → the raw text it came from, for keys whose raw value holds a reference. */
    private readonly references: ReadonlyMap<string, string>,
    values: readonly string[],
    elements: readonly string[],
  ) {
    // An answer may quote a value JSON-escaped, percent-encoded or trimmed (secret-forms.ts); one
    // that trims to under `KEY` characters only as it is and trimmed, its escaped forms being
    // ordinary text (`\u00e4` of a value `ä` in `J\u00e4ger`).
    const valueForms = withSecretForms(values, KEY);
    const elementForms = withSecretForms(elements, KEY);
    const asIs = (secrets: readonly string[]) => secrets.flatMap((s) => [s, s.trim()]);
    this.index = ValueIndex.of([...asIs(values), ...valueForms], [...asIs(elements), ...elementForms]);
    this.longIndex = ValueIndex.of(valueForms, elementForms);
  }

  /** Resolves `config` and records what the providers returned. */
  static async resolve(
    config: Config,
    resolveConfig: ResolveConfig,
  ): Promise<{ config: Config; values: ResolvedValues }> {
    const reported = new ReportedValues();
    const resolved = await resolveConfig(config, reported.onValue);
    return { config: resolved, values: reported.values(config, resolved) };
  }

  /**
   * From a raw config, its resolved form, the values the providers returned and the composed
   * values (each a secret whole, not split into list elements).
   */
  static from(
    raw: Config,
    resolved: Config,
    providerValues: readonly string[],
    composedValues: readonly string[] = [],
  ): ResolvedValues {
    if (providerValues.length === 0 && composedValues.length === 0) return ResolvedValues.none;
    // A URL's path parts too (shown-url.ts): a key made from it (an HTTP source's offsets partition,
    // its query masked) or a link it led to shows without them.
    const values = [...composedValues, ...providerValues].flatMap((value) => [
      ...secretsOf(value, true),
      ...echoedUrlParts(value),
    ]);
    const elements = providerValues.flatMap(elementsOf);
    const references = new Map<string, string>();
    for (const key of providedKeys(raw, resolved)) {
      const result = resolved[key]!;
      if (!references.has(result)) references.set(result, raw[key]!);
    }
    return new ResolvedValues(references, values, elements);
  }

  /** The raw text a value came from whole (a key that holds a reference), if any. */
  referenceFor(value: string): string | undefined {
    return this.references.get(value);
  }

  get isEmpty(): boolean {
    return this.index === undefined;
  }

  /** `text` with every resolved value replaced by its reference (whole matches) or `[hidden]`. */
  hide(text: string): string {
    if (this.index === undefined) return text;
    return this.references.get(text) ?? this.index.redact(text);
  }

  /**
   * How text a client sees is hidden (a status trace, a validation result): the held secrets
   * (`redact`: the log manager's) first, then these values, `hide` every one, `hideLong` those of
   * `KEY` characters or more (for text a 1-3 character value would blank out, such as a message on
   * a key the client typed). In that order, since a resolved
   * value hidden first cut a longer secret containing it (a topic `orders` in a password
   * `orders-api-Pa55w0rd`) into `[hidden]-api-Pa55w0rd`, which `redact` no longer found (review64).
   * With `references`, a text that is a resolved value whole shows its reference instead (validation
   * shows a topic `${env:T}` as the client sent it); a trace shows none.
   */
  redaction(redact: Redact, { references }: { readonly references: boolean }): Redaction {
    // The index leaves a `[hidden]` already there as it is: a value `hidden` (a topic so named)
    // showed the held secrets' `[hidden]` as `[[hidden]]`.
    const shown = (text: string, index: ValueIndex | undefined) => {
      const reference = references ? this.references.get(text) : undefined;
      if (reference !== undefined) return reference;
      const held = redact(text);
      return index?.redact(held) ?? held;
    };
    return { hide: (text) => shown(text, this.index), hideLong: (text) => shown(text, this.longIndex) };
  }

  /** A copy of a JSON value with `hide` applied to every string, object keys included. */
  hideDeep<T>(value: T): T {
    return this.index === undefined ? value : mapStrings(value, (s) => this.hide(s));
  }

  /**
   * The inverse for input a client sends back (offsets it read with references in them): a
   * string that is exactly a reference this config resolved becomes the value again.
   */
  revealDeep<T>(value: T): T {
    if (this.references.size === 0) return value;
    const values = new Map([...this.references].map(([resolved, reference]) => [reference, resolved]));
    return mapStrings(value, (s) => values.get(s) ?? s);
  }
}

/** A copy of a JSON value with `f` applied to every string, object keys included. */
function mapStrings<T>(value: T, f: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [f(k), walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}
