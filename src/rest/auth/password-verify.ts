/**
 * Password verification against an argon2 or bcrypt hash, as standard implementations do.
 *
 * bcrypt reads at most 72 bytes of the password: `htpasswd -B`, libxcrypt, OpenBSD's bcrypt and
 * older python/Java libraries hash the first 72 UTF-8 bytes and ignore the rest. Bun.password
 * instead pre-hashes a longer password (SHA-512) before bcrypt, so a hash made by another tool for
 * a password over 72 bytes would never verify with Bun.password.verify alone. For a bcrypt hash and
 * a password over 72 bytes this tries both: the standard truncation, then Bun's pre-hash (hashes
 * Bun.password.hash made keep verifying). Both run whatever the first answers, so the work does not
 * depend on which one matches; shorter passwords and argon2 hashes take one plain verify.
 */
const BCRYPT_MAX_PASSWORD_BYTES = 72;

function isBcrypt(hash: string): boolean {
  return hash.startsWith("$2");
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!isBcrypt(hash)) return Bun.password.verify(password, hash);
  const bytes = Buffer.from(password, "utf8");
  if (bytes.length <= BCRYPT_MAX_PASSWORD_BYTES) return Bun.password.verify(password, hash);
  const standard = await Bun.password.verify(bytes.subarray(0, BCRYPT_MAX_PASSWORD_BYTES), hash);
  const prehashed = await Bun.password.verify(password, hash);
  return standard || prehashed;
}
