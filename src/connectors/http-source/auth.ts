/**
 * Request authentication of the HTTP source: NONE, BASIC (`http.auth.user` / `http.auth.password`)
 * or OAUTH2 client credentials through the shared TokenProvider (token cached until shortly before
 * it expires; a 401 drops it so the request is retried once with a fresh one). The client secret
 * goes as HTTP Basic authentication (id and secret each form-encoded first, RFC 6749 §2.3.1) or in
 * the form body (`http.oauth2.client.auth.mode`). The token requests go through their own client,
 * whose TLS is always verified (src/http/token-endpoint-tls.ts; pageFetcherOf builds it).
 */

import { basicToken } from "../../http/basic-credentials.ts";
import { formEncoded } from "../../http/form-value.ts";
import type { HttpClient } from "../../http/http-client.ts";
import { TokenProvider } from "../../http/token-provider.ts";
import type { Clock } from "../../util/clock.ts";
import type { HttpSourceConfig } from "./config.ts";

export interface Authenticator {
  /** The Authorization header to send, if any. */
  header(signal: AbortSignal): Promise<[string, string] | null>;
  /** The server answered 401 to `header`: true when a retry with new credentials may help. */
  rejected(header: [string, string] | null): boolean;
  /** Token requests made so far (OAUTH2). */
  readonly tokenFetches: number;
  /** The configured password or client secret (hidden where an answer echoes it: echoed-secrets.ts). */
  readonly secrets: readonly string[];
}

const none: Authenticator = { header: async () => null, rejected: () => false, tokenFetches: 0, secrets: [] };

/** A user holding ':' is sent as written (validation-only.ts refuses it; a stored config ran so). */
function basic(user: string, password: string): Authenticator {
  const value = `Basic ${basicToken(`${user}:${password}`)}`;
  const secrets = [password, `${user}:${password}`];
  return { header: async () => ["Authorization", value], rejected: () => false, tokenFetches: 0, secrets };
}

function oauth2(c: HttpSourceConfig, client: HttpClient, clock: Clock, urlFromProvider: boolean): Authenticator {
  const id = c["http.oauth2.client.id"] ?? "";
  const secret = c["http.oauth2.client.secret"]?.value() ?? "";
  const inBody = c["http.oauth2.client.auth.mode"].toLowerCase() === "body";
  const form: Record<string, string> = { grant_type: "client_credentials" };
  if (c["http.oauth2.scope"]) form.scope = c["http.oauth2.scope"];
  if (inBody) {
    form.client_id = id;
    form.client_secret = secret;
  }
  const provider = new TokenProvider({
    tokenUrl: c["http.oauth2.token.url"] ?? "",
    form,
    basicAuth: inBody ? undefined : { user: formEncoded(id), password: formEncoded(secret) },
    expiryReductionMs: c["http.oauth2.token.expiry.margin.ms"],
    client,
    clock,
    timeoutMs: c["http.request.timeout.ms"],
    endpointName: "OAuth2 token endpoint",
    urlFromProvider,
  });
  return {
    header: async (signal) => ["Authorization", `Bearer ${await provider.token(signal)}`],
    rejected: (header) => {
      if (header) provider.invalidate(header[1].slice("Bearer ".length));
      return true;
    },
    get tokenFetches() {
      return provider.fetchCount;
    },
    // Its form-encoded form (sent in Basic) is among the forms echoedSecrets derives.
    secrets: [secret],
  };
}

/** `tokenUrlFromProvider`: http.oauth2.token.url came through a config provider (token errors show its origin only). */
export function authenticator(
  c: HttpSourceConfig,
  client: HttpClient,
  clock: Clock,
  tokenUrlFromProvider = false,
): Authenticator {
  switch (c["http.auth.type"].toUpperCase()) {
    case "BASIC":
      return basic(c["http.auth.user"] ?? "", c["http.auth.password"]?.value() ?? "");
    case "OAUTH2":
      return oauth2(c, client, clock, tokenUrlFromProvider);
    default:
      return none;
  }
}
