/**
 * The audit log: every mutation made through the API (who, when, what, before/after where it
 * applies, from which address) in an append-only table. Routes call `audit` after the change
 * succeeded; managers read it through GET /api/audit.
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

function actorOf(actor: Actor): { actorId: string | null; actorKind: string } {
  if (!actor) return { actorId: null, actorKind: 'anonymous' };
  if ('kind' in actor && actor.kind === 'system')
    return { actorId: actor.system, actorKind: 'system' };
  return { actorId: (actor as Principal).id, actorKind: 'user' };
}

const json = (v: unknown) =>
  v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue);

/** Appends one entry; the address is the client's as Express sees it (trust proxy applied). */
export async function audit(
  prisma: PrismaClient,
  req: Request,
  actor: Actor,
  entry: AuditEntry,
): Promise<void> {
  await prisma.auditLog.create({
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
