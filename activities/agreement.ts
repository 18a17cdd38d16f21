/**
 * The payment agreement (convenio de pago) in PostgreSQL and in the outside systems it touches:
 * the Agreement and Instalment rows the lists read, the timeline entries of each decision,
 * billing (where the signed agreement is posted) and the notaries (signing appointments).
 *
 * Idempotent throughout: rows are keyed by agreement id (+ due number), rows are written with
 * absolute values, timeline entries by event key (workflow id + step), and outside systems by
 * an idempotency key, so a retried activity never records, posts or books anything twice.
 * The down payment is stored as Instalment number 0 (DOWN_PAYMENT_NUMBER).
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  DOWN_PAYMENT_NUMBER,
  type AgreementDue,
  type AgreementPlan,
  type AgreementStatus,
  type DueStatus,
  type PaymentAllocation,
} from '../domain/agreement.js';
import { localDateToInstant, toLocalDate } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import type { Prisma, PrismaClient } from '../prisma/client.js';
import {
  BillingRejectedError,
  type BillingAdapter,
  type PostAgreement,
  type PostingResult,
} from './billing/port.js';
import { produceAgreement } from './documents.js';
import {
  NotaryRejectedError,
  type NotaryAdapter,
  type SigningAppointment,
  type SigningAppointmentRequest,
} from './notaries.js';

/** What every agreement step names: the agreement, its case, and its timeline entry. */
export interface AgreementStep {
  agreementId: string;
  caseId: string;
  stage: CaseStage;
  /** Idempotency key of the timeline entry: workflow id + step. */
  eventKey: string;
  /** ISO instant. */
  at: string;
  /** Who acted: a user id, or 'system'. */
  actor: string;
}

export interface RecordAgreementProposed extends AgreementStep {
  plan: AgreementPlan;
  /** The collector's terms, as proposed. */
  terms: Record<string, unknown>;
}

export interface RecordAgreementSigned extends AgreementStep {
  dues: AgreementDue[];
  notarised: boolean;
  notary: string | null;
  billingReference: string;
}

export interface RecordAgreementPayment extends AgreementStep {
  reference: string;
  amountCents: number;
  allocations: PaymentAllocation[];
  unappliedCents: number;
}

export interface RecordAgreementBroken extends AgreementStep {
  missed: AgreementDue;
  /** ISO instant the grace period ran out. */
  graceEndedAt: string;
}

export interface RequestSigningAppointment extends AgreementStep {
  request: SigningAppointmentRequest;
}

function dueOn(iso: string): Date {
  return localDateToInstant(toLocalDate(new Date(iso)), 'start');
}

const DUE_LABEL = (n: number) => (n === DOWN_PAYMENT_NUMBER ? 'la entrada' : `la cuota ${n}`);

export function createAgreementActivities(deps: {
  prisma: PrismaClient;
  billing: BillingAdapter;
  notaries: NotaryAdapter;
}) {
  const { prisma } = deps;

  const event = (
    s: AgreementStep,
    type: string,
    reason: string | null,
    data: Record<string, unknown>,
  ) =>
    prisma.caseEvent.createMany({
      data: [
        {
          eventKey: s.eventKey,
          caseId: s.caseId,
          type,
          stage: s.stage,
          occurredAt: new Date(s.at),
          actor: s.actor,
          reason,
          data: { agreementId: s.agreementId, ...data } as Prisma.InputJsonObject,
        },
      ],
      skipDuplicates: true,
    });

  const status = (s: AgreementStep, to: AgreementStatus, extra: Prisma.AgreementUpdateInput = {}) =>
    prisma.agreement.update({ where: { id: s.agreementId }, data: { status: to, ...extra } });

  return {
    /** Creates the Agreement and its Instalment rows (down payment as number 0) once. */
    async recordAgreementProposed(p: RecordAgreementProposed): Promise<void> {
      const { plan } = p;
      const rows = [
        ...(plan.downPaymentCents > 0
          ? [{ number: DOWN_PAYMENT_NUMBER, dueAt: p.at, amountCents: plan.downPaymentCents }]
          : []),
        ...plan.schedule.map((i) => ({
          number: i.number,
          dueAt: i.dueAt,
          amountCents: i.amountCents,
        })),
      ];
      await prisma.$transaction([
        prisma.agreement.createMany({
          data: [
            {
              id: p.agreementId,
              caseId: p.caseId,
              status: 'proposed',
              totalCents: plan.totalCents,
              downPaymentCents: plan.downPaymentCents,
              interestCents: plan.interestCents,
              instalmentsCount: plan.schedule.length,
              proposedBy: p.actor,
            },
          ],
          skipDuplicates: true,
        }),
        prisma.instalment.createMany({
          data: rows.map((r) => ({
            agreementId: p.agreementId,
            number: r.number,
            dueOn: dueOn(r.dueAt),
            amountCents: r.amountCents,
          })),
          skipDuplicates: true,
        }),
        event(p, 'agreement_proposed', null, {
          terms: p.terms,
          balanceCents: plan.balanceCents,
          downPaymentCents: plan.downPaymentCents,
          financedCents: plan.financedCents,
          interestCents: plan.interestCents,
          totalCents: plan.totalCents,
          annualRateBp: plan.annualRateBp,
          instalments: plan.schedule.length,
          needsManagerApproval: plan.needsManagerApproval,
          needsNotarisedSignature: plan.needsNotarisedSignature,
        }),
      ]);
    },

    /** A manager approved it, or it was within the collector's limits (actor 'system'). */
    async recordAgreementApproved(s: AgreementStep & { reason: string }): Promise<void> {
      await prisma.$transaction([
        status(s, 'approved', { approvedBy: s.actor }),
        event(s, 'agreement_approved', s.reason, {}),
      ]);
    },

    async recordAgreementRejected(s: AgreementStep & { reason: string }): Promise<void> {
      await prisma.$transaction([
        status(s, 'rejected'),
        event(s, 'agreement_rejected', s.reason, {}),
      ]);
    },

    async recordAgreementNotSigned(s: AgreementStep & { reason: string }): Promise<void> {
      await prisma.$transaction([
        status(s, 'not_signed'),
        event(s, 'agreement_not_signed', s.reason, {}),
      ]);
    },

    /** In force: the schedule counted from the signature, posted to billing. */
    async recordAgreementSigned(s: RecordAgreementSigned): Promise<void> {
      await prisma.$transaction([
        status(s, 'active', { notarised: s.notarised }),
        ...s.dues.map((d) =>
          prisma.instalment.update({
            where: { agreementId_number: { agreementId: s.agreementId, number: d.number } },
            data: { dueOn: dueOn(d.dueAt) },
          }),
        ),
        event(s, 'agreement_signed', s.notary ? `Firmado ante ${s.notary}` : null, {
          notarised: s.notarised,
          notary: s.notary,
          billingReference: s.billingReference,
          dues: s.dues.map((d) => ({
            number: d.number,
            dueAt: d.dueAt,
            amountCents: d.amountCents,
          })),
        }),
      ]);
      await produceAgreement(prisma, {
        sourceEventKey: s.eventKey,
        caseId: s.caseId,
        stage: s.stage,
        at: s.at,
        agreementId: s.agreementId,
        dues: s.dues,
      });
    },

    /** A payment applied to the oldest amounts: each touched row gets its new paid total. */
    async recordAgreementPayment(p: RecordAgreementPayment): Promise<void> {
      const settled = p.allocations.filter((a) => a.settled).map((a) => DUE_LABEL(a.number));
      await prisma.$transaction([
        ...p.allocations.map((a) =>
          prisma.instalment.update({
            where: { agreementId_number: { agreementId: p.agreementId, number: a.number } },
            data: {
              paidCents: a.paidCents,
              status: (a.paidCents >= a.amountCents ? 'paid' : 'partial') satisfies DueStatus,
            },
          }),
        ),
        event(
          p,
          'instalment_paid',
          settled.length > 0 ? `Pagada ${settled.join(', ')}` : 'Abono parcial',
          {
            reference: p.reference,
            amountCents: p.amountCents,
            allocations: p.allocations,
            unappliedCents: p.unappliedCents,
          },
        ),
      ]);
    },

    async recordAgreementBroken(b: RecordAgreementBroken): Promise<void> {
      await prisma.$transaction([
        status(b, 'broken'),
        prisma.instalment.update({
          where: { agreementId_number: { agreementId: b.agreementId, number: b.missed.number } },
          data: { status: 'missed' satisfies DueStatus },
        }),
        event(b, 'agreement_broken', `No se pagó ${DUE_LABEL(b.missed.number)} a tiempo`, {
          missedInstalment: b.missed.number,
          dueAt: b.missed.dueAt,
          amountCents: b.missed.amountCents,
          paidCents: b.missed.paidCents,
          graceEndedAt: b.graceEndedAt,
        }),
      ]);
    },

    async recordAgreementPaidOff(s: AgreementStep): Promise<void> {
      await prisma.$transaction([
        status(s, 'paid_off'),
        event(s, 'agreement_paid_off', 'Convenio pagado en su totalidad', {}),
      ]);
    },

    /** The case moved on (paid, on hold, disputed, closed) while the agreement ran. */
    async recordAgreementCancelled(s: AgreementStep & { reason: string }): Promise<void> {
      await prisma.$transaction([
        prisma.agreement.updateMany({
          where: { id: s.agreementId, status: { in: ['proposed', 'approved', 'active'] } },
          data: { status: 'cancelled' satisfies AgreementStatus },
        }),
        event(s, 'agreement_cancelled', s.reason, {}),
      ]);
    },

    /** Posts the signed agreement to billing (idempotent by key). */
    async postAgreementToBilling(req: PostAgreement): Promise<PostingResult> {
      try {
        return await deps.billing.postAgreement(req);
      } catch (err) {
        if (err instanceof BillingRejectedError) {
          throw ApplicationFailure.nonRetryable(err.message, 'OutsideRejected');
        }
        throw err;
      }
    },

    /** Books the notary's signing appointment (idempotent by key) and records it. */
    async requestSigningAppointment(r: RequestSigningAppointment): Promise<SigningAppointment> {
      let appointment: SigningAppointment;
      try {
        appointment = await deps.notaries.requestSigningAppointment(r.request);
      } catch (err) {
        if (err instanceof NotaryRejectedError) {
          throw ApplicationFailure.nonRetryable(err.message, 'OutsideRejected');
        }
        throw err;
      }
      await event(r, 'notary_appointment_booked', appointment.notary, {
        notary: appointment.notary,
        appointmentAt: appointment.appointmentAt,
      });
      return appointment;
    },
  };
}

export type AgreementActivities = ReturnType<typeof createAgreementActivities>;
