/**
 * The check distributed Connect makes before it acts on an internal request (`POST
 * /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`, which one worker sends another): Connect's
 * InternalRequestSignature.fromHeaders, then DistributedHerder's signature validation. The gateway is
 * a single worker with no session key, so no request passes: each gets the answer distributed Connect
 * gives a client that is no worker of its cluster. Called by routes/connector-state.ts.
 */
import { RestError } from "../errors.ts";

const SIGNATURE_HEADER = "X-Connect-Authorization";
const SIGNATURE_ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm";
/** `inter.worker.verification.algorithms`' default: what Connect's herder accepts. */
const VERIFICATION_ALGORITHMS = ["HmacSHA256"];
/** The Mac algorithms a JDK 17 (SunJCE) provides; Mac.getInstance looks names up ignoring case. */
const JDK_MAC_ALGORITHMS = new Set(
  [
    "HmacMD5",
    "HmacSHA1",
    "HmacSHA224",
    "HmacSHA256",
    "HmacSHA384",
    "HmacSHA512",
    "HmacSHA512/224",
    "HmacSHA512/256",
    "HmacSHA3-224",
    "HmacSHA3-256",
    "HmacSHA3-384",
    "HmacSHA3-512",
    "HmacPBESHA1",
    "HmacPBESHA224",
    "HmacPBESHA256",
    "HmacPBESHA384",
    "HmacPBESHA512",
    "HmacPBESHA512/224",
    "HmacPBESHA512/256",
    "PBEWithHmacSHA1",
    "PBEWithHmacSHA224",
    "PBEWithHmacSHA256",
    "PBEWithHmacSHA384",
    "PBEWithHmacSHA512",
    "SslMacMD5",
    "SslMacSHA1",
  ].map((a) => a.toLowerCase()),
);

/** Throws the RestError distributed Connect answers an internal request carrying `headers` with. */
export function refuseInternalRequest(headers: Headers): never {
  const algorithm = headers.get(SIGNATURE_ALGORITHM_HEADER);
  const signature = headers.get(SIGNATURE_HEADER);
  if (algorithm === null || signature === null) {
    throw new RestError(400, "Internal request missing required signature");
  }
  if (!JDK_MAC_ALGORITHMS.has(algorithm.toLowerCase())) {
    throw new RestError(400, `Algorithm ${algorithm} not available`);
  }
  const malformed = javaBase64Problem(signature);
  if (malformed) throw new RestError(400, malformed);
  if (!VERIFICATION_ALGORITHMS.includes(algorithm)) {
    throw new RestError(
      400,
      `This worker does not support the '${algorithm}' key signing algorithm used by other workers. ` +
        `This worker is currently configured to use: [${VERIFICATION_ALGORITHMS.join(", ")}]. ` +
        "Check that all workers' configuration files permit the same set of signature algorithms, " +
        "and correct any misconfigured worker and restart it.",
    );
  }
  throw new RestError(403, "Internal request contained invalid signature.");
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * The message of the IllegalArgumentException java.util.Base64's basic decoder throws for `text`
 * (its ISO-8859-1 bytes), or undefined when it decodes.
 */
function javaBase64Problem(text: string): string | undefined {
  const bytes = Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
  if (bytes.length === 1) return "Input byte[] should at least have 2 bytes for base64 bytes";
  let shift = 18; // bits still to fill in the current 24-bit unit, as Java's decode0
  let sp = 0;
  while (sp < bytes.length) {
    const b = bytes[sp++]!;
    if (b === 0x3d) {
      // '=' ends the data: after two or three characters of a unit, "==" or "=" exactly.
      if ((shift === 6 && (sp === bytes.length || bytes[sp++] !== 0x3d)) || shift === 18) {
        return "Input byte array has wrong 4-byte ending unit";
      }
      break;
    }
    if (BASE64_ALPHABET.indexOf(String.fromCharCode(b)) < 0) {
      // Integer.toString of the signed byte, base 16.
      return `Illegal base64 character ${(b > 0x7f ? b - 0x100 : b).toString(16)}`;
    }
    shift = shift === 0 ? 18 : shift - 6;
  }
  if (shift === 12) return "Last unit does not have enough valid bits";
  if (sp < bytes.length) return `Input byte array has incorrect ending byte at ${sp}`;
  return undefined;
}
