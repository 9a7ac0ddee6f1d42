/**
 * curl as a device would run it: returns status, headers and body of one request.
 */
export interface CurlResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json<T = any>(): T;
}

/**
 * curl's own limit on a request, in seconds: past the default ingest.request.timeout.ms (30 s) with room to spare, so
 * an answer given at that deadline on a loaded 2-core CI machine is not cut short (it was 30 s, racing it), and under
 * the 60 s a whole-gateway test runs for (scripts/test), so a request left unanswered fails with curl's own message
 * ("Operation timed out after …"). A test waiting longer passes its own `--max-time` (curl takes the last one given).
 */
const MAX_TIME_S = 50;

export async function curl(url: string, args: string[] = []): Promise<CurlResponse> {
  const command = ["curl", "-sS", "-i", "--max-time", String(MAX_TIME_S), ...args, url];
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  const code = await proc.exited;
  if (code !== 0) throw new Error(`curl exited ${code} for ${url}: ${(await new Response(proc.stderr).text()).trim()}`);
  // Skip interim responses (100 Continue) to the final head.
  let rest = out;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    const head = rest.slice(0, end);
    rest = rest.slice(end + 4);
    const [statusLine, ...lines] = head.split("\r\n");
    const status = Number(statusLine!.split(" ")[1]);
    if (status === 100) continue;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(":");
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    return { status, headers, body: rest, json: () => JSON.parse(rest) };
  }
}

/** `curl -X POST -H Content-Type:… --data-binary body`. */
export function curlPost(
  url: string,
  body: string,
  contentType: string | null,
  headers: Record<string, string> = {},
  extra: string[] = [],
): Promise<CurlResponse> {
  const args = ["-X", "POST", "--data-binary", body];
  if (contentType !== null) args.push("-H", `Content-Type: ${contentType}`);
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  return curl(url, [...args, ...extra]);
}
