/**
 * Sign-in with username and password (bcrypt hashes) and opaque bearer tokens stored hashed.
 * The `Authenticator` seam lets an OIDC provider replace password sign-in later.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { PrismaClient } from '../prisma/client.js';
import { forbidden, unauthorised } from './errors.js';

export const ROLES = ['collector', 'legal', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, attached to the request by `authenticate`. */
export interface Principal {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Session lifetime in milliseconds (one working day). */
const SESSION_MS = 12 * 60 * 60 * 1000;
const BCRYPT_ROUNDS = 10;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export class Authenticator {
  constructor(private readonly prisma: PrismaClient) {}

  /** A new token for valid credentials, or null (same answer for unknown user and bad password). */
  async login(username: string, password: string, ip: string | undefined) {
    const user = await this.prisma.user.findUnique({ where: { username } });
    const ok = user?.active ? await bcrypt.compare(password, user.passwordHash) : false;
    if (!user || !ok) return null;
    const token = randomBytes(32).toString('base64url');
    await this.prisma.session.create({
      data: {
        tokenHash: sha256(token),
        userId: user.id,
        expiresAt: new Date(Date.now() + SESSION_MS),
        ip: ip ?? null,
      },
    });
    const principal: Principal = {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
    };
    return { token, user: principal };
  }

  async logout(token: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { tokenHash: sha256(token), revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  async principalFor(token: string): Promise<Principal | null> {
    const session = await this.prisma.session.findUnique({
      where: { tokenHash: sha256(token) },
      include: { user: true },
    });
    if (!session || session.revokedAt || session.expiresAt < new Date() || !session.user.active)
      return null;
    const u = session.user;
    return { id: u.id, username: u.username, displayName: u.displayName, role: u.role };
  }
}

export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/** Rejects requests without a live session (401). */
export function authenticate(auth: Authenticator): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    const principal = token ? await auth.principalFor(token) : null;
    if (!principal) throw unauthorised();
    req.principal = principal;
    next();
  };
}

/** Allows only the given roles (403 otherwise). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) throw unauthorised();
    if (!roles.includes(req.principal.role)) throw forbidden();
    next();
  };
}
