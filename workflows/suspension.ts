/**
 * Service suspension (corte) and reconnection (reconexión), DOMAIN.md §4, as child workflows
 * of the case. Suspension: prior notice → wait → field order → crew report → fee. Reconnection:
 * field order at once → crew report → fee, measured against the policy deadline.
 *
 * Once a field order is placed it is withdrawn if the case moves on; once the crew reports
 * work done, the report and the fee are recorded even if cancellation arrives meanwhile
 * (what happened in the street is owed and must be on the timeline).
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { startOfMinute } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import { withPolicyDefaults } from '../domain/policy.js';
import {
  cutRefusalReason,
  earliestCutAt,
  mayCutService,
  priorNoticeFacts,
  reconnectionDueAt,
  reconnectionTimeliness,
  serviceChargeCents,
  suspensionFieldDueAt,
} from '../domain/suspension.js';
import type { CaseStoreActivities, TimelineEvent } from '../activities/case-store.js';
import type { NoticeActivities } from '../activities/notices.js';
import type { SuspensionActivities } from '../activities/suspension.js';
import type {
  ChildContext,
  ReconnectionOutcome,
  ReconnectionWorkflowInput,
  SuspensionOutcome,
  SuspensionWorkflowInput,
} from './messages.js';
import { LegalClock } from './clock.js';
import { awaitDelivery, NoticeWatch } from './notice-delivery.js';
import { OUTSIDE_ACTIVITY_OPTIONS, STORE_ACTIVITY_OPTIONS } from './options.js';
import { outsideStep, type StepRecorder } from './outside.js';
import { TaskBoard } from './tasks.js';

const store = proxyActivities<CaseStoreActivities>(STORE_ACTIVITY_OPTIONS);
const notices = proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS);
const account =
  proxyActivities<Pick<SuspensionActivities, 'readAccountProtection'>>(STORE_ACTIVITY_OPTIONS);
const outside = proxyActivities<SuspensionActivities>(OUTSIDE_ACTIVITY_OPTIONS);

const CANCEL_REASON = 'case moved on';

/** Lets a running `completeTask` handler answer its caller before the child returns. */
async function settled<T>(outcome: T): Promise<T> {
  await condition(allHandlersFinished);
  return outcome;
}

function stepKey(step: string): string {
  return `${workflowInfo().workflowId}:${step}`;
}

/** The same timeline writer in the shape outside steps and notice deliveries use. */
function stepRecorder(record: ReturnType<typeof timeline>): StepRecorder {
  return (step, type, reason, data, actor) =>
    record(step, { type, reason, data, ...(actor ? { actor } : {}) });
}

/** Clocks of phones in the field run a little ahead: a report this far in the future is accepted. */
const CLOCK_SKEW_MS = 10 * 60_000;

/** A crew's report may not predate the order it answers, nor lie in the future. */
function performedCheck(orderedAt: number) {
  return (form: { outcome: string; performedAt?: string }): string | null => {
    if (form.outcome !== 'done' || !form.performedAt) return null;
    const at = Date.parse(form.performedAt);
    if (at < startOfMinute(orderedAt))
      return 'La fecha del trabajo no puede ser anterior a la orden de campo';
    if (at > Date.now() + CLOCK_SKEW_MS) return 'La fecha del trabajo no puede ser futura';
    return null;
  };
}

/** Timeline writer for one child: event key from workflow id + step, time = workflow time. */
function timeline(ctx: ChildContext, stage: CaseStage) {
  return (
    step: string,
    e: Pick<TimelineEvent, 'type' | 'reason'> & { actor?: string; data?: Record<string, unknown> },
  ) =>
    store.recordEvent({
      eventKey: stepKey(step),
      caseId: ctx.caseId,
      stage,
      occurredAt: new Date().toISOString(),
      actor: e.actor ?? 'system',
      type: e.type,
      reason: e.reason ?? null,
      ...(e.data ? { data: e.data } : {}),
    });
}

/**
 * Cuts service after the prior notice, unless the account is protected (checked before the
 * notice and again before the order: the parent should never start this for a protected
 * account, but a cut is not undone by an apology).
 */
export async function suspensionWorkflow(
  input: SuspensionWorkflowInput,
): Promise<SuspensionOutcome> {
  const stage: CaseStage = 'suspension';
  let policy = withPolicyDefaults(input.policy);
  const clock = new LegalClock(policy.calendar, (calendar) => (policy = { ...policy, calendar }));
  const record = timeline(input, stage);
  const board = new TaskBoard({
    caseId: input.caseId,
    policy,
    priority: input.priority,
    stage: () => stage,
  });
  let orderId: string | null = null;
  // Histories recorded before this patch counted the cut's term from when the notice was queued.
  const fromDelivery = patched('prior-notice-delivered');
  const watch = fromDelivery ? new NoticeWatch() : null;
  const steps = stepRecorder(record);

  const refuseIfProtected = async (step: string): Promise<SuspensionOutcome | null> => {
    const decision = mayCutService(await account.readAccountProtection({ caseId: input.caseId }));
    if (decision.allowed) return null;
    await record(step, {
      type: 'suspension_not_done',
      reason: cutRefusalReason(decision),
      data:
        decision.reason === 'moratorium'
          ? { reason: 'moratorium', decree: decision.decree }
          : { reason: 'protected', protection: decision.protection },
    });
    return { outcome: 'not_done', reason: decision.reason };
  };

  try {
    const refusedAtStart = await refuseIfProtected('protected');
    if (refusedAtStart) return refusedAtStart;

    if (input.recut) {
      // Service found reconnected without authorisation: the prior notice was given before the
      // first cut, so the crew goes back at once (regularisation).
      await record('recut', {
        type: 'suspension_recut',
        reason: 'Reconexión no autorizada: se ordena cortar de nuevo',
        data: { foundAt: input.recut.foundAt },
      });
    } else {
      const noticeSentAt = new Date();
      await notices.queueNotice({
        key: stepKey('prior-notice'),
        caseId: input.caseId,
        kind: 'aviso_previo_suspension',
        stage,
        facts: priorNoticeFacts({
          balanceCents: input.balanceCents,
          address: input.address,
          noticeSentAt,
          policy,
        }),
      });
      if (!watch) {
        // Counted from when the notice was actually queued: never cut even a moment early.
        const cutFrom = earliestCutAt(new Date(), policy);
        await record('prior-notice-sent', {
          type: 'suspension_notice_sent',
          reason: 'Aviso previo de suspensión enviado',
          data: { earliestCutAt: cutFrom.toISOString(), balanceCents: input.balanceCents },
        });
        await clock.until(cutFrom, policy.suspension.priorNotice.unit, {
          what: 'el plazo del aviso previo',
          moved: (m) =>
            record(`term-recomputed:${m.to}`, {
              type: 'term_recomputed',
              reason: `Cambio de calendario: el corte procede desde ${m.to}`,
              data: m,
            }),
          minMs: 0,
        });
      } else {
        await record('prior-notice-sent', {
          type: 'suspension_notice_sent',
          reason: 'Aviso previo de suspensión en cola: el plazo corre desde su entrega',
          data: { balanceCents: input.balanceCents, queued: true },
        });
        // The term runs from effective delivery; a queued or failed notice starts nothing.
        const delivery = await awaitDelivery(watch, board, steps, policy, {
          key: stepKey('prior-notice'),
          step: 'prior-notice',
          label: 'Aviso previo de suspensión',
        });
        if (!delivery.delivered) {
          await condition(allHandlersFinished);
          await record('prior-notice-undelivered', {
            type: 'suspension_not_done',
            reason: `Sin aviso previo entregado no se corta el servicio (${delivery.reason})`,
            data: { reason: 'notice_not_delivered', detail: delivery.reason },
          });
          return { outcome: 'not_done', reason: 'notice_not_delivered' };
        }
        const cutFrom = earliestCutAt(new Date(delivery.at), policy);
        await record('prior-notice-delivered', {
          type: 'suspension_notice_delivered',
          reason: `Aviso previo entregado (${delivery.channel}): el corte procede desde ${cutFrom.toISOString()}`,
          data: {
            deliveredAt: delivery.at,
            channel: delivery.channel,
            earliestCutAt: cutFrom.toISOString(),
          },
        });
        await clock.until(cutFrom, policy.suspension.priorNotice.unit, {
          what: 'el plazo del aviso previo',
          moved: (m) =>
            record(`term-recomputed:${m.to}`, {
              type: 'term_recomputed',
              reason: `Cambio de calendario: el corte procede desde ${m.to}`,
              data: m,
            }),
          minMs: 0,
        });
      }

      const refusedLater = await refuseIfProtected('protected-before-order');
      if (refusedLater) return refusedLater;
    }

    // Not cancellable while in flight: if the case moves on now, we must know the order id to withdraw it.
    const orderedAt = Date.now();
    const order = await outsideStep(board, steps, {
      system: 'field_ops',
      step: 'suspension-order',
      what: 'Orden de suspensión a la cuadrilla',
      run: () =>
        CancellationScope.nonCancellable(() =>
          outside.orderSuspension({
            key: stepKey('suspension-order'),
            caseId: input.caseId,
            accountNumber: input.accountNumber,
            holderName: input.holderName,
            address: input.address,
            dueBy: suspensionFieldDueAt(new Date(), policy).toISOString(),
            stage,
            at: new Date().toISOString(),
            reason: input.recut
              ? 'Suspensión por reconexión no autorizada'
              : 'Suspensión por mora, vencido el aviso previo',
          }),
        ),
    });
    if (!order.done) {
      await record('suspension-not-ordered', {
        type: 'suspension_not_done',
        reason: `No se ordenó el corte: ${order.reason}`,
        data: { reason: 'not_ordered', detail: order.reason },
      });
      return { outcome: 'not_done', reason: 'not_ordered' };
    }
    orderId = order.value.orderId;

    const report = await board.ask({
      type: 'suspension_field',
      sla: policy.suspension.fieldTaskSla,
      title: `Suspender el servicio de la cuenta ${input.accountNumber}`,
      payload: {
        orderId,
        accountNumber: input.accountNumber,
        holderName: input.holderName,
        address: input.address,
        balanceCents: input.balanceCents,
      },
      check: performedCheck(orderedAt),
    });
    if (!report) throw new Error('suspension field task ended without a report'); // ask() without interrupt always reports

    const form = report.form;
    const doneOrderId = orderId;
    return await CancellationScope.nonCancellable(async (): Promise<SuspensionOutcome> => {
      if (form.outcome === 'not_done') {
        await record('suspension-not-done', {
          type: 'suspension_not_done',
          actor: report.by.id,
          reason: form.note ?? form.reason,
          data: { reason: form.reason, note: form.note ?? null, orderId: doneOrderId },
        });
        return settled({ outcome: 'not_done', reason: form.reason });
      }
      await record('suspension-done', {
        type: 'suspension_done',
        actor: report.by.id,
        reason: `Servicio suspendido, sello ${form.sealNumber}`,
        data: {
          orderId: doneOrderId,
          performedAt: form.performedAt,
          sealNumber: form.sealNumber,
          note: form.note ?? null,
          photoUrl: form.photoUrl ?? null,
          gps: form.gps ?? null,
        },
      });
      await outsideStep(board, steps, {
        system: 'billing',
        step: 'suspension-fee',
        what: 'Cargo por suspensión a facturación',
        run: () =>
          outside.postServiceCharge({
            key: stepKey('suspension-fee'),
            caseId: input.caseId,
            accountNumber: input.accountNumber,
            kind: 'suspension',
            amountCents: serviceChargeCents('suspension', policy),
            stage,
            at: new Date().toISOString(),
            reason: 'Cargo por suspensión del servicio',
          }),
      });
      return settled({
        outcome: 'suspended',
        performedAt: form.performedAt,
        sealNumber: form.sealNumber,
      });
    });
  } catch (err) {
    if (isCancellation(err)) {
      const pendingOrder = orderId;
      await CancellationScope.nonCancellable(async () => {
        await board.cancelAll(CANCEL_REASON);
        if (pendingOrder) {
          // A crew must not cut a case that moved on: a refused withdrawal is a manager's task.
          await outsideStep(board, steps, {
            system: 'field_ops',
            step: 'suspension-order-cancel',
            what: `Anular la orden de suspensión ${pendingOrder}`,
            run: () =>
              outside.cancelFieldOrder({
                key: stepKey('suspension-order-cancel'),
                caseId: input.caseId,
                orderId: pendingOrder,
                kind: 'suspension',
                stage,
                at: new Date().toISOString(),
                reason: 'El caso cambió: ya no corresponde suspender',
              }),
          });
        }
        await record('suspension-cancelled', {
          type: 'suspension_cancelled',
          reason: pendingOrder
            ? 'Suspensión retirada: la orden de campo fue anulada'
            : 'Suspensión retirada antes de ordenar el corte',
          data: { orderId: pendingOrder },
        });
        await condition(allHandlersFinished);
      });
    }
    throw err;
  }
}

/**
 * Restores service after full payment or a signed agreement: the order goes out at once and
 * the crew has the policy's reconnection deadline, counted from the trigger. A late
 * reconnection still completes; the timeline says it was late.
 */
export async function reconnectionWorkflow(
  input: ReconnectionWorkflowInput,
): Promise<ReconnectionOutcome> {
  const stage: CaseStage = input.stage ?? 'suspension';
  const policy = withPolicyDefaults(input.policy);
  const record = timeline(input, stage);
  const board = new TaskBoard({
    caseId: input.caseId,
    policy,
    priority: input.priority,
    stage: () => stage,
  });
  const triggeredAt = input.triggeredAt ? new Date(input.triggeredAt) : new Date();
  const dueAt = reconnectionDueAt(triggeredAt, policy);
  const why = input.trigger === 'paid' ? 'deuda pagada' : 'convenio de pago firmado';
  const steps = stepRecorder(record);
  let orderId: string | null = null;

  try {
    const orderedAt = Date.now();
    const order = await outsideStep(board, steps, {
      system: 'field_ops',
      step: 'reconnection-order',
      what: 'Orden de reconexión a la cuadrilla',
      run: () =>
        CancellationScope.nonCancellable(() =>
          outside.orderReconnection({
            key: stepKey('reconnection-order'),
            caseId: input.caseId,
            accountNumber: input.accountNumber,
            address: input.address,
            dueBy: dueAt.toISOString(),
            stage,
            at: new Date().toISOString(),
            reason: `Reconexión: ${why}`,
          }),
        ),
    });
    // Skipped: the order goes to the crew by other means; the collector still reports the work.
    orderId = order.done ? order.value.orderId : null;

    const report = await board.ask({
      type: 'reconnection_field',
      sla: policy.suspension.reconnectionDeadline,
      title: `Reconectar el servicio de la cuenta ${input.accountNumber}`,
      payload: {
        orderId,
        accountNumber: input.accountNumber,
        address: input.address,
        trigger: input.trigger,
        dueAt: dueAt.toISOString(),
      },
      check: performedCheck(orderedAt),
    });
    if (!report) throw new Error('reconnection field task ended without a report'); // ask() without interrupt always reports

    const form = report.form;
    const doneOrderId = orderId;
    return await CancellationScope.nonCancellable(async (): Promise<ReconnectionOutcome> => {
      const timeliness = reconnectionTimeliness(triggeredAt, new Date(form.performedAt), policy);
      await record('reconnection-done', {
        type: 'reconnection_done',
        actor: report.by.id,
        reason: timeliness.withinDeadline
          ? `Servicio reconectado dentro del plazo (${why})`
          : `Servicio reconectado fuera del plazo (${why})`,
        data: {
          orderId: doneOrderId,
          trigger: input.trigger,
          triggeredAt: triggeredAt.toISOString(),
          performedAt: form.performedAt,
          ...timeliness,
          note: form.note ?? null,
          gps: form.gps ?? null,
        },
      });
      await outsideStep(board, steps, {
        system: 'billing',
        step: 'reconnection-fee',
        what: 'Cargo por reconexión a facturación',
        run: () =>
          outside.postServiceCharge({
            key: stepKey('reconnection-fee'),
            caseId: input.caseId,
            accountNumber: input.accountNumber,
            kind: 'reconnection',
            amountCents: serviceChargeCents('reconnection', policy),
            stage,
            at: new Date().toISOString(),
            reason: 'Cargo por reconexión del servicio',
          }),
      });
      return settled({
        outcome: 'reconnected',
        performedAt: form.performedAt,
        withinDeadline: timeliness.withinDeadline,
      });
    });
  } catch (err) {
    if (isCancellation(err)) {
      const pendingOrder = orderId;
      await CancellationScope.nonCancellable(async () => {
        await board.cancelAll(CANCEL_REASON);
        if (pendingOrder) {
          await outsideStep(board, steps, {
            system: 'field_ops',
            step: 'reconnection-order-cancel',
            what: `Anular la orden de reconexión ${pendingOrder}`,
            run: () =>
              outside.cancelFieldOrder({
                key: stepKey('reconnection-order-cancel'),
                caseId: input.caseId,
                orderId: pendingOrder,
                kind: 'reconnection',
                stage,
                at: new Date().toISOString(),
                reason: 'El caso cambió: orden de reconexión anulada',
              }),
          });
        }
        await record('reconnection-cancelled', {
          type: 'reconnection_cancelled',
          reason: 'Reconexión retirada',
          data: { orderId: pendingOrder },
        });
        await condition(allHandlersFinished);
      });
    }
    throw err;
  }
}
