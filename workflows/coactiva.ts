/**
 * The coactiva child workflow (DOMAIN.md §7): the legal unit takes the case, issues and
 * notifies the orden de pago inmediato, waits out its término, orders bank retentions
 * (medidas cautelares) and then asks the executor what to do until the case ends in remate or
 * is declared uncollectible. The parent cancels it when the debt is paid or the case moves on;
 * the open legal tasks are then withdrawn.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  assessRetentions,
  coactivaHandler,
  coactivaStep,
  nextDecisionAt,
  paymentOrderTerm,
  retentionOrder,
  type RetentionSummary,
} from '../domain/coactiva.js';
import type { CaseStage } from '../domain/case.js';
import { withPolicyDefaults } from '../domain/policy.js';
import { formatUsd } from '../domain/money.js';
import type { CaseStoreActivities } from '../activities/case-store.js';
import type { CoactivaActivities } from '../activities/coactiva.js';
import type { NoticeActivities } from '../activities/notices.js';
import {
  exceptionsPendingSignal,
  paymentOrderNotifiedSignal,
  type CoactivaOutcome,
  type CoactivaWorkflowInput,
} from './messages.js';
import { LegalClock } from './clock.js';
import { notifyDocument } from './notification.js';
import { OUTSIDE_ACTIVITY_OPTIONS, STORE_ACTIVITY_OPTIONS } from './options.js';
import { outsideStep } from './outside.js';
import { TaskBoard } from './tasks.js';

const store = proxyActivities<CaseStoreActivities>(STORE_ACTIVITY_OPTIONS);
const notices = proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS);
const documents =
  proxyActivities<Pick<CoactivaActivities, 'issuePaymentOrderNumber'>>(STORE_ACTIVITY_OPTIONS);
const banks =
  proxyActivities<Pick<CoactivaActivities, 'requestRetentions'>>(OUTSIDE_ACTIVITY_OPTIONS);

const STAGE: CaseStage = 'coactiva';

/**
 * Waits until the completeTask update that decided the outcome has answered its caller. Called
 * before the last activity, so the answer never rides in the same workflow task as the
 * completion (the update would then fail with "workflow completed before the update").
 */
const updatesAnswered = () => condition(allHandlersFinished);

function retentionFacts(summary: RetentionSummary) {
  return {
    retainedCents: summary.retainedCents,
    excessCents: summary.excessCents,
    exemptCents: summary.exemptCents,
    anomalies: summary.anomalies,
    coversDebt: summary.coversDebt,
    institutions: summary.assessed.map((a) => ({
      institution: a.response.institution,
      status: a.response.status,
      countedCents: a.countedCents,
      anomaly: a.anomaly,
    })),
  };
}

/** Runs a coactiva until remate or uncollectible; cancelled by the parent otherwise. */
export async function coactivaWorkflow(input: CoactivaWorkflowInput): Promise<CoactivaOutcome> {
  const { caseId } = input;
  let policy = withPolicyDefaults(input.policy);
  const clock = new LegalClock(policy.calendar, (calendar) => (policy = { ...policy, calendar }));
  const workflowId = workflowInfo().workflowId;
  const board = new TaskBoard({ caseId, policy, priority: input.priority, stage: () => STAGE });
  const record = (
    step: string,
    type: string,
    e: { actor?: string; reason?: string | null; data?: Record<string, unknown>; at?: Date } = {},
  ) =>
    store.recordEvent({
      eventKey: `${workflowId}:${step}`,
      caseId,
      type,
      stage: STAGE,
      occurredAt: (e.at ?? new Date()).toISOString(),
      actor: e.actor ?? 'system',
      reason: e.reason ?? null,
      data: e.data ?? {},
    });
  const debt = formatUsd(input.balanceCents, 'es-EC');
  let moves = 0;
  const termMoved = (m: { what: string; from: string; to: string; policyVersion: number }) =>
    record(`term-recomputed:${++moves}`, 'term_recomputed', {
      reason: `Cambio de calendario (política v${m.policyVersion}): ${m.what} vence ahora el ${m.to.slice(0, 10)}`,
      data: m,
    });
  // Histories recorded before this patch started the orden de pago's term at its issue.
  const fromNotification = patched('payment-order-notified');
  // Excepciones before a court (COA art. 329) pause the medidas and the executor's decisions.
  let exceptionsPending = false;
  setHandler(exceptionsPendingSignal, ({ pending }) => void (exceptionsPending = pending));
  let pauses = 0;
  const whileExceptionsPending = async () => {
    if (!exceptionsPending) return;
    pauses += 1;
    await record(`exceptions-pause:${pauses}`, 'coactiva_paused', {
      reason: 'Excepciones pendientes ante el juzgado: se suspenden las medidas y decisiones',
    });
    await condition(() => !exceptionsPending);
    await record(`exceptions-resume:${pauses}`, 'coactiva_resumed', {
      reason: 'Excepciones resueltas: continúa el procedimiento',
    });
  };
  const steps = (
    step: string,
    type: string,
    reason: string,
    data: Record<string, unknown>,
    actor?: string,
  ) => record(step, type, { reason, data, ...(actor ? { actor } : {}) });

  try {
    await record('opened', 'coactiva_opened', {
      reason: `Título de crédito ${input.titleNumber} impago: pasa a coactiva`,
      data: { titleNumber: input.titleNumber, balanceCents: input.balanceCents },
    });

    // 1. The legal unit takes the case: in house, or an external lawyer (named).
    for (let attempt = 1; ; attempt++) {
      const intake = await board.ask({
        type: 'coactiva_intake',
        sla: policy.coactiva.legalTaskSla,
        title: `Recibir coactiva: título ${input.titleNumber} (${debt})`,
        payload: {
          titleNumber: input.titleNumber,
          holderName: input.holderName,
          holderId: input.holderId,
          balanceCents: input.balanceCents,
          ...(attempt > 1 ? { correction: 'indique el nombre del abogado externo' } : {}),
        },
      });
      if (!intake) continue;
      const handler = coactivaHandler(intake.form);
      if (!handler.ok) {
        await record(`intake:${attempt}:incomplete`, 'coactiva_intake_incomplete', {
          actor: intake.by.id,
          reason: handler.reason,
        });
        continue;
      }
      await record('assigned', 'coactiva_assigned', {
        actor: intake.by.id,
        reason:
          handler.handledBy === 'external_lawyer'
            ? `Abogado externo: ${handler.lawyerName}`
            : 'Asesoría jurídica interna',
        data: {
          handledBy: handler.handledBy,
          lawyerName: handler.lawyerName,
          note: intake.form.note ?? null,
        },
      });
      break;
    }

    // 2. Orden de pago inmediato (COA art. 279), notified to the debtor; its término runs from
    //    the day after the notification.
    const issuedAt = new Date();
    const order = await documents.issuePaymentOrderNumber({
      key: `${workflowId}:orden-pago`,
      at: issuedAt.toISOString(),
    });
    if (!fromNotification) {
      const term = paymentOrderTerm(issuedAt, policy);
      await notices.queueNotice({
        key: `${workflowId}:orden-pago`,
        caseId,
        kind: 'orden_pago_inmediato',
        stage: STAGE,
        facts: {
          'Orden de pago inmediato': order.number,
          'Título de crédito': input.titleNumber,
          'Valor adeudado': debt,
          Plazo: `${term.termText} para pagar o dimitir bienes (COA art. 279)`,
          Vence: term.deadlineOn,
        },
      });
      await record('orden-pago', 'orden_pago_issued', {
        at: issuedAt,
        reason: `Orden de pago inmediato ${order.number}: ${term.termText}`,
        data: {
          paymentOrderNumber: order.number,
          titleNumber: input.titleNumber,
          balanceCents: input.balanceCents,
          deadline: term.deadline.toISOString(),
          deadlineOn: term.deadlineOn,
          term: policy.coactiva.paymentOrderTerm,
        },
      });
      await clock.until(term.deadline, policy.coactiva.paymentOrderTerm.unit, {
        what: `el término de la orden de pago ${order.number}`,
        moved: termMoved,
      });
    } else {
      const termText = paymentOrderTerm(issuedAt, policy).termText;
      await notices.queueNotice({
        key: `${workflowId}:orden-pago`,
        caseId,
        kind: 'orden_pago_inmediato',
        stage: STAGE,
        facts: {
          'Orden de pago inmediato': order.number,
          'Título de crédito': input.titleNumber,
          'Valor adeudado': debt,
          Plazo: `${termText} desde el día siguiente a su notificación, para pagar o dimitir bienes (COA art. 279)`,
        },
      });
      await record('orden-pago', 'orden_pago_issued', {
        at: issuedAt,
        reason: `Orden de pago inmediato ${order.number}: se notifica al deudor`,
        data: {
          paymentOrderNumber: order.number,
          titleNumber: input.titleNumber,
          balanceCents: input.balanceCents,
          term: policy.coactiva.paymentOrderTerm,
        },
      });
      const notification = await notifyDocument(
        board,
        (step, type, { at, ...e }) =>
          record(step, type, { ...e, ...(at ? { at: new Date(at) } : {}) }),
        {
          task: 'notify_payment_order',
          sla: policy.coactiva.legalTaskSla,
          title: (attempt) =>
            `Notificar orden de pago inmediato ${order.number} (intento ${attempt})`,
          payload: {
            paymentOrderNumber: order.number,
            titleNumber: input.titleNumber,
            holderName: input.holderName,
            holderId: input.holderId,
            balanceCents: input.balanceCents,
          },
          number: order.number,
          issuedAt,
          events: {
            notified: { step: 'orden-pago:notified', type: 'orden_pago_notified' },
            exhausted: { step: 'orden-pago:not-notified', type: 'orden_pago_not_notified' },
            rejected: { step: 'orden-pago:rejected', type: 'notification_attempt_rejected' },
            attempt: { step: 'orden-pago:attempt', type: 'notification_attempt' },
          },
        },
      );
      if (!notification.notified) {
        await updatesAnswered();
        return { outcome: 'not_notified', paymentOrderNumber: order.number };
      }
      const term = paymentOrderTerm(new Date(notification.at), policy);
      await getExternalWorkflowHandle(input.parentWorkflowId)
        .signal(paymentOrderNotifiedSignal, {
          number: order.number,
          notifiedAt: notification.at,
          method: notification.method,
        })
        .catch(() => undefined); // the parent is gone only if the case ended (then so do we)
      await record('orden-pago:term', 'orden_pago_term_started', {
        reason: `Término de ${term.termText} desde el día siguiente a la notificación: vence el ${term.deadlineOn}`,
        data: {
          paymentOrderNumber: order.number,
          notifiedAt: notification.at,
          deadline: term.deadline.toISOString(),
          deadlineOn: term.deadlineOn,
          term: policy.coactiva.paymentOrderTerm,
        },
      });
      await clock.until(term.deadline, policy.coactiva.paymentOrderTerm.unit, {
        what: `el término de la orden de pago ${order.number}`,
        moved: termMoved,
      });
    }
    await record('orden-pago:expired', 'orden_pago_term_expired', {
      reason: `Venció el término de la orden ${order.number} sin pago`,
      data: { paymentOrderNumber: order.number },
    });

    // 3. Medidas cautelares (art. 281): one retention order to every institution; exempt
    //    funds are excluded in the order itself and never counted from the answers.
    const retention = retentionOrder({
      holderId: input.holderId,
      holderName: input.holderName,
      debtCents: input.balanceCents,
    });
    const retentionKey = `${workflowId}:retenciones`;
    if (fromNotification) await whileExceptionsPending();
    await record('retenciones:ordered', 'retention_ordered', {
      reason: 'Medidas cautelares: retención de cuentas (excepto sueldos, pensiones y alimentos)',
      data: {
        key: retentionKey,
        amountCents: retention.amountCents,
        exemptFundKinds: retention.exemptFundKinds,
      },
    });
    const answer = fromNotification
      ? await outsideStep(board, steps, {
          system: 'banks',
          step: 'retenciones',
          what: 'Orden de retención a las instituciones financieras',
          run: () => banks.requestRetentions({ ...retention, key: retentionKey }),
        })
      : {
          done: true as const,
          value: await banks.requestRetentions({ ...retention, key: retentionKey }),
        };
    const summary = assessRetentions(answer.done ? answer.value.responses : [], input.balanceCents);
    for (const [i, a] of summary.assessed.entries()) {
      const step = `retenciones:${i}`;
      await record(step, 'retention_response', {
        actor: a.response.institution,
        reason: a.anomaly,
        data: { ...a.response, countedCents: a.countedCents, accepted: a.anomaly === null },
      });
      if (a.anomaly !== null) {
        await record(`${step}:anomaly`, 'retention_anomaly', {
          actor: a.response.institution,
          reason: a.anomaly,
          data: { ...a.response },
        });
      }
    }

    // 4. The executor decides, as often as needed, until remate or uncollectible.
    const progress = { embargoRecorded: false };
    for (let round = 1; ; round++) {
      if (fromNotification) await whileExceptionsPending();
      const decision = await board.ask(
        {
          type: 'coactiva_decision',
          sla: policy.coactiva.legalTaskSla,
          title: `Decidir coactiva: orden ${order.number} (${debt})`,
          payload: {
            titleNumber: input.titleNumber,
            paymentOrderNumber: order.number,
            balanceCents: input.balanceCents,
            embargoRecorded: progress.embargoRecorded,
            ...retentionFacts(summary),
          },
        },
        fromNotification ? () => exceptionsPending : undefined,
      );
      if (!decision) continue;
      const by = decision.by.id;
      const note = 'note' in decision.form ? (decision.form.note ?? null) : null;
      const step = coactivaStep(progress, decision.form);
      switch (step.kind) {
        case 'uncollectible':
          await updatesAnswered();
          await record('uncollectible', 'coactiva_uncollectible', {
            actor: by,
            reason: step.reason,
          });
          return { outcome: 'uncollectible', reason: step.reason };
        case 'embargo':
          progress.embargoRecorded = true;
          await record(`decision:${round}:embargo`, 'embargo_recorded', {
            actor: by,
            reason: step.assets,
            data: { assets: step.assets, note },
          });
          break;
        case 'remate':
          await updatesAnswered();
          await record('remate', 'remate_recorded', {
            actor: by,
            reason: note,
            data: { paymentOrderNumber: order.number },
          });
          return { outcome: 'remate_recorded' };
        case 'wait': {
          const askAgainAt = nextDecisionAt(new Date(), policy);
          await record(`decision:${round}:wait`, 'coactiva_decision_deferred', {
            actor: by,
            reason: note,
            data: { askAgainAt: askAgainAt.toISOString() },
          });
          await sleep(Math.max(1, askAgainAt.getTime() - Date.now()));
          break;
        }
        case 'refused':
          await record(`decision:${round}:refused`, 'coactiva_decision_refused', {
            actor: by,
            reason: step.reason,
            data: { decision: decision.form.decision },
          });
          break;
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await board.cancelAll('case moved on');
        await record('withdrawn', 'coactiva_withdrawn', {
          reason: 'El caso salió de coactiva (pago, suspensión del trámite o cierre)',
        });
      });
    }
    throw err;
  }
}
