/**
 * Media-type matching for the REST server (server.ts), as Jersey matches a resource's
 * @Consumes/@Produces(application/json): the request's Content-Type (400, 415) and Accept (406).
 */

/**
 * Whether an Accept header admits application/json, as Jersey matches @Produces. Jersey 3 (Connect
 * 4.3.1) picks by the ranges alone: a range with `q=0` still admits the type.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((range) => {
    const type = (range.split(";")[0] ?? "").trim().toLowerCase();
    return type === "application/json" || type === "application/*" || type === "*/*" || type === "*";
  });
}

/**
 * How Jersey takes a request's Content-Type for a JSON resource method: `json` read as JSON;
 * `invalid` no media type it can parse (Jetty's bare 400: no body, no type); `unsupported` not
 * compatible with application/json (Jersey's own 415, untyped); `unreadable` compatible but no
 * reader takes it (a wildcard subtype: the 415 goes through Connect's mapper, JSON-typed).
 */
export type ContentTypeMatch = "json" | "invalid" | "unsupported" | "unreadable";

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAMETER = `${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*")`;
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})\\s*(?:;\\s*(?:${PARAMETER}\\s*)?)*$`);

export function matchContentType(contentType: string): ContentTypeMatch {
  const parsed = MEDIA_TYPE.exec(contentType.trim());
  if (!parsed) return "invalid";
  const type = parsed[1]!.toLowerCase();
  const subtype = parsed[2]!.toLowerCase();
  if ((type !== "application" && type !== "*") || (subtype !== "json" && subtype !== "*")) return "unsupported";
  return subtype === "json" ? "json" : "unreadable";
}
