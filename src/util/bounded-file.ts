/**
 * Reads a small file the config names (a key, a credentials file, a PEM bundle) without trusting
 * what the path is: a FIFO would block the reading thread, the whole gateway, until a writer came,
 * and /dev/zero or a huge file would grow memory without limit. A config/validate call names such
 * paths too, so they must fail with a clear reason, not freeze or exhaust the process.
 *
 * The file is opened non-blocking (a FIFO opens at once), must be a regular file and at most
 * `maxBytes` long; a file that grows while being read is refused at the same cap.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

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

/** The file's size, once it is known to be a regular file of at most `maxBytes`. */
function checkedSize(stat: Stats, maxBytes: number): number {
  if (!stat.isFile()) throw new Error("not a regular file");
  if (stat.size > maxBytes) throw new Error(`larger than ${sizeText(maxBytes)}`);
  return stat.size;
}

/**
 * The bytes read so far. One byte over the size fstat gave tells a file that grew since; it may
 * grow up to the cap.
 */
class BoundedBytes {
  buffer: Buffer;
  length = 0;
  constructor(
    size: number,
    private readonly maxBytes: number,
  ) {
    this.buffer = Buffer.alloc(size + 1);
  }

  /** Makes room for the next read (the buffer grown when full); throws once past the cap. */
  makeRoom(): void {
    if (this.length < this.buffer.length) return;
    if (this.length > this.maxBytes) throw new Error(`larger than ${sizeText(this.maxBytes)}`);
    const grown = Buffer.alloc(Math.min(this.buffer.length * 2, this.maxBytes + 1));
    this.buffer.copy(grown);
    this.buffer = grown;
  }

  get bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * The file's bytes; throws an Error saying why not: the system's reason (ENOENT, EACCES…), "not a
 * regular file", or "larger than <cap>". The message never holds the file's contents.
 */
export function readBoundedFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const read = new BoundedBytes(checkedSize(fstatSync(fd), maxBytes), maxBytes);
    for (;;) {
      read.makeRoom();
      const n = readSync(fd, read.buffer, read.length, read.buffer.length - read.length, null);
      if (n === 0) return read.bytes;
      read.length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * readBoundedFile off the event loop, for a read a caller bounds in time (a config provider's: a
 * file on a mount that stopped answering holds a pool thread, not the whole gateway).
 */
export async function readBoundedFileAsync(path: string, maxBytes: number): Promise<Buffer> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const read = new BoundedBytes(checkedSize(await file.stat(), maxBytes), maxBytes);
    for (;;) {
      read.makeRoom();
      const { bytesRead } = await file.read(read.buffer, read.length, read.buffer.length - read.length, null);
      if (bytesRead === 0) return read.bytes;
      read.length += bytesRead;
    }
  } finally {
    await file.close();
  }
}
