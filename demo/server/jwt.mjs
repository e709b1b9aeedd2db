// HS256 JSON Web Tokens, written against node:crypto only.
//
// Only the one algorithm the protocol uses is accepted: a token whose header
// names any other `alg` (including "none") is rejected before the signature is
// looked at, so an attacker cannot pick the verification method.

import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

function base64url(buf) {
  return buf.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const buf = Buffer.from(text, 'base64url');
  // One spelling per value: the decoder ignores the unused low bits of the
  // last character, so "…g", "…h", "…i" and "…j" would all be one signature.
  return base64url(buf) === text ? buf : null;
}

function signature(secret, signingInput) {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** Signs `claims` (an object) and returns the compact token string.
 *  `iat` is added; `exp` is added from `ttlSeconds` unless claims carry one. */
export function signJwt(claims, secret, { ttlSeconds = 7 * 24 * 3600, now = Date.now() } = {}) {
  const iat = Math.floor(now / 1000);
  const body = { iat, ...claims };
  // Every token expires (verifyJwt refuses one without exp).
  if (body.exp === undefined) body.exp = iat + (ttlSeconds > 0 ? ttlSeconds : 7 * 24 * 3600);
  const payload = base64url(Buffer.from(JSON.stringify(body)));
  const input = `${HEADER}.${payload}`;
  return `${input}.${base64url(signature(secret, input))}`;
}

/** Verifies a compact HS256 token. Returns the claims object, or null when
 *  the token is malformed, not HS256, badly signed, or expired. Never throws. */
export function verifyJwt(token, secret, { now = Date.now() } = {}) {
  if (typeof token !== 'string' || token.length > 8192) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts;
  let header, claims;
  try {
    header = JSON.parse(fromBase64url(h)?.toString('utf8') ?? 'null');
    claims = JSON.parse(fromBase64url(p)?.toString('utf8') ?? 'null');
  } catch {
    return null;
  }
  if (!header || typeof header !== 'object' || header.alg !== 'HS256') return null;
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return null;
  const given = fromBase64url(s);
  const expected = signature(secret, `${h}.${p}`);
  if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // Every token expires (a token without exp would be good for ever).
  if (typeof claims.exp !== 'number' || !(now / 1000 < claims.exp)) return null;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now / 1000 < claims.nbf)) return null;
  return claims;
}
