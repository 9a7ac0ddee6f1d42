import { describe, expect, test } from "bun:test";
import { secretQueryName } from "./secret-query-name.ts";

describe("secretQueryName", () => {
  test.each([
    "token",
    "access_token",
    "api_key",
    "apiKey",
    "passWd",
    "X-Amz-Signature",
    "sig",
    "hmacsig",
    "auth",
    "authorization",
    "oauth_token",
    "jsessionid",
    "code",
    // PKCE's verifier, OAuth 1.0a's, and RFC 7523's client assertion are credentials.
    "code_verifier",
    "oauth_verifier",
    "client_assertion",
    // A signature's usual name in payment APIs, and secret parts beside an innocent word.
    "sign",
    "paySign",
    "author_token",
    "AuthorToken",
    "signalKey",
  ])("%s holds a secret", (name) => expect(secretQueryName(name)).toBe(true));

  // Review mask3: English words that merely hold `auth`, `sig` or `key` were hidden.
  test.each([
    "author",
    "authors",
    "authorName",
    "coauthor",
    "authority",
    "signal",
    "SIGNAL",
    "signal_strength",
    "signup",
    "design",
    "assignee",
    "keyword",
    "keywords",
    "monkey",
    "postcode",
    "compass",
    "page",
  ])("%s holds none", (name) => expect(secretQueryName(name)).toBe(false));
});
