/**
 * Why a listener could not open on host:port, in words an operator acts on. node:net's `listen`
 * reports its error only on a later tick, after the synchronous start has to answer, so the address
 * is tried once more with Bun.listen, which fails at once with the system's code: a port in use
 * (EADDRINUSE), an address that is not this host's (EADDRNOTAVAIL), a privileged port (EACCES), or a
 * host name that does not resolve here (no code). When the address opens fine on that second try,
 * the listener's own error (`original`, where the caller has it) is the reason.
 */
import { messageOf } from "../errors.ts";

export function listenFailure(host: string, port: number, original?: unknown): string {
  let code: unknown;
  let message: string;
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    return original === undefined
      ? "the address was in use when the listener opened (address in use?)"
      : messageOf(original);
  } catch (error) {
    code = (error as { code?: unknown }).code;
    message = messageOf(error);
  }
  switch (code) {
    case "EADDRINUSE":
      return `port ${port} is already in use by another process (EADDRINUSE)`;
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this host (EADDRNOTAVAIL)`;
    case "EACCES":
      return `permission denied (EACCES): ports below 1024 need privileges`;
    default:
      return typeof code === "string"
        ? `${message} (${code})`
        : `${message} (is ${host} a name or address of this host?)`;
  }
}
