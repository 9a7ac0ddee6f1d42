/**
 * node-forge's password-based key derivations computed by node:crypto, for opening PKCS12 stores
 * without blocking the event loop for a second. Installed once by `store-formats.ts` (every PKCS12
 * and encrypted-PEM reader goes through it).
 *
 * Why: keytool writes PKCS12 with 10,000 iterations (PBES2 with PBKDF2-HMAC-SHA256 for the key and
 * certificate bags, and the PKCS#12 MAC key derivation of RFC 7292 appendix B). forge computes
 * PBKDF2 in JavaScript whenever the digest is passed as an object (its own native shortcut only
 * takes a digest name, and its PBES2 reader always passes an object), and its PKCS#12 key
 * derivation is JavaScript only: 0.4–1.1 s of CPU per store (BENCHMARKS.md, "PKCS12 store loading").
 *
 * The replacements return exactly what forge returns, byte for byte: forge treats passwords and
 * salts as binary strings (one byte per character, read with charCodeAt), which is latin1 for
 * characters up to U+00FF; the PKCS#12 derivation takes the password as UTF-16BE code units plus
 * a 0x0000 terminator (none for a null password). Anything else (a character above U+00FF in a
 * PBKDF2 input, an unknown digest, a callback, odd arguments) goes to forge's own function.
 */
import { hash, pbkdf2Sync } from "node:crypto";
import forge from "node-forge";

/** The digests node:crypto computes the same as forge's, with forge's lengths (bytes). */
const DIGESTS: Readonly<Record<string, { readonly digestLength: number; readonly blockLength: number }>> = {
  md5: { digestLength: 16, blockLength: 64 },
  sha1: { digestLength: 20, blockLength: 64 },
  sha256: { digestLength: 32, blockLength: 64 },
  sha384: { digestLength: 48, blockLength: 128 },
  sha512: { digestLength: 64, blockLength: 128 },
};

/** Beyond these, forge's own functions run (no store comes near them). */
const MAX_ITERATIONS = 0x7fffffff;
const MAX_KEY_BYTES = 4096;

type Kdf = (...args: unknown[]) => unknown;
interface Pbkdf2Holder {
  pbkdf2: Kdf;
}
interface Pkcs12KeyHolders {
  readonly pbe: { generatePkcs12Key: Kdf };
  readonly pkcs12: { generateKey: Kdf };
}
interface ByteBufferLike {
  bytes(): string;
}

const forgeRoot = forge as unknown as Pbkdf2Holder & Pkcs12KeyHolders;
const pkcs5 = forge.pkcs5 as unknown as Pbkdf2Holder;

/** The derivation functions forge holds now. */
function installedKdfs() {
  return {
    pkcs5Pbkdf2: pkcs5.pbkdf2,
    forgePbkdf2: forgeRoot.pbkdf2,
    generatePkcs12Key: forgeRoot.pbe.generatePkcs12Key,
    generateKey: forgeRoot.pkcs12.generateKey,
  };
}

/** forge's own functions, as found before installing. */
const original = installedKdfs();

const BINARY = /^[\u0000-\u00ff]*$/;

function isBinaryString(value: unknown): value is string {
  return typeof value === "string" && BINARY.test(value);
}

function isCount(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** node:crypto's name for a forge message digest object, if it is one node computes the same. */
function digestName(md: unknown): string | undefined {
  if (typeof md !== "object" || md === null) return undefined;
  const { algorithm, digestLength, blockLength } = md as Record<string, unknown>;
  if (typeof algorithm !== "string" || !Object.hasOwn(DIGESTS, algorithm)) return undefined;
  const known = DIGESTS[algorithm];
  return known !== undefined && known.digestLength === digestLength && known.blockLength === blockLength
    ? algorithm
    : undefined;
}

/** forge.pkcs5.pbkdf2, native when called synchronously with a digest object and binary strings. */
function pbkdf2(this: unknown, ...args: unknown[]): unknown {
  const [password, salt, iterations, keyBytes, md] = args;
  const name = args.length === 5 ? digestName(md) : undefined;
  if (
    name === undefined ||
    !isBinaryString(password) ||
    !isBinaryString(salt) ||
    !isCount(iterations, 1, MAX_ITERATIONS) ||
    !isCount(keyBytes, 1, MAX_KEY_BYTES)
  )
    return Reflect.apply(original.pkcs5Pbkdf2, this, args);
  const key = pbkdf2Sync(Buffer.from(password, "latin1"), Buffer.from(salt, "latin1"), iterations, keyBytes, name);
  return key.toString("latin1");
}

/** The password as forge's PKCS#12 derivation encodes it: UTF-16BE code units, then 0x0000. */
function bmpPassword(password: string | null | undefined): Buffer {
  if (password === null || password === undefined) return Buffer.alloc(0);
  const bytes = Buffer.alloc(2 * (password.length + 1));
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), 2 * i);
  return bytes;
}

/** `bytes` repeated to v·ceil(length/v) bytes (empty stays empty): RFC 7292 B.2 steps 2 and 3. */
function fillBlocks(bytes: Buffer, v: number): Buffer {
  const out = Buffer.alloc(v * Math.ceil(bytes.length / v));
  for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length] as number;
  return out;
}

/** RFC 7292 appendix B.2 with node:crypto's digest `name` (u = digest, v = block length). */
function pkcs12DeriveKey(
  name: string,
  password: Buffer,
  salt: Buffer,
  id: number,
  iterations: number,
  keyBytes: number,
): Buffer {
  const { digestLength: u, blockLength: v } = DIGESTS[name] as { digestLength: number; blockLength: number };
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([fillBlocks(salt, v), fillBlocks(password, v)]);
  const blocks = Math.ceil(keyBytes / u);
  const out = Buffer.alloc(blocks * u);
  const b = Buffer.alloc(v);
  for (let i = 0; i < blocks; i++) {
    // One-shot hash(): half the cost of createHash() per round (10,000 rounds for keytool's MAC).
    let a = hash(name, Buffer.concat([diversifier, input]), "buffer");
    for (let round = 1; round < iterations; round++) a = hash(name, a, "buffer");
    a.copy(out, i * u);
    for (let l = 0; l < v; l++) b[l] = a[l % u] as number;
    // Each v-byte block I_j of the input becomes (I_j + B + 1) mod 2^(8v).
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let l = v - 1; l >= 0; l--) {
        carry += (b[l] as number) + (input[j + l] as number);
        input[j + l] = carry & 0xff;
        carry >>= 8;
      }
    }
  }
  return out.subarray(0, keyBytes);
}

function isByteBuffer(value: unknown): value is ByteBufferLike {
  return typeof value === "object" && value !== null && typeof (value as ByteBufferLike).bytes === "function";
}

/** forge.pbe.generatePkcs12Key / forge.pkcs12.generateKey, native for known digests. */
function generatePkcs12Key(this: unknown, ...args: unknown[]): unknown {
  const [password, salt, id, iterations, keyBytes, md] = args;
  const name = md === undefined || md === null ? "sha1" : digestName(md);
  const saltBytes = isByteBuffer(salt) ? salt.bytes() : undefined;
  if (
    name === undefined ||
    args.length > 6 ||
    !(password === null || password === undefined || typeof password === "string") ||
    !isBinaryString(saltBytes) ||
    !isCount(id, 0, 255) ||
    !isCount(iterations, 1, MAX_ITERATIONS) ||
    !isCount(keyBytes, 0, MAX_KEY_BYTES)
  )
    return Reflect.apply(original.generatePkcs12Key, this, args);
  const key = pkcs12DeriveKey(name, bmpPassword(password), Buffer.from(saltBytes, "latin1"), id, iterations, keyBytes);
  return forge.util.createBuffer(key.toString("latin1"));
}

/** Routes forge's PBKDF2 and PKCS#12 key derivation to node:crypto (idempotent). */
export function installForgeNativeKdf(): void {
  pkcs5.pbkdf2 = pbkdf2;
  forgeRoot.pbkdf2 = pbkdf2;
  forgeRoot.pbe.generatePkcs12Key = generatePkcs12Key;
  forgeRoot.pkcs12.generateKey = generatePkcs12Key;
}

/**
 * Runs `fn` with forge's own JavaScript derivations (the reference the tests compare with, and the
 * "before" of bench/pkcs12-load.ts), then puts back whatever was installed.
 */
export function withForgeJavaScriptKdf<T>(fn: () => T): T {
  const installed = installedKdfs();
  const put = (fns: typeof installed) => {
    pkcs5.pbkdf2 = fns.pkcs5Pbkdf2;
    forgeRoot.pbkdf2 = fns.forgePbkdf2;
    forgeRoot.pbe.generatePkcs12Key = fns.generatePkcs12Key;
    forgeRoot.pkcs12.generateKey = fns.generateKey;
  };
  put(original);
  try {
    return fn();
  } finally {
    put(installed);
  }
}
