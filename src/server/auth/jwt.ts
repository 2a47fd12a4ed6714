import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config/config.js';
import type { Scope } from '../../config/manifest-schema.js';
import { WaveError } from '../../errors.js';

/** HS256 secrets shorter than this are refused: they can be brute-forced. */
export const MIN_SECRET_BYTES = 32;
/** Clocks of token issuers and this server may differ a little. */
const CLOCK_TOLERANCE_S = 30;
const SCOPES: readonly Scope[] = ['runs:read', 'runs:write', 'gates:answer', 'admin'];

export interface JwtSettings {
  algorithm: 'HS256' | 'EdDSA';
  key: Uint8Array | KeyObject;
  issuer: string;
  audience: string;
}

/**
 * The verification key and pinned algorithm from the configuration: HS256 with `jwt_secret`
 * (at least 32 bytes) or EdDSA with an Ed25519 `jwt_public_key`. Throws a `invalid_config`
 * error that says what to fix when the configuration cannot work.
 */
export function jwtSettings(config: Config): JwtSettings {
  const { jwt_secret: secret, jwt_public_key: publicKey, issuer, audience } = config.server.auth;
  if (secret && publicKey) {
    throw new WaveError(
      'invalid_config',
      'server.auth has both jwt_secret and jwt_public_key: keep one, so the accepted algorithm is unambiguous',
    );
  }
  if (publicKey) {
    let key: KeyObject;
    try {
      key = createPublicKey(publicKey);
    } catch (err) {
      throw new WaveError(
        'invalid_config',
        `server.auth.jwt_public_key is not a PEM public key: ${(err as Error).message}`,
      );
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new WaveError(
        'invalid_config',
        `server.auth.jwt_public_key must be an Ed25519 key (EdDSA), not ${key.asymmetricKeyType}`,
      );
    }
    return { algorithm: 'EdDSA', key, issuer, audience };
  }
  if (!secret) {
    throw new WaveError(
      'invalid_config',
      'auth mode jwt needs server.auth.jwt_secret (WAVE_JWT_SECRET, at least 32 bytes) or server.auth.jwt_public_key',
    );
  }
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new WaveError(
      'invalid_config',
      `server.auth.jwt_secret is ${bytes.length} bytes; HS256 needs at least ${MIN_SECRET_BYTES} (e.g. openssl rand -base64 48)`,
    );
  }
  return { algorithm: 'HS256', key: bytes, issuer, audience };
}

/**
 * The `alg` header values accepted for the configured algorithm. RFC 9864 names Ed25519
 * signatures `Ed25519` (the fully specified name) where older issuers write `EdDSA`: both are
 * the same signature over the same pinned key type, so both are accepted, and nothing else.
 */
function acceptedAlgorithms(algorithm: JwtSettings['algorithm']): string[] {
  return algorithm === 'EdDSA' ? ['EdDSA', 'Ed25519'] : [algorithm];
}

export interface VerifiedToken {
  actor: string;
  scopes: Set<Scope>;
}

/** Verifies a bearer token: pinned algorithm, `exp` required, `nbf`, and iss/aud when configured. */
export async function verifyToken(token: string, settings: JwtSettings): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, settings.key, {
      algorithms: acceptedAlgorithms(settings.algorithm),
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    });
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new WaveError('unauthorized', 'the token has no `sub` (who it is for)');
    const scopes = new Set<Scope>();
    if (typeof payload.scope === 'string') {
      for (const s of payload.scope.split(/\s+/))
        if ((SCOPES as readonly string[]).includes(s)) scopes.add(s as Scope);
    }
    return { actor: payload.sub, scopes };
  } catch (err) {
    if (err instanceof WaveError) throw err;
    throw new WaveError('unauthorized', `invalid token: ${describeJoseError(err)}`);
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'it is not valid yet (nbf)';
    if (err.claim === 'iss') return 'wrong issuer';
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'exp') return 'it has no expiry (exp is required)';
    return `claim ${err.claim} is not acceptable`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not the one this server accepts';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'it is malformed';
  return 'it could not be verified';
}

/** `wave token create`: an HS256 token from the configured secret. */
export async function mintToken(
  settings: JwtSettings,
  claims: { sub: string; scopes: readonly string[]; ttlSeconds: number },
): Promise<string> {
  if (settings.algorithm !== 'HS256') {
    throw new WaveError(
      'invalid_config',
      'wave token create mints HS256 tokens: configure server.auth.jwt_secret (the EdDSA private key stays with its issuer)',
    );
  }
  let jwt = new SignJWT({ scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + claims.ttlSeconds);
  if (settings.issuer) jwt = jwt.setIssuer(settings.issuer);
  if (settings.audience) jwt = jwt.setAudience(settings.audience);
  return jwt.sign(settings.key as Uint8Array);
}
