/**
 * Child workflow of a case: the título de crédito. Issues the title (number from the
 * institution-wide sequence, contents from domain/credit-title), has a specialist validate it
 * (returned titles are corrected and reissued with the same number), has the collector notify
 * it (in person, boleta, or publication once the debtor was not found twice), then waits out the
 * voluntary payment term (COA art. 271), paused while a payment-facilities request is pending.
 *
 * The parent cancels it when the debt is paid or the case moves on; open tasks are withdrawn.
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { describeWaitingPeriod, toLocalDate } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import { withPolicyDefaults } from '../domain/policy.js';
import {
  buildCreditTitle,
  correctCreditTitle,
  creditTitleDefects,
  CREDIT_TITLE_SERIES,
  MAX_NOTIFICATION_ATTEMPTS,
  pauseVoluntaryTerm,
  resumeVoluntaryTerm,
  startVoluntaryTerm,
  type CreditTitle,
  type CreditTitleFacts,
  type VoluntaryTerm,
} from '../domain/credit-title.js';
import type { TaskType } from '../domain/tasks.js';
import type { CaseStoreActivities } from '../activities/case-store.js';
import type { CreditTitleActivities } from '../activities/credit-title.js';
import type { NoticeActivities } from '../activities/notices.js';
import {
  paymentFacilitiesSignal,
  type CreditTitleOutcome,
  type CreditTitleWorkflowInput,
} from './messages.js';
import { LegalClock } from './clock.js';
import { notifyDocument } from './notification.js';
import { STORE_ACTIVITY_OPTIONS } from './options.js';
import { TaskBoard, type OpenTaskSpec, type TaskOutcome } from './tasks.js';

const store = proxyActivities<CaseStoreActivities>(STORE_ACTIVITY_OPTIONS);
const titles = proxyActivities<CreditTitleActivities>(STORE_ACTIVITY_OPTIONS);
const notices = proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS);

const STAGE: CaseStage = 'credit_title';

function nowIso(): string {
  return new Date().toISOString(); // workflow time: deterministic
}

export async function creditTitleWorkflow(
  input: CreditTitleWorkflowInput,
): Promise<CreditTitleOutcome> {
  const { caseId } = input;
  let policy = withPolicyDefaults(input.policy);
  const clock = new LegalClock(policy.calendar, (calendar) => (policy = { ...policy, calendar }));
  // Idempotency keys: workflow id + first run id (a later case may reuse the workflow id; a
  // retry, replay or reset keeps both) + step.
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const wf = `${workflowId}:${firstExecutionRunId}`;
  const board = new TaskBoard({
    caseId,
    policy,
    priority: input.priority,
    stage: () => STAGE,
  });
  let facilitiesPending = false;
  setHandler(paymentFacilitiesSignal, ({ pending }) => {
    facilitiesPending = pending;
  });

  const record = (
    step: string,
    type: string,
    e: { actor?: string; reason?: string; data?: Record<string, unknown>; at?: string } = {},
  ) =>
    store.recordEvent({
      eventKey: `${wf}:${step}`,
      caseId,
      type,
      stage: STAGE,
      occurredAt: e.at ?? nowIso(),
      actor: e.actor ?? 'system',
      reason: e.reason ?? null,
      data: e.data ?? {},
    });

  /** Tasks here are asked without interrupt, so they always come back completed. */
  const ask = async <T extends TaskType>(spec: OpenTaskSpec & { type: T }) =>
    (await board.ask<T>(spec)) as TaskOutcome<T>;

  const issue = async (title: CreditTitle) => {
    await titles.recordCreditTitle({
      eventKey: `${wf}:title-issued:v${title.version}`,
      caseId,
      stage: STAGE,
      title,
      defects: creditTitleDefects(title),
      at: nowIso(),
      actor: 'system',
    });
  };

  try {
    // 1. Issue: number from the sequence, contents from the domain.
    const issuedOn = toLocalDate(new Date());
    const year = Number(issuedOn.slice(0, 4));
    const { number } = await titles.issueTitleNumber({
      key: `${wf}:title-number`,
      series: CREDIT_TITLE_SERIES,
      year,
    });
    const initialFacts: CreditTitleFacts = {
      holderName: input.holderName,
      holderId: input.holderId,
      address: input.address,
      accountNumber: input.accountNumber,
      balanceCents: input.balanceCents,
      interestFrom: input.interestFrom,
    };
    let title = buildCreditTitle(
      initialFacts,
      { series: CREDIT_TITLE_SERIES, year, sequence: number },
      issuedOn,
      policy,
    );
    await issue(title);

    // 2. Validation by the specialist; a returned title is corrected and asked again.
    for (let round = 1; ; round++) {
      const defects = creditTitleDefects(title);
      const review = await ask({
        type: 'validate_credit_title',
        sla: policy.creditTitle.validationTaskSla,
        title: `Validar título de crédito ${title.number}`,
        payload: { creditTitle: title, defects },
      });
      const by = review.by.id;
      if (review.form.decision === 'approve') {
        if (defects.length === 0) {
          await record(`title-approved:v${title.version}`, 'credit_title_approved', {
            actor: by,
            reason: review.form.note,
            data: { number: title.number, version: title.version },
          });
          break;
        }
        // CT art. 151: a title missing a legal element is void; it cannot be approved.
        await record(`title-approval-refused:${round}`, 'credit_title_approval_refused', {
          actor: by,
          reason: `No se puede aprobar: ${defects.join('; ')}`,
          data: { number: title.number, version: title.version, defects },
        });
        continue;
      }
      const corrections = review.form.corrections;
      await record(`title-returned:v${title.version}`, 'credit_title_returned', {
        actor: by,
        reason: corrections,
        data: { number: title.number, version: title.version, corrections },
      });
      // The account data may have been fixed meanwhile: rebuild from the case's current facts.
      const facts = await store.caseFacts({ caseId });
      title = correctCreditTitle(
        title,
        {
          ...initialFacts,
          holderName: facts.holderName,
          holderId: facts.holderId,
          address: facts.address,
        },
        corrections,
        toLocalDate(new Date()),
      );
      await issue(title);
    }

    // 3. Notification: the notice to the debtor, and the collector's attempts.
    await notices.queueNotice({
      key: `${wf}:notificacion-titulo`,
      caseId,
      kind: 'notificacion_titulo',
      stage: STAGE,
      facts: {
        'Título de crédito': title.number,
        Concepto: title.concept,
        Valor: title.amount,
        'Intereses desde': title.interestFrom,
        'Plazo para el pago voluntario': `${describeWaitingPeriod(policy.creditTitle.voluntaryPaymentTerm, 'es-EC')} desde el día siguiente a la notificación`,
      },
    });
    const notification = await notifyDocument(board, record, {
      task: 'notify_credit_title',
      sla: policy.creditTitle.validationTaskSla,
      title: (attempt) =>
        `Notificar título de crédito ${title.number} (intento ${attempt} de ${MAX_NOTIFICATION_ATTEMPTS})`,
      payload: { creditTitle: title },
      number: title.number,
      // Approved just now: the título cannot have been notified before it was ready.
      issuedAt: new Date(),
      events: {
        notified: { step: 'title-notified', type: 'credit_title_notified' },
        exhausted: { step: 'title-not-notified', type: 'credit_title_not_notified' },
        rejected: { step: 'notification-rejected', type: 'notification_attempt_rejected' },
        attempt: { step: 'notification-attempt', type: 'notification_attempt' },
      },
    });
    if (!notification.notified) return { outcome: 'not_notified', titleNumber: title.number };
    const notifiedAt = notification.at;

    // 4. Voluntary payment term, paused while a payment-facilities request is pending.
    const started = startVoluntaryTerm(new Date(notifiedAt), policy);
    let term: VoluntaryTerm = started;
    await record('term-started', 'voluntary_term_started', {
      data: {
        number: title.number,
        notifiedAt: started.notifiedAt,
        deadline: started.deadline,
        term: policy.creditTitle.voluntaryPaymentTerm,
      },
    });
    let pauses = 0;
    let moves = 0;
    let deadline: string;
    for (;;) {
      if (term.status === 'running') {
        deadline = term.deadline;
        const left = Date.parse(deadline) - Date.now();
        if (left <= 0) break;
        const seen = clock.version;
        const countedWith = clock.calendar;
        if (
          !facilitiesPending &&
          !(await condition(() => facilitiesPending || clock.version !== seen, left))
        )
          break;
        if (!facilitiesPending) {
          // A holiday decreed (or revoked) while the term runs: the days still to count move.
          const unit = policy.creditTitle.voluntaryPaymentTerm.unit;
          const next = clock.recount(new Date(deadline), unit, countedWith).toISOString();
          if (next !== deadline) {
            moves += 1;
            await record(`term-recomputed:${moves}`, 'term_recomputed', {
              reason: `Cambio de calendario: el plazo de pago voluntario vence ahora el ${next.slice(0, 10)}`,
              data: {
                number: title.number,
                what: 'plazo de pago voluntario',
                from: deadline,
                to: next,
              },
            });
            term = { ...term, deadline: next };
          }
          continue;
        }
        pauses += 1;
        term = pauseVoluntaryTerm(term, new Date(), policy);
        await record(`term-paused:${pauses}`, 'voluntary_term_paused', {
          reason: 'Solicitud de facilidades de pago pendiente',
          data: { number: title.number, ...term },
        });
      } else {
        await condition(() => !facilitiesPending);
        term = resumeVoluntaryTerm(term, new Date(), policy);
        await record(`term-resumed:${pauses}`, 'voluntary_term_resumed', {
          reason: 'Solicitud de facilidades de pago resuelta',
          data: { number: title.number, ...term },
        });
      }
    }
    await record('term-expired', 'voluntary_term_expired', {
      at: deadline,
      reason: 'Plazo de pago voluntario vencido sin pago',
      data: { number: title.number, notifiedAt, deadline },
    });
    return { outcome: 'unpaid', titleNumber: title.number, notifiedAt };
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => board.cancelAll('case moved on'));
    }
    throw err;
  }
}
