/**
 * Media-type matching for the REST server (server.ts), as Jersey matches a resource's
 * @Consumes/@Produces(application/json): the request's Content-Type (415) and Accept (406).
 */

/** Whether an Accept header admits application/json (a range with q > 0), as Jersey matches @Produces. */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((range) => {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return type === "application/json" || type === "application/*" || type === "*/*" || type === "*";
  });
}

export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type === "*/*";
}
