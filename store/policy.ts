/**
 * Versioned policy records. A new version is written only when the content changes, so
 * restarting with the same policy file keeps the current version.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  DEFAULT_POLICY,
  canonicalPolicyJson,
  policySchema,
  resolvePolicy,
  type Policy,
} from '../domain/policy.js';
import type { PrismaClient } from '../prisma/client.js';

export interface PolicyRecord {
  version: number;
  policy: Policy;
  source: string;
  createdAt: Date;
  /** User id of whoever saved it, or `system` (defaults, policy file at start). */
  createdBy: string;
  /** Why it was saved (the manager's note, or what the system did). */
  reason: string;
}

/** A stored version without its document, for the history. */
export type PolicyVersionInfo = Omit<PolicyRecord, 'policy'>;

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

function hashOf(policy: Policy): string {
  return createHash('sha256').update(canonicalPolicyJson(policy)).digest('hex');
}

export async function currentPolicy(prisma: PrismaClient): Promise<PolicyRecord | null> {
  const row = await prisma.policyVersion.findFirst({ orderBy: { version: 'desc' } });
  if (!row) return null;
  return {
    version: row.version,
    policy: policySchema.parse(row.document),
    source: row.source,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    reason: row.reason,
  };
}

/** Every stored version, newest first, without the documents. */
export async function listPolicyVersions(prisma: PrismaClient): Promise<PolicyVersionInfo[]> {
  return prisma.policyVersion.findMany({
    orderBy: { version: 'desc' },
    select: { version: true, source: true, createdAt: true, createdBy: true, reason: true },
  });
}

/** Stores `policy` as the next version unless it equals the current one. */
export async function savePolicy(
  prisma: PrismaClient,
  policy: Policy,
  meta: { source: string; reason: string; createdBy: string },
): Promise<PolicyRecord> {
  const hash = hashOf(policy);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('cartera.policy'))`;
    const latest = await tx.policyVersion.findFirst({ orderBy: { version: 'desc' } });
    if (latest?.hash === hash) {
      return {
        version: latest.version,
        policy,
        source: latest.source,
        createdAt: latest.createdAt,
        createdBy: latest.createdBy,
        reason: latest.reason,
      };
    }
    const row = await tx.policyVersion.create({
      data: { version: (latest?.version ?? 0) + 1, document: policy, hash, ...meta },
    });
    return {
      version: row.version,
      policy,
      source: row.source,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
      reason: row.reason,
    };
  });
}

/** Reads a (possibly partial) policy file and validates it over the defaults. */
export async function readPolicyFile(file: string): Promise<Policy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PolicyFileError(`policy file ${file}: ${(err as Error).message}`);
  }
  const resolved = resolvePolicy(json, DEFAULT_POLICY);
  if (!resolved.ok)
    throw new PolicyFileError(`policy file ${file}:\n  ${resolved.errors.join('\n  ')}`);
  return resolved.policy;
}

/**
 * At start: with a policy file, make it the current version (if different); without one,
 * keep the current version, or store the defaults on first run.
 */
export async function ensurePolicy(
  prisma: PrismaClient,
  file: string | undefined,
): Promise<PolicyRecord> {
  if (file) {
    const policy = await readPolicyFile(file);
    return savePolicy(prisma, policy, {
      source: `file:${file}`,
      reason: 'loaded at start',
      createdBy: 'system',
    });
  }
  const current = await currentPolicy(prisma);
  if (current) return current;
  return savePolicy(prisma, DEFAULT_POLICY, {
    source: 'defaults',
    reason: 'first start',
    createdBy: 'system',
  });
}
