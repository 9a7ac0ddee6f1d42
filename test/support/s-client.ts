/**
 * One TLS handshake with `openssl s_client`, forcing a protocol and cipher, to see what a listener
 * really accepts (fetch cannot force either). Bounded: the process is killed after 10 s.
 */

export interface Handshake {
  /** The negotiated protocol and cipher, or null when the handshake failed. */
  readonly negotiated: { protocol: string; cipher: string } | null;
  readonly output: string;
}

export async function sClient(
  hostPort: string,
  options: { tls: "1.1" | "1.2" | "1.3"; cipher?: string; cert?: string; key?: string },
): Promise<Handshake> {
  const args = ["openssl", "s_client", "-connect", hostPort, `-tls${options.tls.replace(".", "_")}`];
  if (options.cipher) args.push(options.tls === "1.3" ? "-ciphersuites" : "-cipher", options.cipher);
  if (options.cert && options.key) args.push("-cert", options.cert, "-key", options.key);
  const proc = Bun.spawn(args, { stdin: new Uint8Array(0), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  const output = `${stdout}\n${stderr}`;
  const m = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(output);
  return { negotiated: m && m[2] !== "(NONE)" ? { protocol: m[1]!, cipher: m[2]! } : null, output };
}
