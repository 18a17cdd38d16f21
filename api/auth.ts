/**
 * Sign-in with username and password (bcrypt hashes), opaque bearer tokens stored hashed, and
 * API keys for outside systems. The `Authenticator` is the one seam the routes use, so an OIDC
 * provider can replace password sign-in later without touching them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Request } from 'express';
import type { Role } from '../domain/roles.js';
import type { PrismaClient } from '../prisma/client.js';

/** Who is calling, attached to the request once authenticated. */
export interface Principal {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

/** An outside system (billing, treasury) calling with its API key. */
export interface SystemPrincipal {
  kind: 'system';
  /** The system's name, e.g. `billing`; recorded as the actor of what it does. */
  system: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal | undefined;
    system?: SystemPrincipal;
  }
}

/** Session lifetime in milliseconds (one working day). */
const SESSION_MS = 12 * 60 * 60 * 1000;
const BCRYPT_ROUNDS = 10;
/** Shortest password accepted on change. */
export const MIN_PASSWORD_LENGTH = 10;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

/** Compared against when the user does not exist, so both failures take the same time. */
let noUserHash: Promise<string> | undefined;
const dummyHash = () => (noUserHash ??= hashPassword(randomBytes(16).toString('hex')));

export type PasswordChange = 'changed' | 'wrong_password';

export interface AuthenticatorOptions {
  /** Outside systems and their API keys: system name → key. */
  apiKeys?: Record<string, string>;
}

export class Authenticator {
  private readonly keys: { system: string; hash: Buffer }[];

  constructor(
    private readonly prisma: PrismaClient,
    options: AuthenticatorOptions = {},
  ) {
    this.keys = Object.entries(options.apiKeys ?? {}).map(([system, key]) => ({
      system,
      hash: sha256(key),
    }));
  }

  /** A new token for valid credentials, or null (same answer for unknown user and bad password). */
  async login(username: string, password: string, ip: string | undefined) {
    const user = await this.prisma.user.findUnique({ where: { username } });
    const ok = await bcrypt.compare(password, user?.active ? user.passwordHash : await dummyHash());
    if (!user?.active || !ok) return null;
    const token = randomBytes(32).toString('base64url');
    await this.prisma.session.create({
      data: {
        tokenHash: sha256(token).toString('hex'),
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
      where: { tokenHash: sha256(token).toString('hex'), revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  /**
   * Changes the user's own password after checking the current one; every other session of
   * the user is ended (a stolen token dies with the old password).
   */
  async changePassword(
    userId: string,
    current: string,
    next: string,
    keepToken: string,
  ): Promise<PasswordChange> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user || !(await bcrypt.compare(current, user.passwordHash))) return 'wrong_password';
    const passwordHash = await hashPassword(next);
    await this.prisma.$transaction([
      this.prisma.user.update({ where: { id: userId }, data: { passwordHash } }),
      this.prisma.session.updateMany({
        where: { userId, revokedAt: null, NOT: { tokenHash: sha256(keepToken).toString('hex') } },
        data: { revokedAt: new Date() },
      }),
    ]);
    return 'changed';
  }

  async principalFor(token: string): Promise<Principal | null> {
    const session = await this.prisma.session.findUnique({
      where: { tokenHash: sha256(token).toString('hex') },
      include: { user: true },
    });
    if (!session || session.revokedAt || session.expiresAt < new Date() || !session.user.active)
      return null;
    const u = session.user;
    return { id: u.id, username: u.username, displayName: u.displayName, role: u.role };
  }

  /** The outside system that owns `key`, or null. Constant-time per key. */
  systemFor(key: string): SystemPrincipal | null {
    const h = sha256(key);
    const match = this.keys.find((k) => timingSafeEqual(k.hash, h));
    return match ? { kind: 'system', system: match.system } : null;
  }
}

export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1] ?? null;
}
