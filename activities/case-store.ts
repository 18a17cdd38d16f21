/**
 * Keeps the case list and timeline in PostgreSQL current for the case workflow. Every write
 * is idempotent (case id, payment reference, event key derived from case id + step), so a
 * retried activity never records anything twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { toLocalDate } from '../domain/calendar.js';
import type { CaseStage, CloseReason } from '../domain/case.js';
import { isUniqueViolation, type Prisma, type PrismaClient } from '../prisma/client.js';
import { withdrawQueuedNotices } from '../notifications/withdraw.js';
import { produceDocumentForEvent } from './documents.js';

export interface RecordCaseOpened {
  caseId: string;
  workflowId: string;
  accountId: string;
  balanceCents: number;
  priority: number;
  protected: boolean;
  overdueInvoices: number;
  oldestDueOn: string;
  openingReasons: string[];
  policyVersion: number;
  openedAt: string;
  openedBy: string;
}

export interface RecordPayment {
  caseId: string;
  accountId: string;
  stage: CaseStage;
  reference: string;
  amountCents: number;
  paidAt: string;
  source: string;
  balanceBeforeCents: number;
  balanceAfterCents: number;
}

export interface RecordBalanceChange {
  caseId: string;
  stage: CaseStage;
  importId: string;
  balanceBeforeCents: number;
  balanceAfterCents: number;
  at: string;
}

export interface RecordCaseClosed {
  caseId: string;
  reason: CloseReason;
  closedAt: string;
  balanceCents: number;
}

type EventInput = Prisma.CaseEventCreateManyInput;

/**
 * Imports take this advisory lock exclusively while merging balances; case opening takes it
 * shared while it reads the balance and creates the row. So an import either sees the new
 * case row (and signals it) or the case reads the import's balances: no update is lost.
 */
export const BALANCE_LOCK_KEY = 7_244_601;

export interface CaseOpened {
  assignedCollectorId: string | null;
  /** The overdue balance billing data shows now (may differ from the opener's figure). */
  balanceCents: number;
}

/** One timeline entry; `eventKey` (workflow id + step) makes the write idempotent. */
export interface TimelineEvent {
  eventKey: string;
  caseId: string;
  type: string;
  stage: CaseStage;
  /** ISO instant. */
  occurredAt: string;
  actor: string;
  reason?: string | null;
  data?: Record<string, unknown>;
}

/** What child workflows need to know about the account (read once, carried in state). */
export interface CaseFacts {
  holderName: string;
  holderId: string;
  address: string;
  sector: string;
  email: string | null;
  phone: string | null;
  oldestDueOn: string;
}

/**
 * Applies a payment to the account's unpaid invoices, oldest due first, as billing does until
 * its next export confirms the balances; what exceeds the invoices is not carried anywhere.
 */
export async function applyPaymentToInvoices(
  tx: Prisma.TransactionClient,
  accountId: string,
  amountCents: number,
): Promise<void> {
  await tx.$executeRaw`
    WITH ordered AS (
      SELECT id, "balanceCents",
             sum("balanceCents") OVER (ORDER BY "dueOn", number) - "balanceCents" AS before
      FROM "Invoice" WHERE "accountId" = ${accountId}::uuid AND "balanceCents" > 0
        AND "prescribedAt" IS NULL
    )
    UPDATE "Invoice" i
    SET "balanceCents" = i."balanceCents" - LEAST(o."balanceCents", GREATEST(0, ${amountCents}::int - o.before)),
        "updatedAt" = now()
    FROM ordered o
    WHERE i.id = o.id AND o.before < ${amountCents}::int`;
}

export function createCaseStoreActivities({ prisma }: { prisma: PrismaClient }) {
  const addEvent = (tx: Prisma.TransactionClient, e: EventInput) =>
    tx.caseEvent.createMany({ data: [e], skipDuplicates: true });

  return {
    async recordEvent(e: TimelineEvent): Promise<void> {
      await prisma.caseEvent.createMany({
        data: [
          {
            ...e,
            occurredAt: new Date(e.occurredAt),
            reason: e.reason ?? null,
            data: (e.data ?? undefined) as Prisma.InputJsonValue | undefined,
          },
        ],
        skipDuplicates: true,
      });
      // Steps recorded here that issue a legal document (título notified, orden de pago).
      await produceDocumentForEvent(prisma, e);
    },

    /**
     * Moves the case row to a stage and writes the change on the timeline. The workflow may
     * have two changes in flight at once (both from one workflow task, so with the same time),
     * and after a worker dies their retries can commit in either order: the row takes a change
     * only if it is newer than every change already recorded (time, then the key's sequence),
     * and never leaves `closed`.
     */
    async setStage(c: {
      caseId: string;
      stage: CaseStage;
      from: CaseStage;
      at: string;
      actor: string;
      reason: string;
      eventKey: string;
    }): Promise<void> {
      const at = new Date(c.at);
      await prisma.$transaction(
        async (tx) => {
          const [row] = await tx.$queryRaw<{ status: string }[]>`
            SELECT status FROM "Case" WHERE id = ${c.caseId}::uuid FOR UPDATE`;
          if (!row) throw ApplicationFailure.nonRetryable(`case ${c.caseId} not found`, 'NotFound');
          const recorded = await tx.caseEvent.findMany({
            where: {
              caseId: c.caseId,
              type: 'stage_changed',
              occurredAt: { gte: at },
              eventKey: { not: c.eventKey },
            },
            select: { occurredAt: true, eventKey: true },
          });
          const mine = stageChangeSeq(c.eventKey);
          const newer = recorded.some(
            (e) => e.occurredAt.getTime() > at.getTime() || stageChangeSeq(e.eventKey) > mine,
          );
          if (!newer && row.status !== 'closed') {
            await tx.case.update({ where: { id: c.caseId }, data: { stage: c.stage } });
          }
          await tx.caseEvent.createMany({
            data: [
              {
                eventKey: c.eventKey,
                caseId: c.caseId,
                type: 'stage_changed',
                stage: c.stage,
                occurredAt: at,
                actor: c.actor,
                reason: c.reason,
                data: { from: c.from, to: c.stage },
              },
            ],
            skipDuplicates: true,
          });
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    },

    async caseFacts({ caseId }: { caseId: string }): Promise<CaseFacts> {
      const c = await prisma.case.findUniqueOrThrow({
        where: { id: caseId },
        include: { account: true },
      });
      return {
        holderName: c.account.holderName,
        holderId: c.account.holderId,
        address: c.account.address,
        sector: c.account.sector,
        email: c.account.email,
        phone: c.account.phone,
        oldestDueOn: c.oldestDueOn.toISOString().slice(0, 10),
      };
    },

    /** Manager reassignment: the case and its open collector tasks go to another collector. */
    async reassignCase(r: {
      caseId: string;
      collectorId: string;
      actor: string;
      at: string;
      stage: CaseStage;
      eventKey: string;
    }): Promise<void> {
      const collector = await prisma.user.findUnique({ where: { id: r.collectorId } });
      if (!collector || collector.role !== 'collector' || !collector.active) {
        throw ApplicationFailure.nonRetryable(
          `${r.collectorId} is not an active collector`,
          'CaseConflict',
        );
      }
      await prisma.$transaction([
        prisma.case.update({
          where: { id: r.caseId },
          data: { assignedCollectorId: r.collectorId },
        }),
        prisma.task.updateMany({
          where: { caseId: r.caseId, status: 'open', role: 'collector' },
          data: { assigneeId: r.collectorId },
        }),
        prisma.caseEvent.createMany({
          data: [
            {
              eventKey: r.eventKey,
              caseId: r.caseId,
              type: 'case_reassigned',
              stage: r.stage,
              occurredAt: new Date(r.at),
              actor: r.actor,
              data: { collectorId: r.collectorId, collectorName: collector.displayName },
            },
          ],
          skipDuplicates: true,
        }),
      ]);
    },

    /** Creates the case row (assigning the collector of the account's portfolio) once. */
    async recordCaseOpened(input: RecordCaseOpened): Promise<CaseOpened> {
      const existing = await prisma.case.findUnique({ where: { id: input.caseId } });
      if (existing)
        return {
          assignedCollectorId: existing.assignedCollectorId,
          balanceCents: existing.balanceCents,
        };
      const account = await prisma.account.findUniqueOrThrow({ where: { id: input.accountId } });
      const portfolio = await prisma.portfolioAssignment.findFirst({
        where: { sector: account.sector, route: { in: [account.route, ''] } },
        orderBy: { route: 'desc' }, // a route-specific assignment beats the whole sector
      });
      const assignedCollectorId = portfolio?.userId ?? null;
      const asOf = toLocalDate(new Date(input.openedAt));
      try {
        return await prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${BALANCE_LOCK_KEY})`;
          const [debt] = await tx.$queryRaw<{ cents: bigint | null }[]>`
            SELECT sum("balanceCents")::bigint AS cents FROM "Invoice"
            WHERE "accountId" = ${input.accountId}::uuid AND "balanceCents" > 0 AND "dueOn" < ${asOf}::date
              AND "prescribedAt" IS NULL`;
          const balanceCents = Number(debt?.cents ?? input.balanceCents);
          await tx.case.create({
            data: {
              id: input.caseId,
              workflowId: input.workflowId,
              accountId: input.accountId,
              openKey: input.accountId,
              priority: input.priority,
              balanceCents,
              openingBalanceCents: balanceCents,
              overdueInvoices: input.overdueInvoices,
              oldestDueOn: new Date(`${input.oldestDueOn}T00:00:00Z`),
              protected: input.protected,
              assignedCollectorId,
              policyVersion: input.policyVersion,
              openedAt: new Date(input.openedAt),
            },
          });
          await addEvent(tx, {
            eventKey: `${input.caseId}:opened`,
            caseId: input.caseId,
            type: 'case_opened',
            stage: 'reminder',
            occurredAt: new Date(input.openedAt),
            actor: input.openedBy,
            reason: input.openingReasons.join(', '),
            data: {
              balanceCents,
              overdueInvoices: input.overdueInvoices,
              oldestDueOn: input.oldestDueOn,
              priority: input.priority,
              protected: input.protected,
              assignedCollectorId,
              policyVersion: input.policyVersion,
            },
          });
          return { assignedCollectorId, balanceCents };
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const again = await prisma.case.findUnique({ where: { id: input.caseId } });
        if (again)
          return {
            assignedCollectorId: again.assignedCollectorId,
            balanceCents: again.balanceCents,
          };
        throw ApplicationFailure.nonRetryable(
          `account ${account.number} already has an open case`,
          'CaseConflict',
        );
      }
    },

    /**
     * Stores the payment (once per reference), applies it to the account's invoices oldest
     * first (as billing does, until its next export confirms), and the case's new balance.
     */
    async recordPayment(p: RecordPayment): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const inserted = await tx.payment.createMany({
          data: [
            {
              reference: p.reference,
              accountId: p.accountId,
              caseId: p.caseId,
              amountCents: p.amountCents,
              paidAt: new Date(p.paidAt),
              source: p.source,
            },
          ],
          skipDuplicates: true,
        });
        if (inserted.count === 1) await applyPaymentToInvoices(tx, p.accountId, p.amountCents);
        await tx.case.update({
          where: { id: p.caseId },
          data: { balanceCents: p.balanceAfterCents },
        });
        await addEvent(tx, {
          eventKey: `${p.caseId}:payment:${p.reference}`,
          caseId: p.caseId,
          type: 'payment_received',
          stage: p.stage,
          occurredAt: new Date(p.paidAt),
          actor: p.source,
          data: {
            reference: p.reference,
            amountCents: p.amountCents,
            balanceBeforeCents: p.balanceBeforeCents,
            balanceAfterCents: p.balanceAfterCents,
          },
        });
      });
    },

    /** Records that a newer billing export changed the balance. */
    async recordBalanceChange(c: RecordBalanceChange): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.case.update({
          where: { id: c.caseId },
          data: { balanceCents: c.balanceAfterCents },
        });
        await addEvent(tx, {
          eventKey: `${c.caseId}:billing:${c.importId}`,
          caseId: c.caseId,
          type: 'balance_updated',
          stage: c.stage,
          occurredAt: new Date(c.at),
          actor: 'billing',
          data: {
            importId: c.importId,
            balanceBeforeCents: c.balanceBeforeCents,
            balanceAfterCents: c.balanceAfterCents,
          },
        });
      });
    },

    /** The case's unpaid invoices still owed (not declared prescribed), oldest first. */
    async caseInvoices({ caseId }: { caseId: string }): Promise<CaseInvoice[]> {
      const c = await prisma.case.findUniqueOrThrow({ where: { id: caseId } });
      const rows = await prisma.invoice.findMany({
        where: { accountId: c.accountId, balanceCents: { gt: 0 }, prescribedAt: null },
        orderBy: [{ dueOn: 'asc' }, { number: 'asc' }],
      });
      return rows.map((i) => ({
        number: i.number,
        dueOn: i.dueOn.toISOString().slice(0, 10),
        balanceCents: i.balanceCents,
      }));
    },

    /**
     * The legal unit declared these invoices prescribed: they leave every balance (the case's,
     * intake's, the next export's), the case keeps what is still owed. Idempotent by event key.
     */
    async recordPrescribedInvoices(p: RecordPrescribedInvoices): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const done = await tx.caseEvent.findUnique({ where: { eventKey: p.eventKey } });
        if (done) return;
        const c = await tx.case.findUniqueOrThrow({ where: { id: p.caseId } });
        await tx.invoice.updateMany({
          where: { accountId: c.accountId, number: { in: p.invoiceNumbers }, prescribedAt: null },
          data: { prescribedAt: new Date(p.at), prescribedBy: p.actor, updatedAt: new Date() },
        });
        await tx.case.update({
          where: { id: p.caseId },
          data: { balanceCents: p.balanceAfterCents },
        });
        await addEvent(tx, {
          eventKey: p.eventKey,
          caseId: p.caseId,
          type: 'debt_partially_prescribed',
          stage: p.stage,
          occurredAt: new Date(p.at),
          actor: p.actor,
          reason: p.note,
          data: {
            invoices: p.invoiceNumbers,
            prescribedCents: p.balanceBeforeCents - p.balanceAfterCents,
            balanceBeforeCents: p.balanceBeforeCents,
            balanceAfterCents: p.balanceAfterCents,
          },
        });
      });
    },

    /** Closes the case row, freeing the account for a future case. */
    async recordCaseClosed(c: RecordCaseClosed): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.case.update({
          where: { id: c.caseId },
          data: {
            status: 'closed',
            stage: 'closed',
            openKey: null,
            closedAt: new Date(c.closedAt),
            closeReason: c.reason,
            balanceCents: c.balanceCents,
          },
        });
        await addEvent(tx, {
          eventKey: `${c.caseId}:closed`,
          caseId: c.caseId,
          type: 'case_closed',
          stage: 'closed',
          occurredAt: new Date(c.closedAt),
          actor: 'system',
          reason: c.reason,
          data: { balanceCents: c.balanceCents },
        });
        // Notices still waiting (e-mail retries, letters for the print batch) must not go out
        // once the case has ended: withdrawn in the same transaction that closes it.
        await withdrawQueuedNotices(
          tx,
          c.caseId,
          c.reason === 'paid' ? 'debt_paid' : 'case_closed',
        );
      });
    },
  };
}

export type CaseStoreActivities = ReturnType<typeof createCaseStoreActivities>;

/** An unpaid invoice of the case's account. */
export interface CaseInvoice {
  number: string;
  /** LocalDate. */
  dueOn: string;
  balanceCents: number;
}

export interface RecordPrescribedInvoices {
  eventKey: string;
  caseId: string;
  stage: CaseStage;
  invoiceNumbers: string[];
  balanceBeforeCents: number;
  balanceAfterCents: number;
  /** ISO instant (workflow time). */
  at: string;
  actor: string;
  note: string;
}

/** The sequence number a stage change's key ends with (`…:stage:reminder->agreement:2`). */
export function stageChangeSeq(eventKey: string): number {
  const m = /:(\d+)$/.exec(eventKey);
  return m ? Number(m[1]) : 0;
}
