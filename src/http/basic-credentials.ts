/**
 * HTTP Basic credentials (RFC 7617), both ways: the `token68` a client sends (base64 of
 * `user-id ":" password` in UTF-8, the charset the REST API's and ingest's challenges announce)
 * and the user and password a server reads back. A user id cannot hold `:` (the password starts
 * at the first colon), so `basicCredentials` refuses one; `basicToken` encodes a pair written
 * ahead as one value or as bytes (the HTTP sink's Flink-style `sink.header.Authorization`, the
 * user info of a URL, which fetch percent-decodes to bytes, and the HTTP source's BASIC, whose
 * stored user with ':' is sent as written: its validation refuses one). Callers: the HTTP source's
 * BASIC and OAuth2 client authentication (via TokenProvider), the HTTP sink's settings and SecretMask
 * (url-secrets.ts), the REST API's and ingest's Basic authenticators.
 */

/** RFC 7617's rule for a user id, or null when it may be used. */
export function basicUserProblem(user: string): string | null {
  return user.includes(":")
    ? "a Basic user id cannot contain ':' (RFC 7617: the password starts at the first colon)"
    : null;
}

/** The token68 of `user` and `password` (UTF-8); throws RangeError for a user id holding ':'. */
export function basicCredentials(user: string, password: string): string {
  const problem = basicUserProblem(user);
  if (problem !== null) throw new RangeError(problem);
  return basicToken(`${user}:${password}`);
}

/** The token68 of a `user:password` pair already joined, as text (UTF-8) or bytes. */
export function basicToken(pair: string | Uint8Array): string {
  return (typeof pair === "string" ? Buffer.from(pair, "utf8") : Buffer.from(pair)).toString("base64");
}

/**
 * The user and password of `Basic` credentials (the part after the scheme), or null when malformed.
 * Padding may be left out, as Java's Base64 decoder (Connect's JaasBasicAuthFilter, Jetty's) allows;
 * when present it must be complete.
 */
export function parseBasicCredentials(token68: string): { user: string; password: string } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token68)) return null;
  if (token68.includes("=") ? token68.length % 4 !== 0 : token68.length % 4 === 1) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(token68, "base64"));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
