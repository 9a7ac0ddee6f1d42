/**
 * curl as a device would run it: returns status, headers and body of one request.
 */
export interface CurlResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  json<T = any>(): T;
}

export async function curl(url: string, args: string[] = []): Promise<CurlResponse> {
  const proc = Bun.spawn(["curl", "-s", "-i", "--max-time", "30", ...args, url], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  const code = await proc.exited;
  if (code !== 0) throw new Error(`curl exited ${code}: ${await new Response(proc.stderr).text()}`);
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
