import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token check. Both sides are hashed first so the comparison is constant-time whatever the
 * lengths, and the token itself is not kept in a comparable form longer than needed.
 */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const want = createHash('sha256').update(token, 'utf8').digest();
  return (authorization) => {
    if (authorization === undefined) return false;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!m) return false;
    const got = createHash('sha256')
      .update(m[1] as string, 'utf8')
      .digest();
    return timingSafeEqual(got, want);
  };
}
