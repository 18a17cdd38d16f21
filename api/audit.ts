/**
 * The audit log: every mutation made through the API (who, when, what, before/after where it
 * applies, from which address) in an append-only table. Routes call `audit` after the change
 * succeeded (inside the same transaction when they have one); managers read it through
 * GET /api/audit. Secrets never reach the table: keys that name passwords, tokens, keys or
 * hashes are dropped from `before`/`after` on the way in (and again on the way out).
 */
import type { Request } from 'express';
import type { Prisma, PrismaClient } from '../prisma/client.js';
import type { Principal, SystemPrincipal } from './auth.js';

export interface AuditEntry {
  /** What was done, e.g. `case.hold`, `task.complete`, `payment.receive`. */
  action: string;
  /** What it was done to, e.g. `case`, `task`, `payment`, `user`, `policy`. */
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
}

type Actor = Principal | SystemPrincipal | undefined;

/** The client or an open interactive transaction (`prisma.$transaction(async (tx) => …)`). */
export type AuditWriter = PrismaClient | Prisma.TransactionClient;

function actorOf(actor: Actor): { actorId: string | null; actorKind: string } {
  if (!actor) return { actorId: null, actorKind: 'anonymous' };
  if ('kind' in actor && actor.kind === 'system')
    return { actorId: actor.system, actorKind: 'system' };
  return { actorId: (actor as Principal).id, actorKind: 'user' };
}

/**
 * Key names whose values are secrets: passwords (and their hashes), tokens, API keys,
 * authorisation headers, cookies. Matched case-insensitively anywhere in the key.
 */
const SECRET_KEY = /pass(word|wd)|token|secret|api[-_]?key|authori[sz]ation|cookie|credential/i;

/** A copy of `value` as JSON with every secret-named key removed, at any depth. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = withoutSecrets(v);
    return out;
  }
  return value;
}

const json = (v: unknown) =>
  v === undefined
    ? undefined
    : (withoutSecrets(JSON.parse(JSON.stringify(v))) as Prisma.InputJsonValue);

/** Appends one entry; the address is the client's as Express sees it (trust proxy applied). */
export async function audit(
  db: AuditWriter,
  req: Request,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  await db.auditLog.create({
    data: {
      ...actorOf(actor),
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId ?? null,
      before: json(entry.before),
      after: json(entry.after),
      ip: req.ip ?? null,
    },
  });
}
