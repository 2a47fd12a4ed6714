import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Equal-time comparison of two strings of any length (hashing first hides the length). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyGithubSignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
  return safeEqual(expected, header.trim());
}

/** GitLab: `X-Gitlab-Token` is the shared secret itself. */
export function verifyGitlabToken(secret: string, header: string | undefined): boolean {
  return header !== undefined && safeEqual(secret, header);
}
