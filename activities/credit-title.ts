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
import { issueDocumentNumber } from '../store/document-numbers.js';
import { produceCreditTitle } from './documents.js';

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

export function createCreditTitleActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /**
     * The number for `key` in the series of `year`: the existing one when the key was already
     * numbered, else the next one. One statement: the counter row lock orders concurrent
     * callers, and a call that fails (e.g. the same key won by a racing call) rolls its
     * increment back, so numbers have no gaps.
     */
    async issueTitleNumber({ key, series, year }: IssueNumber): Promise<{ number: number }> {
      const issued = await issueDocumentNumber(prisma, { key, series, year });
      return { number: issued.sequence };
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
      await produceCreditTitle(prisma, {
        sourceEventKey: r.eventKey,
        caseId: r.caseId,
        stage: r.stage,
        at: r.at,
        title: r.title,
      });
    },
  };
}

export type CreditTitleActivities = ReturnType<typeof createCreditTitleActivities>;
