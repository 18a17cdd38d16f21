/** Security headers and the sign-in rate limit. */
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { ApiError } from './errors.js';

/**
 * Headers for every answer. The CSP allows only same-origin scripts, so the web app (Vite
 * bundle) and the API reference page (swagger-ui-dist, served locally) both work without any
 * CDN; inline styles are allowed because the reference page sets them.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** How many failed sign-ins are allowed per window. */
export interface LoginRateLimit {
  /** Failed attempts per client address and username. @default 10 */
  max: number;
  /** Window length in milliseconds. @default 900000 (15 minutes) */
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: LoginRateLimit = { max: 10, windowMs: 15 * 60 * 1000 };

/**
 * Counts failed attempts per client address and username (successful ones do not count), and
 * answers 429 with Retry-After once the limit is reached. In memory: one API process.
 */
export function loginRateLimiter(
  limit: LoginRateLimit,
  key: (req: Request) => string,
): RequestHandler {
  return rateLimit({
    windowMs: limit.windowMs,
    limit: limit.max,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${key(req)}`,
    handler: (_req, _res, next) => {
      next(
        new ApiError(
          429,
          'too_many_attempts',
          'Demasiados intentos fallidos; espere unos minutos antes de volver a intentar',
        ),
      );
    },
  });
}

/** The username of a sign-in body, lower-cased, whatever the body holds. */
export function loginUsername(req: Request): string {
  const u = (req.body as { username?: unknown } | undefined)?.username;
  return typeof u === 'string' ? u.trim().toLowerCase() : '';
}
