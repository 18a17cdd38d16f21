/**
 * The payment agreement (convenio de pago), DOMAIN.md §3, as a child workflow of the case.
 * Proposal → manager approval above the collector's limit → notarised signature for large
 * agreements → posted to billing, notice to the user, parent told it is in force → watches the
 * down payment and each instalment until paid off or until one is missed past its grace period.
 *
 * The rules (schedule, oldest-first application of payments, when an instalment is missed)
 * live in domain/agreement.ts; this file only wires tasks, timers and activities around them.
 * Once billing has the agreement, the signature is recorded in full even if cancellation
 * arrives meanwhile: billing and the user must not see an agreement the case does not.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  agreementDues,
  agreementDuesChained,
  agreementTaskSla,
  graceEndsAt,
  isPaidOff,
  missedDue,
  nextUnpaidDue,
  planAgreement,
  receiveAgreementPayment,
  DOWN_PAYMENT_NUMBER,
  type AgreementDue,
  type AgreementPlan,
  type AgreementWatch,
} from '../domain/agreement.js';
import { toLocalDate } from '../domain/calendar.js';
import type { CaseStage, PaymentFact } from '../domain/case.js';
import { formatUsd } from '../domain/money.js';
import type { AgreementActivities, AgreementStep } from '../activities/agreement.js';
import type { CaseStoreActivities } from '../activities/case-store.js';
import type { NoticeActivities } from '../activities/notices.js';
import type { SigningAppointment } from '../activities/notaries.js';
import {
  agreementPaymentSignal,
  agreementSignedSignal,
  type AgreementOutcome,
  type AgreementWorkflowInput,
} from './messages.js';
import { OUTSIDE_ACTIVITY_OPTIONS, STORE_ACTIVITY_OPTIONS } from './options.js';
import { TaskBoard } from './tasks.js';

const records = proxyActivities<AgreementActivities>(STORE_ACTIVITY_OPTIONS);
const outside =
  proxyActivities<
    Pick<AgreementActivities, 'postAgreementToBilling' | 'requestSigningAppointment'>
  >(OUTSIDE_ACTIVITY_OPTIONS);
const store = proxyActivities<CaseStoreActivities>(STORE_ACTIVITY_OPTIONS);
const notices = proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS);

const STAGE: CaseStage = 'agreement';
const CANCEL_REASON = 'case moved on';

type Signed =
  { kind: 'signed'; watch: AgreementWatch } | { kind: 'ended'; outcome: AgreementOutcome };

function stepKey(step: string): string {
  return `${workflowInfo().workflowId}:${step}`;
}

function nowIso(): string {
  return new Date().toISOString(); // workflow time: deterministic
}

/** The `type` of the first typed failure in an error's cause chain (no instanceof: sandbox). */
function failureType(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

function failureMessage(err: unknown): string {
  let message = String(err);
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) message = m;
  }
  return message;
}

const usd = (cents: number) => formatUsd(cents, 'es-EC');

/** What the user reads in the convenio_firmado notice. */
function signedNoticeFacts(plan: AgreementPlan, dues: AgreementDue[]): Record<string, string> {
  const instalments = dues.filter((d) => d.number !== DOWN_PAYMENT_NUMBER);
  const first = instalments[0];
  return {
    'Deuda reconocida': usd(plan.balanceCents),
    Entrada: usd(plan.downPaymentCents),
    Cuotas: `${instalments.length}`,
    ...(first
      ? {
          'Valor de la primera cuota': usd(first.amountCents),
          'Vence la primera cuota': toLocalDate(new Date(first.dueAt)),
        }
      : {}),
    'Intereses del convenio': usd(plan.interestCents),
    'Total a pagar': usd(plan.totalCents),
  };
}

/**
 * Runs one payment agreement from proposal to its end. The parent has already validated the
 * terms; payments reach it through `agreementPaymentSignal` (idempotent by reference).
 */
export async function agreementWorkflow(input: AgreementWorkflowInput): Promise<AgreementOutcome> {
  const { policy, caseId, agreementId } = input;
  const board = new TaskBoard({ caseId, policy, priority: input.priority, stage: () => STAGE });
  const inbox: PaymentFact[] = [...(input.carried?.pending ?? [])];
  setHandler(agreementPaymentSignal, (payment) => void inbox.push(payment));

  const step = (name: string, actor = 'system'): AgreementStep => ({
    agreementId,
    caseId,
    stage: STAGE,
    eventKey: stepKey(name),
    at: nowIso(),
    actor,
  });

  /** Proposal, approval, signature; ends early when rejected or not signed. */
  async function sign(): Promise<Signed> {
    const check = planAgreement(input.terms, input.balanceCents, policy, new Date());
    if (!check.ok) {
      // The parent validated these terms; only a policy or balance change lands here.
      await store.recordEvent({
        eventKey: stepKey('rejected'),
        caseId,
        type: 'agreement_rejected',
        stage: STAGE,
        occurredAt: nowIso(),
        actor: 'system',
        reason: check.reason,
        data: { agreementId, terms: { ...input.terms } },
      });
      return { kind: 'ended', outcome: { outcome: 'rejected', reason: check.reason } };
    }
    const plan = check.plan;
    await records.recordAgreementProposed({
      ...step('proposed', input.proposedBy.id),
      plan,
      terms: { ...input.terms },
    });

    if (plan.needsManagerApproval) {
      const approval = await board.ask({
        type: 'approve_agreement',
        sla: agreementTaskSla(policy),
        title: `Aprobar convenio de pago por ${usd(plan.balanceCents)} en ${plan.schedule.length} cuotas`,
        payload: { agreementId, proposedBy: input.proposedBy.id, plan },
      });
      if (!approval) throw new Error('approve_agreement ended without a decision');
      if (approval.form.decision === 'reject') {
        const reason = approval.form.reason;
        await records.recordAgreementRejected({ ...step('rejected', approval.by.id), reason });
        return { kind: 'ended', outcome: { outcome: 'rejected', reason } };
      }
      await records.recordAgreementApproved({
        ...step('approved', approval.by.id),
        reason: approval.form.note ?? 'Aprobado por supervisión',
      });
    } else {
      await records.recordAgreementApproved({
        ...step('approved'),
        reason: 'Dentro de los límites del gestor',
      });
    }

    let notary: string | null = null;
    let signedBy = input.proposedBy.id;
    if (plan.needsNotarisedSignature) {
      const facts = await store.caseFacts({ caseId });
      let appointment: SigningAppointment | null = null;
      try {
        appointment = await outside.requestSigningAppointment({
          ...step('notary-appointment'),
          request: {
            idempotencyKey: stepKey('notary-appointment'),
            caseId,
            agreementId,
            accountNumber: input.accountNumber,
            holderName: facts.holderName,
            amountCents: plan.totalCents,
          },
        });
      } catch (err) {
        if (failureType(err) !== 'OutsideRejected') throw err;
        // No booking: the collector arranges the signature with a notary directly.
        await store.recordEvent({
          eventKey: stepKey('notary-appointment-refused'),
          caseId,
          type: 'notary_appointment_refused',
          stage: STAGE,
          occurredAt: nowIso(),
          actor: 'system',
          reason: failureMessage(err),
          data: { agreementId },
        });
      }
      const signature = await board.ask({
        type: 'notarise_agreement',
        sla: agreementTaskSla(policy),
        title: appointment
          ? `Firma notarizada del convenio: ${appointment.notary}`
          : 'Coordinar la firma notarizada del convenio',
        payload: {
          agreementId,
          notary: appointment?.notary ?? null,
          appointmentAt: appointment?.appointmentAt ?? null,
          totalCents: plan.totalCents,
          plan,
        },
      });
      if (!signature) throw new Error('notarise_agreement ended without an outcome');
      if (signature.form.outcome === 'not_signed') {
        const reason = signature.form.reason;
        await records.recordAgreementNotSigned({ ...step('not-signed', signature.by.id), reason });
        return { kind: 'ended', outcome: { outcome: 'not_signed', reason } };
      }
      notary = signature.form.notary;
      signedBy = signature.by.id;
    }

    const signedAt = new Date();
    // Instalments in months run date to date from one anchor; agreements signed before keep
    // the chained dates they were signed (and posted to billing) with.
    const dues = patched('agreement-dues-date-to-date')
      ? agreementDues(plan, signedAt, policy, input.terms.firstDueOn)
      : agreementDuesChained(plan, signedAt, policy, input.terms.firstDueOn);
    return CancellationScope.nonCancellable(async (): Promise<Signed> => {
      let billingReference: string;
      try {
        ({ billingReference } = await outside.postAgreementToBilling({
          idempotencyKey: stepKey('billing-agreement'),
          accountNumber: input.accountNumber,
          caseId,
          downPaymentCents: plan.downPaymentCents,
          instalments: dues
            .filter((d) => d.number !== DOWN_PAYMENT_NUMBER)
            .map((d) => ({ dueOn: toLocalDate(new Date(d.dueAt)), amountCents: d.amountCents })),
        }));
      } catch (err) {
        if (failureType(err) !== 'OutsideRejected') throw err;
        const reason = `Facturación rechazó el convenio: ${failureMessage(err)}`;
        await records.recordAgreementNotSigned({ ...step('not-signed'), reason });
        return { kind: 'ended', outcome: { outcome: 'not_signed', reason } };
      }
      await notices.queueNotice({
        key: stepKey('notice:convenio_firmado'),
        caseId,
        kind: 'convenio_firmado',
        stage: STAGE,
        facts: signedNoticeFacts(plan, dues),
      });
      await records.recordAgreementSigned({
        ...step('signed', signedBy),
        at: signedAt.toISOString(),
        dues,
        notarised: plan.needsNotarisedSignature,
        notary,
        billingReference,
      });
      await getExternalWorkflowHandle(input.parentWorkflowId).signal(agreementSignedSignal, {
        agreementId,
      });
      return {
        kind: 'signed',
        watch: { signedAt: signedAt.toISOString(), dues, appliedReferences: [], pending: [] },
      };
    });
  }

  /** Applies payments as they come; ends paid off, or broken at the first missed amount. */
  async function watchInstalments(start: AgreementWatch): Promise<AgreementOutcome> {
    let watch = start;
    for (;;) {
      let payment: PaymentFact | undefined;
      while ((payment = inbox.shift())) {
        const result = receiveAgreementPayment(watch, payment);
        watch = result.watch;
        if (result.kind === 'duplicate') continue;
        await records.recordAgreementPayment({
          ...step(`payment:${payment.reference}`, payment.source),
          at: payment.paidAt,
          reference: payment.reference,
          amountCents: payment.amountCents,
          allocations: result.allocations,
          unappliedCents: result.unappliedCents,
        });
      }
      if (isPaidOff(watch.dues)) {
        await records.recordAgreementPaidOff(step('paid-off'));
        return { outcome: 'paid_off' };
      }
      const missed = missedDue(watch.dues, new Date(), policy);
      if (missed) {
        const owed = missed.amountCents - missed.paidCents;
        await notices.queueNotice({
          key: stepKey(`notice:cuota_vencida:${missed.number}`),
          caseId,
          kind: 'cuota_vencida',
          stage: STAGE,
          facts: {
            Cuota: missed.number === DOWN_PAYMENT_NUMBER ? 'Entrada' : `${missed.number}`,
            'Vencía el': toLocalDate(new Date(missed.dueAt)),
            'Valor pendiente': usd(owed),
          },
        });
        await records.recordAgreementBroken({
          ...step('broken'),
          missed,
          graceEndedAt: graceEndsAt(missed, policy).toISOString(),
        });
        return { outcome: 'broken', missedInstalment: missed.number };
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof agreementWorkflow>({
          ...input,
          carried: { ...watch, pending: [...inbox] },
        });
      }
      const next = nextUnpaidDue(watch.dues);
      const waitMs = next ? graceEndsAt(next, policy).getTime() - Date.now() : 1;
      await condition(
        () => inbox.length > 0 || workflowInfo().continueAsNewSuggested,
        Math.max(1, waitMs),
      );
    }
  }

  try {
    let outcome: AgreementOutcome;
    if (input.carried) {
      outcome = await watchInstalments({ ...input.carried, pending: [] });
    } else {
      const signed = await sign();
      outcome = signed.kind === 'ended' ? signed.outcome : await watchInstalments(signed.watch);
    }
    // A task completion still writing its inbox row must finish before the workflow does.
    await condition(allHandlersFinished);
    return outcome;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await board.cancelAll(CANCEL_REASON);
        await records.recordAgreementCancelled({
          ...step('cancelled'),
          reason: 'El caso cambió: el convenio deja de regir',
        });
      });
    }
    throw err;
  }
}
