/**
 * The answer Apache Kafka Connect gives to a request its server (Jetty 12.0) refuses before any
 * REST resource sees it: the status with Jetty's HTML error page, byte for byte as Connect 4.3.1
 * sends it (test/fixtures/connect-rest holds the recorded pages), so a client or a differential
 * check sees the same answer from the gateway. Used by `http1-connection.ts` for malformed heads
 * and targets; the REST API's own errors stay JSON (`error-mapping.ts`).
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Jetty's error page for `status` with `reason`; `uri` is what the page shows as the request URI. */
export function jettyErrorPage(status: number, reason: string, uri: string): string {
  const message = escapeHtml(reason);
  return [
    "<html>",
    "<head>",
    '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>',
    `<title>Error ${status} ${message}</title>`,
    "</head>",
    "<body>",
    `<h2>HTTP ERROR ${status} ${message}</h2>`,
    "<table>",
    `<tr><th>URI:</th><td>${escapeHtml(uri)}</td></tr>`,
    `<tr><th>STATUS:</th><td>${status}</td></tr>`,
    `<tr><th>MESSAGE:</th><td>${message}</td></tr>`,
    "</table>",
    '<hr/><a href="https://jetty.org/">Powered by Jetty:// 12.0.34</a><hr/>',
    "",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * Whether Jetty writes its page for a request with this method: only for GET, POST and HEAD (and
 * for a request line it could not read at all, `null`); other methods get the status alone.
 */
export function errorPageFor(method: string | null): boolean {
  return method === null || method === "GET" || method === "POST" || method === "HEAD";
}

/**
 * The page as a response (Jetty marks these uncacheable), its length declared so that a HEAD's
 * answer, head alone, still says it; `empty`: the status alone, as Jetty sends some.
 */
export function jettyErrorResponse(status: number, reason: string, uri: string, empty = false): Response {
  const headers: Record<string, string> = { "Cache-Control": "must-revalidate,no-cache,no-store" };
  if (empty) return new Response(null, { status, headers: { ...headers, "Content-Length": "0" } });
  const page = jettyErrorPage(status, reason, uri);
  return new Response(page, {
    status,
    headers: {
      ...headers,
      "Content-Type": "text/html;charset=iso-8859-1",
      "Content-Length": String(Buffer.byteLength(page)),
    },
  });
}
