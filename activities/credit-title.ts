/**
 * Títulos de crédito in PostgreSQL: the institution-wide document sequence (one gapless series
 * of numbers per series and year) and the title's record on the case timeline.
 *
 * Numbering is idempotent by key (workflow id + step): a retried activity, or two racing calls
 * with the same key, get the same number; different keys get consecutive numbers without gaps.
 */
import type { CaseStage } from '../domain/case.js';
import type { CreditTitle } from '../domain/credit-title.js';
import type { Prisma, PrismaClient } from '../prisma/client.js';

export interface IssueNumber {
  /** Idempotency key: workflow id + step. */
  key: string;
  /** e.g. `TC` (domain CREDIT_TITLE_SERIES). */
  series: string;
  year: number;
}

export interface RecordCreditTitle {
  /** Timeline idempotency key: workflow id + step + version. */
  eventKey: string;
  caseId: string;
  stage: CaseStage;
  title: CreditTitle;
  /** Problems found by domain creditTitleDefects (shown to the specialist). */
  defects: string[];
  /** ISO instant. */
  at: string;
  actor: string;
}

/**
 * A unique violation, from a model query (P2002) or a raw query (P2010 carrying the driver
 * adapter's `UniqueConstraintViolation` / SQLSTATE 23505).
 */
function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  };
  if (e.code === 'P2002') return true;
  const cause = e.meta?.driverAdapterError?.cause;
  return cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}

export function createCreditTitleActivities({ prisma }: { prisma: PrismaClient }) {
  const numberForKey = async (key: string): Promise<number | null> => {
    const row = await prisma.documentNumber.findUnique({ where: { key } });
    return row?.number ?? null;
  };

  return {
    /**
     * The number for `key` in the series of `year`: the existing one when the key was already
     * numbered, else the next one. One statement: the counter row lock orders concurrent
     * callers, and a call that fails (e.g. the same key won by a racing call) rolls its
     * increment back, so numbers have no gaps.
     */
    async issueTitleNumber({ key, series, year }: IssueNumber): Promise<{ number: number }> {
      for (let attempt = 0; ; attempt++) {
        const existing = await numberForKey(key);
        if (existing !== null) return { number: existing };
        try {
          const rows = await prisma.$queryRaw<{ number: number }[]>`
            WITH bump AS (
              INSERT INTO "DocumentCounter" (series, year, last)
              VALUES (${series}, ${year}::int, 1)
              ON CONFLICT (series, year) DO UPDATE SET last = "DocumentCounter".last + 1
              RETURNING last
            )
            INSERT INTO "DocumentNumber" (key, series, year, number)
            SELECT ${key}, ${series}, ${year}::int, last FROM bump
            RETURNING number`;
          const row = rows[0];
          if (!row) throw new Error(`no number issued for ${key}`);
          return { number: Number(row.number) };
        } catch (err) {
          // Same key numbered by a racing call (its row wins); anything else is a real error.
          if (!isUniqueViolation(err) || attempt >= 3) throw err;
        }
      }
    },

    /** Writes the issued (or corrected) title with every legal element on the timeline. */
    async recordCreditTitle(r: RecordCreditTitle): Promise<void> {
      await prisma.caseEvent.createMany({
        data: [
          {
            eventKey: r.eventKey,
            caseId: r.caseId,
            type: 'credit_title_issued',
            stage: r.stage,
            occurredAt: new Date(r.at),
            actor: r.actor,
            reason:
              r.title.version === 1
                ? `Título de crédito ${r.title.number}`
                : `Título de crédito ${r.title.number} corregido (versión ${r.title.version})`,
            data: { ...r.title, defects: r.defects } as unknown as Prisma.InputJsonObject,
          },
        ],
        skipDuplicates: true,
      });
    },
  };
}

export type CreditTitleActivities = ReturnType<typeof createCreditTitleActivities>;
