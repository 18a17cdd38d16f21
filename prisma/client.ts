/** Builds the Prisma client over node-postgres (Prisma 7 driver adapter; no native engine). */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';

export { Prisma, PrismaClient } from './generated/client.js';

export function createPrisma(databaseUrl: string, maxConnections = 10): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: maxConnections }),
  });
}

/**
 * A unique violation, from a model query (P2002) or a raw query (P2010 carrying the driver
 * adapter's `UniqueConstraintViolation` / SQLSTATE 23505).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  };
  if (e.code === 'P2002') return true;
  const cause = e.meta?.driverAdapterError?.cause;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}
