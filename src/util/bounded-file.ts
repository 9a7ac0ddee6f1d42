/**
 * Reads a small file the config names (a key, a credentials file, a PEM bundle) without trusting
 * what the path is: a FIFO would block the reading thread, the whole gateway, until a writer came,
 * and /dev/zero or a huge file would grow memory without limit. A config/validate call names such
 * paths too, so they must fail with a clear reason, not freeze or exhaust the process.
 *
 * The file is opened non-blocking (a FIFO opens at once), must be a regular file and at most
 * `maxBytes` long; a file that grows while being read is refused at the same cap.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

const MIB = 1024 * 1024;

/** 1 MiB: far above any key or credentials file. */
export const SMALL_FILE_MAX_BYTES = MIB;

/**
 * 16 MiB: TLS stores and PEM trust bundles, far above the largest public CA bundle (~200 KiB) or any
 * key store, so no real one is refused.
 */
export const TLS_FILE_MAX_BYTES = 16 * MIB;

/**
 * 16 MiB: a file a config provider reads (a properties file of secrets, one secret file), far above
 * any real one; a connector config sent through REST names the path, so it must not be /dev/zero's.
 */
export const PROVIDER_FILE_MAX_BYTES = 16 * MIB;

/** What the cap reads as in a message: "1 MiB", "16 MiB", else bytes. */
function sizeText(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

/**
 * The file's bytes; throws an Error saying why not: the system's reason (ENOENT, EACCES…), "not a
 * regular file", or "larger than <cap>". The message never holds the file's contents.
 */
export function readBoundedFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error("not a regular file");
    if (stat.size > maxBytes) throw new Error(`larger than ${sizeText(maxBytes)}`);
    // One byte over the size tells a file that grew since fstat; it may grow up to the cap.
    let buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new Error(`larger than ${sizeText(maxBytes)}`);
        const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown);
        buffer = grown;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
