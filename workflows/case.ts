/**
 * One long-running workflow per collections case. It holds the case state (domain/case.ts)
 * and its escalation path (domain/lifecycle.ts), runs the reminder stage itself and the
 * agreement, suspension, reconnection, título de crédito and coactiva stages as child
 * workflows, and reacts at any moment to payments, disputes and managers' decisions.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { deadlineAfter, localDateToInstant, toLocalDate } from '../domain/calendar.js';
import {
  applyBillingBalance,
  applyPayment,
  closeCase,
  openCaseState,
  type CaseState,
  type CloseReason,
} from '../domain/case.js';
import { planAgreement } from '../domain/agreement.js';
import {
  advance,
  checkPromise,
  interruptsEscalation,
  nextStep,
  promiseKept,
  remissionWaiver,
  stageOf,
  startLifecycle,
  type Escalation,
  type Lifecycle,
} from '../domain/lifecycle.js';
import { DEFAULT_POLICY, withPolicyDefaults, type Policy } from '../domain/policy.js';
import { toDecimalString } from '../domain/money.js';
import { exigibleOn, prescriptionStatus } from '../domain/prescription.js';
import type { CaseFacts, CaseStoreActivities } from '../activities/case-store.js';
import type { NoticeActivities } from '../activities/notices.js';
import type { SuspensionActivities } from '../activities/suspension.js';
import type { agreementWorkflow } from './agreement.js';
import type { coactivaWorkflow } from './coactiva.js';
import type { creditTitleWorkflow } from './credit-title.js';
import type { reconnectionWorkflow, suspensionWorkflow } from './suspension.js';
import {
  agreementPaymentSignal,
  agreementSignedSignal,
  billingBalanceChangedSignal,
  caseViewQuery,
  acknowledgeDebtUpdate,
  closeCaseUpdate,
  exceptionsPendingSignal,
  fileExceptionsUpdate,
  holdCaseUpdate,
  openDisputeUpdate,
  paymentFacilitiesSignal,
  paymentReceivedSignal,
  proposeAgreementUpdate,
  reassignCaseUpdate,
  remissionAppliedSignal,
  paymentOrderNotifiedSignal,
  reportIrregularReconnectionUpdate,
  resolveDisputeUpdate,
  ruleExceptionsUpdate,
  resumeCaseUpdate,
  type Actor,
  type BillingBalanceChanged,
  type CaseView,
  type CaseWorkflowInput,
  type ChildContext,
  type IrregularReconnectionInput,
  type PaymentReceived,
} from './messages.js';
import {
  finishEvenIfCancelled,
  OUTSIDE_ACTIVITY_OPTIONS,
  STORE_ACTIVITY_OPTIONS,
} from './options.js';
import { LegalClock, type TermMovedRecorder } from './clock.js';
import { failureFacts, outsideStep, type StepRecorder } from './outside.js';
import { CarteraAccount, CarteraBalanceCents, CarteraStage } from './search-attributes.js';
import { TaskBoard, type TaskBoardSnapshot } from './tasks.js';

const store = finishEvenIfCancelled(proxyActivities<CaseStoreActivities>(STORE_ACTIVITY_OPTIONS));
const notices = finishEvenIfCancelled(proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS));
const field = proxyActivities<SuspensionActivities>(OUTSIDE_ACTIVITY_OPTIONS);

type Fact =
  | { kind: 'payment'; payment: PaymentReceived }
  | { kind: 'billing'; update: BillingBalanceChanged };

interface Carried {
  state: CaseState;
  life: Lifecycle;
  tasks: TaskBoardSnapshot;
  facts: CaseFacts;
  /** Child workflows started so far (absent in runs continued before 'case-scoped-keys'). */
  spawned?: number;
}

const nowIso = () => new Date().toISOString(); // workflow time: deterministic

function reject(message: string, type = 'BusinessRule'): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

function requireRole(actor: Actor, ...roles: Actor['role'][]): void {
  if (!roles.includes(actor.role) && actor.role !== 'admin')
    reject('Su rol no permite esta acción', 'Forbidden');
}

export async function caseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  let policy: Policy = withPolicyDefaults(input.policy ?? DEFAULT_POLICY);
  // The case keeps its policy for life, except the calendar in force (holidays decreed later).
  const clock = new LegalClock(policy.calendar, (calendar) => (policy = { ...policy, calendar }));
  const wfId = workflowInfo().workflowId;
  const carried = input.carried as Carried | undefined;
  let state: CaseState = carried?.state ?? openCaseState(input);
  let life: Lifecycle = carried?.life ?? startLifecycle(nowIso());
  let facts: CaseFacts | null = carried?.facts ?? null;
  // Set by handlers as well as by the main flow (an object, so the compiler does not narrow it).
  const live: {
    closeRequest: { reason: CloseReason; by: string; note: string } | null;
    agreementChild: ChildWorkflowHandle<typeof agreementWorkflow> | null;
    creditTitleChild: ChildWorkflowHandle<typeof creditTitleWorkflow> | null;
    coactivaChild: ChildWorkflowHandle<typeof coactivaWorkflow> | null;
    reconnection: Promise<void> | null;
    /** Regularisation after an irregular reconnection: the fine and the re-cut. */
    regularisation: { scope: CancellationScope; done: Promise<void> } | null;
    deadline: { what: string; at: string } | null;
  } = {
    closeRequest: null,
    agreementChild: null,
    creditTitleChild: null,
    coactivaChild: null,
    reconnection: null,
    regularisation: null,
    deadline: null,
  };
  let lastStage = stageOf(life, false);
  let seq = 0;
  // Effect keys and child ids are per case: the account's next case reuses the workflow id
  // (`case-<cuenta>`), and keys built from it alone deduplicated the second case's aviso,
  // orders and fees away. Histories recorded before this patch keep their workflow-id keys.
  const perCase = patched('case-scoped-keys');
  const scope = perCase ? `${wfId}:${input.caseId}` : wfId;
  /** Child workflows started by this case, carried across continue-as-new (ids never repeat). */
  let spawned = carried?.spawned ?? 0;
  const childSuffix = (kind: string) => (perCase ? `${kind}-${++spawned}` : `${kind}-${++seq}`);
  const inbox: Fact[] = [];
  const board = new TaskBoard(
    { caseId: input.caseId, policy, priority: input.priority, stage: () => state.stage },
    carried?.tasks,
  );
  const key = (step: string) => `${scope}:${step}`;
  /** A key for a one-off record of this run (a stage change, a reassignment). */
  const runKey = (step: string) =>
    perCase ? key(`${step}:${workflowInfo().runId}:${++seq}`) : key(`${step}:${++seq}`);
  // Intake starts cases with their search attributes; a case started without them (e.g. on a
  // test server that cannot register custom attributes) does not upsert them either.
  const indexed = workflowInfo().typedSearchAttributes.get(CarteraAccount) !== undefined;
  const index = (pairs: Parameters<typeof upsertSearchAttributes>[0]) => {
    if (indexed) upsertSearchAttributes(pairs);
  };
  const event = (
    type: string,
    actor: string,
    reason: string | null,
    data?: Record<string, unknown>,
  ) =>
    store.recordEvent({
      eventKey: key(`${type}:${workflowInfo().runId}:${++seq}`),
      caseId: input.caseId,
      type,
      stage: state.stage,
      occurredAt: nowIso(),
      actor,
      reason,
      ...(data ? { data } : {}),
    });
  /** Timeline writer for outside steps and deliveries (keys unique per case and step). */
  const steps: StepRecorder = (step, type, reason, data, actor) =>
    store.recordEvent({
      eventKey: key(`${step}:${workflowInfo().runId}:${++seq}`),
      caseId: input.caseId,
      type,
      stage: state.stage,
      occurredAt: nowIso(),
      actor: actor ?? 'system',
      reason,
      data,
    });
  /** A term moved by a change of calendar, on the timeline. */
  const termMoved: TermMovedRecorder = (m) =>
    event(
      'term_recomputed',
      'system',
      `Cambio de calendario (política v${m.policyVersion}): ${m.what} pasa al ${m.to.slice(0, 10)}`,
      m,
    );
  /** Runs a child workflow; a child that fails is a manager's task, never the case's end. */
  const childStep = <T>(what: string, stepName: string, run: () => Promise<T>) =>
    outsideStep(board, steps, { system: 'cartera', step: stepName, what, run });
  /** Agreements the account broke, in earlier cases and in this one (the policy limits new ones). */
  const agreementHistory = () => ({
    brokenAgreements: (input.brokenAgreementsBefore ?? 0) + (life.brokenAgreements ?? 0),
  });
  const settled = () => state.status === 'open' && state.balanceCents === 0;
  const finished = () => state.status === 'closed' || settled() || live.closeRequest !== null;
  const child = (): ChildContext => ({
    caseId: input.caseId,
    accountId: input.accountId,
    accountNumber: input.accountNumber,
    parentWorkflowId: wfId,
    policy,
    priority: input.priority,
  });
  const childOptions = (suffix: string) => ({
    workflowId: perCase ? `${wfId}/${input.caseId}/${suffix}` : `${wfId}/${suffix}`,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  });

  /** Keeps the case row, search attributes and the timeline in step with the lifecycle. */
  async function syncStage(reason: string): Promise<void> {
    const stage = stageOf(life, state.status === 'closed');
    state = { ...state, stage };
    index([
      { key: CarteraBalanceCents, value: state.balanceCents },
      { key: CarteraStage, value: stage },
    ]);
    if (stage === lastStage) return;
    const from = lastStage;
    lastStage = stage;
    if (stage === 'closed') return; // recordCaseClosed writes the closing entry
    await store.setStage({
      caseId: input.caseId,
      stage,
      from,
      at: nowIso(),
      actor: 'system',
      reason,
      eventKey: runKey(`stage:${from}->${stage}`),
    });
  }

  // ---- queries, signals and updates ------------------------------------------------------
  const view = (): CaseView => ({
    caseId: state.caseId,
    accountNumber: state.accountNumber,
    stage: state.stage,
    status: state.status,
    balanceCents: state.balanceCents,
    openingBalanceCents: state.openingBalanceCents,
    paidCents: state.paidCents,
    paymentsApplied: state.paymentReferences.length,
    closeReason: state.closeReason,
    closedAt: state.closedAt,
    onHold: life.onHold !== null,
    disputed: life.dispute !== null,
    service: life.service,
    agreementId: life.agreement?.id ?? null,
    openTasks: board.views(),
    nextDeadline: live.deadline,
    prescribesOn: life.prescription ? prescription().prescribesOn : null,
    exceptions: life.exceptions ?? null,
  });
  setHandler(caseViewQuery, view);
  setHandler(paymentReceivedSignal, (payment) => {
    // Senders validate at their edge; a malformed amount must still never raise the balance.
    if (Number.isSafeInteger(payment.amountCents) && payment.amountCents > 0)
      inbox.push({ kind: 'payment', payment });
  });
  setHandler(billingBalanceChangedSignal, (update) => void inbox.push({ kind: 'billing', update }));
  setHandler(remissionAppliedSignal, async (r) => {
    if (life.remissions?.includes(r.campaignId) || state.status !== 'open') return;
    const waived = remissionWaiver(life.feesCents, r.finesWaiverBp);
    life = {
      ...life,
      feesCents: life.feesCents - waived,
      remissions: [...(life.remissions ?? []), r.campaignId],
    };
    await event('remission_applied', 'system', `campaña ${r.campaignId}`, {
      waivedCents: waived,
      finesWaiverBp: r.finesWaiverBp,
    });
  });

  const open = () => {
    if (state.status !== 'open' || live.closeRequest) reject('El caso está cerrado', 'CaseClosed');
  };
  setHandler(
    proposeAgreementUpdate,
    async ({ actor, terms }) => {
      const check = planAgreement(
        terms,
        state.balanceCents,
        policy,
        new Date(),
        agreementHistory(),
      );
      if (!check.ok) reject(check.reason);
      const agreementId = uuid4();
      life = {
        ...life,
        agreement: { id: agreementId, status: 'proposed' },
        agreementsProposed: life.agreementsProposed + 1,
      };
      live.agreementChild = await startChild<typeof agreementWorkflow>('agreementWorkflow', {
        ...childOptions(`agreement-${life.agreementsProposed}`),
        args: [
          {
            ...child(),
            agreementId,
            terms,
            balanceCents: state.balanceCents,
            proposedBy: actor,
          },
        ],
      });
      if (live.creditTitleChild)
        await live.creditTitleChild.signal(paymentFacilitiesSignal, { pending: true });
      if (life.escalation === 'credit_title') void resumeTermIfUnsigned(live.agreementChild);
      return {
        agreementId,
        needsManagerApproval: check.plan.needsManagerApproval,
        needsNotarisedSignature: check.plan.needsNotarisedSignature,
      };
    },
    {
      validator: ({ actor, terms }) => {
        open();
        requireRole(actor, 'collector', 'manager');
        if (life.agreement) reject('El caso ya tiene un convenio en trámite o vigente', 'Conflict');
        if (life.onHold || life.dispute) reject('El caso está en espera o en reclamo');
        if (life.escalation === 'coactiva_done')
          reject('El caso ya está en ejecución coactiva con medidas registradas');
        if (life.prescription?.prescribed)
          reject('La deuda prescribió: corresponde la decisión de asesoría jurídica');
        const check = planAgreement(
          terms,
          state.balanceCents,
          policy,
          new Date(),
          agreementHistory(),
        );
        if (!check.ok) reject(check.reason);
      },
    },
  );
  setHandler(agreementSignedSignal, async ({ agreementId }) => {
    if (life.agreement?.id !== agreementId) return;
    life = { ...life, agreement: { id: agreementId, status: 'active' } };
    interruptPrescription(toLocalDate(new Date()), 'convenio');
    await syncStage('convenio firmado');
    if (life.service === 'suspended' && !live.reconnection)
      live.reconnection = reconnect('agreement');
  });
  setHandler(
    openDisputeUpdate,
    async ({ actor, reason }) => {
      life = { ...life, dispute: { reason, by: actor.id, since: nowIso() } };
      await event('dispute_opened', actor.id, reason);
    },
    {
      validator: ({ actor, reason }) => {
        open();
        requireRole(actor, 'collector', 'manager', 'legal');
        if (life.dispute) reject('Ya hay un reclamo abierto', 'Conflict');
        if (!reason.trim()) reject('Indique el motivo del reclamo', 'InvalidForm');
      },
    },
  );
  setHandler(
    resolveDisputeUpdate,
    async ({ actor, outcome, note }) => {
      if (outcome === 'upheld') live.closeRequest = { reason: 'dispute_won', by: actor.id, note };
      life = { ...life, dispute: null };
      await event('dispute_resolved', actor.id, note, { outcome });
    },
    {
      validator: ({ actor, note }) => {
        open();
        requireRole(actor, 'manager', 'legal');
        if (!life.dispute) reject('No hay un reclamo abierto', 'Conflict');
        if (!note.trim()) reject('Indique la resolución', 'InvalidForm');
      },
    },
  );
  setHandler(
    holdCaseUpdate,
    async ({ actor, reason }) => {
      life = { ...life, onHold: { reason, by: actor.id } };
      await event('case_held', actor.id, reason);
    },
    {
      validator: ({ actor, reason }) => {
        open();
        requireRole(actor, 'manager');
        if (life.onHold) reject('El caso ya está en espera', 'Conflict');
        if (!reason.trim()) reject('Indique el motivo', 'InvalidForm');
      },
    },
  );
  setHandler(
    resumeCaseUpdate,
    async ({ actor, reason }) => {
      life = { ...life, onHold: null };
      await event('case_resumed', actor.id, reason);
    },
    {
      validator: ({ actor }) => {
        open();
        requireRole(actor, 'manager');
        if (!life.onHold) reject('El caso no está en espera', 'Conflict');
      },
    },
  );
  setHandler(
    closeCaseUpdate,
    ({ actor, reason, note }) => {
      live.closeRequest = { reason, by: actor.id, note };
    },
    {
      validator: ({ actor, reason, note }) => {
        open();
        // Prescription is a legal decision (the legal unit declares it); the rest are managers'.
        if (reason === 'prescribed') requireRole(actor, 'legal');
        else requireRole(actor, 'manager');
        if (!['written_off', 'billing_error', 'prescribed', 'cancelled'].includes(reason))
          reject('Motivo de cierre no válido', 'InvalidForm');
        if (!note.trim()) reject('Indique el fundamento del cierre', 'InvalidForm');
      },
    },
  );
  setHandler(
    reassignCaseUpdate,
    async ({ actor, collectorId }) => {
      await store.reassignCase({
        caseId: input.caseId,
        collectorId,
        actor: actor.id,
        at: nowIso(),
        stage: state.stage,
        eventKey: runKey('reassign'),
      });
    },
    { validator: ({ actor }) => (open(), requireRole(actor, 'manager')) },
  );
  setHandler(
    reportIrregularReconnectionUpdate,
    async (report) => {
      // Histories recorded before this patch only posted the fine.
      if (!patched('irregular-reconnection-recut')) {
        const fine = policy.suspension.irregularReconnectionFineCents;
        life = { ...life, feesCents: life.feesCents + fine };
        await field.recordIrregularReconnection({
          key: key(`irregular:${report.foundAt}`),
          caseId: input.caseId,
          accountNumber: input.accountNumber,
          foundAt: report.foundAt,
          note: report.note,
          actor: report.actor.id,
          fineCents: fine,
          stage: state.stage,
        });
        return;
      }
      // Service is on again (without authorisation): the fine, then the crew cuts again.
      life = { ...life, service: 'active' };
      const scope = new CancellationScope();
      live.regularisation = { scope, done: scope.run(() => regularise(report)) };
      void live.regularisation.done.catch(() => undefined);
    },
    {
      validator: ({ actor, foundAt }) => {
        open();
        requireRole(actor, 'collector', 'manager');
        if (life.service !== 'suspended') reject('El servicio no consta como suspendido');
        if (live.regularisation) reject('Ya hay una regularización en curso', 'Conflict');
        if (Date.parse(foundAt) > Date.now() + 10 * 60_000)
          reject('La fecha de la constatación no puede ser futura', 'InvalidForm');
      },
    },
  );

  // ---- excepciones (COA art. 329) and the debtor's acknowledgement ------------------------
  setHandler(
    fileExceptionsUpdate,
    async ({ actor, filedOn, court, processNumber, grounds }) => {
      life = {
        ...life,
        exceptions: { filedOn, court, processNumber, grounds, status: 'pending' },
      };
      const late = exceptionsLate(filedOn);
      await event('exceptions_filed', actor.id, grounds, {
        filedOn,
        court,
        processNumber,
        late,
      });
      await live.coactivaChild
        ?.signal(exceptionsPendingSignal, { pending: true })
        .catch(() => undefined);
    },
    {
      validator: ({ actor, filedOn, court, processNumber, grounds }) => {
        open();
        requireRole(actor, 'legal');
        if (life.escalation !== 'coactiva' && life.escalation !== 'coactiva_done')
          reject('Las excepciones se presentan contra un procedimiento coactivo en curso');
        if (!life.paymentOrder)
          reject('La orden de pago inmediato aún no ha sido notificada', 'Conflict');
        if (life.exceptions?.status === 'pending')
          reject('Ya hay excepciones pendientes de resolución', 'Conflict');
        if (!court.trim() || !processNumber.trim() || !grounds.trim())
          reject('Indique juzgado, número de proceso y fundamentos', 'InvalidForm');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(filedOn) || filedOn > toLocalDate(new Date()))
          reject('Fecha de presentación inválida o futura', 'InvalidForm');
        if (life.paymentOrder && filedOn < toLocalDate(new Date(life.paymentOrder.notifiedAt)))
          reject(
            'Las excepciones no pueden ser anteriores a la notificación de la orden de pago',
            'InvalidForm',
          );
      },
    },
  );
  setHandler(
    ruleExceptionsUpdate,
    async ({ actor, outcome, ruledOn, note, remainingBalanceCents }) => {
      life = { ...life, exceptions: { ...life.exceptions!, status: outcome, ruledOn } };
      await event('exceptions_ruled', actor.id, note, {
        outcome,
        ruledOn,
        ...(remainingBalanceCents !== undefined ? { remainingBalanceCents } : {}),
      });
      if (outcome === 'upheld') {
        live.closeRequest = { reason: 'exceptions_upheld', by: actor.id, note };
      } else {
        if (outcome === 'partially_upheld' && remainingBalanceCents !== undefined) {
          await store.recordBalanceChange({
            caseId: state.caseId,
            stage: state.stage,
            importId: `excepciones:${input.caseId}:${ruledOn}`,
            balanceBeforeCents: state.balanceCents,
            balanceAfterCents: remainingBalanceCents,
            at: nowIso(),
          });
          state = { ...state, balanceCents: remainingBalanceCents };
          index([{ key: CarteraBalanceCents, value: state.balanceCents }]);
        }
        await live.coactivaChild
          ?.signal(exceptionsPendingSignal, { pending: false })
          .catch(() => undefined);
      }
    },
    {
      validator: ({ actor, outcome, ruledOn, note, remainingBalanceCents }) => {
        open();
        requireRole(actor, 'legal');
        if (life.exceptions?.status !== 'pending')
          reject('No hay excepciones pendientes de resolución', 'Conflict');
        if (!note.trim()) reject('Indique la resolución del juzgado', 'InvalidForm');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(ruledOn) || ruledOn > toLocalDate(new Date()))
          reject('Fecha de la resolución inválida o futura', 'InvalidForm');
        if (outcome === 'partially_upheld') {
          if (
            remainingBalanceCents === undefined ||
            !Number.isSafeInteger(remainingBalanceCents) ||
            remainingBalanceCents <= 0 ||
            remainingBalanceCents >= state.balanceCents
          )
            reject('Indique el saldo que queda, menor que la deuda actual', 'InvalidForm');
        }
      },
    },
  );
  setHandler(
    acknowledgeDebtUpdate,
    async ({ actor, on, note }) => {
      interruptPrescription(on, 'acknowledgement');
      await event('debt_acknowledged', actor.id, note, { on });
    },
    {
      validator: ({ actor, on, note }) => {
        open();
        requireRole(actor, 'collector', 'legal', 'manager');
        if (!note.trim()) reject('Describa el reconocimiento (documento, fecha)', 'InvalidForm');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(on) || on > toLocalDate(new Date()))
          reject('Fecha inválida o futura', 'InvalidForm');
        if (life.prescription?.prescribed)
          reject(
            'La deuda ya prescribió: corresponde la decisión de asesoría jurídica',
            'Conflict',
          );
      },
    },
  );
  setHandler(paymentOrderNotifiedSignal, ({ number, notifiedAt }) => {
    life = { ...life, paymentOrder: { number, notifiedAt } };
    interruptPrescription(toLocalDate(new Date(notifiedAt)), 'orden_pago_notificada');
  });

  /** Filed after the term the policy gives from the orden de pago's notification. */
  function exceptionsLate(filedOn: string): boolean {
    if (!life.paymentOrder) return false;
    const deadline = deadlineAfter(
      new Date(life.paymentOrder.notifiedAt),
      policy.coactiva.exceptionsTerm,
      policy.calendar,
    );
    return localDateToInstant(filedOn, 'start').getTime() > deadline.getTime();
  }

  // ---- prescription --------------------------------------------------------------------------
  const prescription = () =>
    prescriptionStatus(
      new Date(),
      {
        exigibleOn: life.prescription?.exigibleOn ?? exigibleOn(input.oldestDueOn),
        interruptions: life.prescription?.interruptions ?? [],
      },
      policy,
    );
  function interruptPrescription(on: string, ground: string): void {
    if (!life.prescription || life.prescription.prescribed) return;
    life = {
      ...life,
      prescription: {
        ...life.prescription,
        interruptions: [...life.prescription.interruptions, { on, ground }],
        warned: false,
      },
    };
  }

  /**
   * Follows the limitation clock: warns the legal unit `prescription.warnBefore` ahead (a task
   * that outlives stage changes), and once the debt has prescribed stops collection until the
   * legal unit declares it prescribed (the case closes) or records an interruption it missed.
   */
  async function watchPrescription(): Promise<void> {
    while (!finished()) {
      const clock = life.prescription!;
      const changed = () => life.prescription !== clock || finished();
      const p = prescription();
      if (p.state !== 'running' && !clock.warned) {
        life = { ...life, prescription: { ...clock, warned: true } };
        void reviewPrescription().catch(() => undefined);
        continue;
      }
      if (p.state === 'prescribed' && !clock.prescribed) {
        life = { ...life, prescription: { ...clock, prescribed: true } };
        await event('debt_prescribed', 'system', `La deuda prescribió el ${p.prescribesOn}`, {
          prescribesOn: p.prescribesOn,
          interruptions: clock.interruptions,
        });
        continue;
      }
      const next =
        p.state === 'running' ? p.warnFrom : p.state === 'warning' ? p.prescribesOn : null;
      if (next === null) await condition(changed);
      else
        await condition(
          changed,
          Math.max(1, localDateToInstant(next, 'start').getTime() - Date.now()),
        );
    }
  }

  /**
   * Each invoice prescribes on its own (its exigibility, the case's interruptions): the ones
   * that have leave the debt, and the case goes on for the rest; when none is left it closes
   * as prescribed.
   */
  async function declarePrescribed(by: string, note: string): Promise<void> {
    const at = nowIso();
    const interruptions = life.prescription?.interruptions ?? [];
    const invoices = await store.caseInvoices({ caseId: input.caseId });
    const prescribedOnes = invoices.filter(
      (i) =>
        prescriptionStatus(new Date(), { exigibleOn: exigibleOn(i.dueOn), interruptions }, policy)
          .state === 'prescribed',
    );
    const left = invoices.filter((i) => !prescribedOnes.includes(i));
    const prescribedCents = prescribedOnes.reduce((sum, i) => sum + i.balanceCents, 0);
    const remaining = Math.max(0, state.balanceCents - prescribedCents);
    await event('prescription_declared', by, note, {
      prescribesOn: prescription().prescribesOn,
      invoices: prescribedOnes.map((i) => i.number),
      prescribedCents,
    });
    await store.recordPrescribedInvoices({
      eventKey: key(`prescribed:${workflowInfo().runId}:${++seq}`),
      caseId: input.caseId,
      stage: state.stage,
      invoiceNumbers: prescribedOnes.map((i) => i.number),
      balanceBeforeCents: state.balanceCents,
      balanceAfterCents: left.length === 0 ? state.balanceCents : remaining,
      at,
      actor: by,
      note,
    });
    if (left.length === 0 || remaining === 0) {
      live.closeRequest = { reason: 'prescribed', by, note };
      return;
    }
    // The newer invoices are still owed: collection resumes for them, on their own clock.
    state = { ...state, balanceCents: remaining };
    index([{ key: CarteraBalanceCents, value: state.balanceCents }]);
    life = {
      ...life,
      prescription: {
        exigibleOn: exigibleOn(left[0]!.dueOn),
        interruptions,
        warned: false,
        prescribed: false,
      },
    };
  }

  /**
   * The case stopped by itself (a document that could not be notified, a step skipped): a
   * manager resumes or closes it. A resume through the API, or the case ending, withdraws the task.
   */
  async function reviewSystemHold(reason: string): Promise<void> {
    const outcome = await board.ask(
      {
        type: 'case_review',
        sla: policy.tasks.escalateOverdueAfter,
        title: `Caso detenido: ${reason}`,
        payload: { reason, stage: state.stage, balance: toDecimalString(state.balanceCents) },
      },
      () => !life.onHold || finished(),
    );
    if (!outcome) return;
    const by = outcome.by.id;
    if (outcome.form.decision === 'resume') {
      life = { ...life, onHold: null };
      await event('case_resumed', by, outcome.form.note);
    } else {
      live.closeRequest = { reason: outcome.form.reason, by, note: outcome.form.note };
    }
  }

  async function reviewPrescription(): Promise<void> {
    const p = prescription();
    const owed = await store.caseInvoices({ caseId: input.caseId });
    const interruptions = life.prescription?.interruptions ?? [];
    const outcome = await board.ask({
      type: 'prescription_review',
      sla: policy.coactiva.legalTaskSla,
      title: `Prescripción: la deuda prescribe el ${p.prescribesOn}`,
      persistent: true,
      payload: {
        prescribesOn: p.prescribesOn,
        exigibleOn: exigibleOn(input.oldestDueOn),
        interruptions,
        balance: toDecimalString(state.balanceCents),
        // Each invoice on its own clock: the legal unit sees which ones it declares.
        invoices: owed.map((i) => ({
          number: i.number,
          dueOn: i.dueOn,
          balance: toDecimalString(i.balanceCents),
          prescribesOn: prescriptionStatus(
            new Date(),
            { exigibleOn: exigibleOn(i.dueOn), interruptions },
            policy,
          ).prescribesOn,
        })),
      },
      check: (form) => {
        const now = prescription();
        if (form.decision === 'declare_prescribed')
          return now.state === 'prescribed'
            ? null
            : `La deuda aún no ha prescrito: prescribe el ${now.prescribesOn}`;
        if (form.interruptedOn > toLocalDate(new Date()))
          return 'La fecha de la interrupción no puede ser futura';
        if (form.interruptedOn >= now.prescribesOn)
          return `Una interrupción desde el ${now.prescribesOn} ya no evita la prescripción`;
        return null;
      },
    });
    if (!outcome) return; // withdrawn: the case closed or continued as new
    const by = outcome.by.id;
    if (outcome.form.decision === 'declare_prescribed') {
      await declarePrescribed(by, outcome.form.note);
      return;
    }
    const { interruptedOn, ground, note } = outcome.form;
    const clock = life.prescription!;
    life = {
      ...life,
      prescription: {
        interruptions: [...clock.interruptions, { on: interruptedOn, ground }],
        warned: false,
        prescribed: false,
      },
    };
    await event('prescription_interrupted', by, note, { interruptedOn, ground });
  }

  // ---- payments and billing updates: applied in arrival order, whatever stage runs ---------
  async function applyFacts(): Promise<void> {
    while (inbox.length > 0) {
      const fact = inbox.shift()!;
      if (fact.kind === 'payment') {
        const { state: next, outcome } = applyPayment(state, fact.payment);
        if (outcome.kind === 'duplicate') continue;
        state = next;
        interruptPrescription(toLocalDate(new Date(fact.payment.paidAt)), 'pago');
        await store.recordPayment({
          caseId: state.caseId,
          accountId: state.accountId,
          stage: state.stage,
          ...fact.payment,
          balanceBeforeCents: outcome.balanceBeforeCents,
          balanceAfterCents: state.balanceCents,
        });
        if (live.agreementChild && life.agreement) {
          await live.agreementChild
            .signal(agreementPaymentSignal, fact.payment)
            .catch(() => undefined);
        }
      } else {
        const { state: next, changed } = applyBillingBalance(state, fact.update.balanceCents);
        if (!changed) continue;
        await store.recordBalanceChange({
          caseId: state.caseId,
          stage: state.stage,
          importId: fact.update.importId,
          balanceBeforeCents: state.balanceCents,
          balanceAfterCents: next.balanceCents,
          at: fact.update.importedAt,
        });
        state = next;
      }
      index([{ key: CarteraBalanceCents, value: state.balanceCents }]);
    }
  }

  /**
   * Runs a step until it ends or `stop()` becomes true; then the step is cancelled (its child
   * workflows and timers with it) and the parent's own open tasks are withdrawn.
   */
  async function interruptible<T>(stop: () => boolean, step: () => Promise<T>): Promise<T | null> {
    const scope = new CancellationScope();
    const running = scope.run(step).then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    const watcher = new CancellationScope();
    const stopped = watcher
      .run(() => condition(() => stop() || finished()))
      .then(
        () => 'stop' as const,
        () => 'stop' as const,
      );
    const first = await Promise.race([running, stopped]);
    if (first !== 'stop') {
      watcher.cancel();
      await stopped;
      if (!first.ok) throw first.err;
      return first.value;
    }
    scope.cancel();
    const result = await running;
    if (!result.ok && !isCancellation(result.err)) throw result.err;
    await board.cancelAll('el caso cambió de etapa');
    return result.ok ? result.value : null;
  }

  // ---- stages ------------------------------------------------------------------------------
  function noticeFacts(): Record<string, string> {
    return {
      'Saldo vencido (USD)': toDecimalString(state.balanceCents),
      Cuenta: input.accountNumber,
    };
  }

  /** Watches a promise to pay until its date + grace: kept or broken. */
  async function watchPromise(): Promise<void> {
    const p = life.promise!;
    const due = deadlineAfter(
      localDateToInstant(p.promisedOn, 'end'),
      policy.reminder.promiseGrace,
      policy.calendar,
    );
    live.deadline = { what: 'promesa de pago', at: due.toISOString() };
    await clock.until(due, policy.reminder.promiseGrace.unit, {
      what: 'el plazo de la promesa de pago',
      moved: termMoved,
      interrupt: () => promiseKept(p, state.paidCents) || finished(),
    });
    const kept = promiseKept(p, state.paidCents) || settled();
    if (!kept) life = { ...life, brokenCommitments: life.brokenCommitments + 1 };
    life = { ...life, promise: null };
    live.deadline = null;
    await event(kept ? 'promise_kept' : 'promise_broken', 'system', null, {
      promisedOn: p.promisedOn,
      amountCents: p.amountCents,
    });
  }

  async function contactDebtor(title: string): Promise<void> {
    const outcome = await board.ask({
      type: 'contact_debtor',
      sla: policy.reminder.contactTaskSla,
      title,
      payload: { balance: toDecimalString(state.balanceCents), remindersSent: life.remindersSent },
      // A promise may be partial, but not beyond the policy's horizon: it cannot freeze a case.
      check: (form) =>
        form.outcome === 'promise_to_pay'
          ? checkPromise(form.promisedOn, form.amount, state.balanceCents, new Date(), policy)
          : null,
    });
    if (!outcome) return;
    const form = outcome.form;
    await event('contact_recorded', outcome.by.id, form.outcome, { ...form });
    if (form.outcome === 'promise_to_pay') {
      life = {
        ...life,
        promise: {
          promisedOn: form.promisedOn,
          amountCents: form.amount,
          paidAtPromiseCents: state.paidCents,
        },
      };
      await watchPromise();
    } else if (form.outcome === 'dispute') {
      life = { ...life, dispute: { reason: form.reason, by: outcome.by.id, since: nowIso() } };
      await event('dispute_opened', outcome.by.id, form.reason);
    } else if (form.outcome === 'visit_needed' || form.outcome === 'unreachable') {
      await contactDebtor(
        form.outcome === 'visit_needed'
          ? 'Visita domiciliaria al usuario'
          : 'Nuevo intento de contacto',
      );
    }
  }

  async function reminderStage(): Promise<void> {
    // The collector's contact work runs alongside the notices and ends with the stage.
    const contactScope = new CancellationScope();
    const contact = contactScope.run(() => contactDebtor('Contactar al usuario (aviso de cobro)'));
    contact.catch(() => undefined); // settled below; cancellation must not surface as unhandled
    for (let level = life.remindersSent + 1; level <= policy.reminder.notices; level++) {
      await notices.queueNotice({
        key: key(`notice:reminder:${level}`),
        caseId: input.caseId,
        kind: level === 1 ? 'aviso_cobro' : 'recordatorio',
        stage: 'reminder',
        level,
        facts: noticeFacts(),
      });
      life = { ...life, remindersSent: level };
      if (level < policy.reminder.notices)
        await clock.until(
          deadlineAfter(new Date(), policy.reminder.interval, policy.calendar),
          policy.reminder.interval.unit,
          { what: 'el próximo recordatorio', moved: termMoved },
        );
    }
    const escalateAt = deadlineAfter(
      new Date(life.reminderStartedAt),
      policy.suspension.afterReminderFor,
      policy.calendar,
    );
    live.deadline = { what: 'inicio de suspensión', at: escalateAt.toISOString() };
    await clock.until(escalateAt, policy.suspension.afterReminderFor.unit, {
      what: 'el inicio de la suspensión',
      moved: termMoved,
    });
    await condition(() => life.promise === null); // a promise being watched delays escalation
    contactScope.cancel();
    await contact.catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
    await board.cancelAll('el caso pasa a suspensión');
  }

  async function suspensionStage(): Promise<void> {
    if (!facts) facts = await store.caseFacts({ caseId: input.caseId });
    if (input.protected) {
      // Protected accounts are never cut: a manager decides what happens instead.
      const review = await board.ask({
        type: 'protected_account',
        sla: policy.suspension.fieldTaskSla,
        title: 'Cuenta protegida: decidir en lugar de la suspensión',
        payload: { balance: toDecimalString(state.balanceCents) },
      });
      if (review?.form.decision === 'hold_case') {
        life = { ...life, onHold: { reason: review.form.note, by: review.by.id } };
        return;
      }
      await event(
        'suspension_skipped',
        review?.by.id ?? 'system',
        review?.form.note ?? 'cuenta protegida',
      );
    } else {
      const { holderName, address } = facts;
      const step = await childStep('Suspensión del servicio', 'suspension', async () =>
        (
          await startChild<typeof suspensionWorkflow>('suspensionWorkflow', {
            ...childOptions(childSuffix('suspension')),
            args: [{ ...child(), holderName, address, balanceCents: state.balanceCents }],
          })
        ).result(),
      );
      const result = step.done ? step.value : null;
      if (result?.outcome === 'suspended') {
        life = {
          ...life,
          service: 'suspended',
          feesCents: life.feesCents + policy.suspension.suspensionFeeCents,
        };
      }
    }
    const due = deadlineAfter(new Date(), policy.creditTitle.afterSuspensionFor, policy.calendar);
    life = { ...advance(life, 'suspension'), creditTitleDueAt: due.toISOString() };
  }

  async function creditTitleStage(): Promise<void> {
    const due = new Date(life.creditTitleDueAt ?? nowIso());
    live.deadline = { what: 'emisión del título de crédito', at: due.toISOString() };
    await clock.until(due, policy.creditTitle.afterSuspensionFor.unit, {
      what: 'la emisión del título de crédito',
      moved: termMoved,
    });
    if (!facts) facts = await store.caseFacts({ caseId: input.caseId });
    const f = facts;
    const step = await childStep('Título de crédito', 'credit-title', async () => {
      live.creditTitleChild = await startChild<typeof creditTitleWorkflow>('creditTitleWorkflow', {
        ...childOptions(childSuffix('credit-title')),
        args: [
          {
            ...child(),
            holderName: f.holderName,
            holderId: f.holderId,
            address: f.address,
            balanceCents: state.balanceCents,
            interestFrom: f.oldestDueOn,
          },
        ],
      });
      try {
        if (life.agreement?.status === 'proposed')
          await live.creditTitleChild.signal(paymentFacilitiesSignal, { pending: true });
        return await live.creditTitleChild.result();
      } finally {
        live.creditTitleChild = null;
      }
    });
    if (!step.done) {
      life = { ...life, onHold: { reason: `título de crédito: ${step.reason}`, by: 'system' } };
      return;
    }
    const result = step.value;
    if (result.outcome === 'unpaid') {
      life = { ...advance(life, 'credit_title'), titleNumber: result.titleNumber };
      interruptPrescription(toLocalDate(new Date(result.notifiedAt)), 'titulo_notificado');
    } else {
      life = {
        ...life,
        onHold: { reason: `título ${result.titleNumber} sin notificar`, by: 'system' },
      };
    }
  }

  async function coactivaStage(): Promise<void> {
    if (!facts) facts = await store.caseFacts({ caseId: input.caseId });
    const f = facts;
    const step = await childStep('Procedimiento coactivo', 'coactiva', async () => {
      live.coactivaChild = await startChild<typeof coactivaWorkflow>('coactivaWorkflow', {
        ...childOptions(childSuffix('coactiva')),
        args: [
          {
            ...child(),
            holderName: f.holderName,
            holderId: f.holderId,
            balanceCents: state.balanceCents,
            titleNumber: life.titleNumber ?? '',
          },
        ],
      });
      try {
        if (life.exceptions?.status === 'pending')
          await live.coactivaChild.signal(exceptionsPendingSignal, { pending: true });
        return await live.coactivaChild.result();
      } finally {
        live.coactivaChild = null;
      }
    });
    if (!step.done) {
      life = { ...life, onHold: { reason: `coactiva: ${step.reason}`, by: 'system' } };
      return;
    }
    const result = step.value;
    if (result.outcome === 'not_notified') {
      life = {
        ...life,
        onHold: {
          reason: `orden de pago ${result.paymentOrderNumber} sin notificar`,
          by: 'system',
        },
      };
    } else if (result.outcome === 'uncollectible') {
      live.closeRequest = { reason: 'written_off', by: 'system', note: result.reason };
    } else {
      life = advance(life, 'coactiva');
    }
  }

  async function reconnect(trigger: 'paid' | 'agreement'): Promise<void> {
    if (!facts) facts = await store.caseFacts({ caseId: input.caseId });
    const { address } = facts;
    const step = await childStep('Reconexión del servicio', 'reconnection', async () =>
      (
        await startChild<typeof reconnectionWorkflow>('reconnectionWorkflow', {
          ...childOptions(childSuffix('reconnection')),
          args: [{ ...child(), address, trigger }],
        })
      ).result(),
    );
    if (!step.done) return; // skipped by a manager, with the reason on the timeline
    life = {
      ...life,
      service: 'active',
      feesCents: life.feesCents + policy.suspension.reconnectionFeeCents,
    };
    await event('service_restored', 'system', trigger, {
      performedAt: step.value.performedAt,
      withinDeadline: step.value.withinDeadline,
    });
  }

  /**
   * Regularisation (DOMAIN.md §4): service found reconnected without authorisation. The fine
   * goes to billing and the crew cuts again at once (the prior notice was given before the
   * first cut). A payment in full meanwhile withdraws the re-cut.
   */
  async function regularise(r: IrregularReconnectionInput): Promise<void> {
    const fine = policy.suspension.irregularReconnectionFineCents;
    const posted = await outsideStep(board, steps, {
      system: 'billing',
      step: `irregular-fine:${r.foundAt}`,
      what: 'Multa por reconexión no autorizada',
      run: () =>
        field.recordIrregularReconnection({
          key: key(`irregular:${r.foundAt}`),
          caseId: input.caseId,
          accountNumber: input.accountNumber,
          foundAt: r.foundAt,
          note: r.note,
          actor: r.actor.id,
          fineCents: fine,
          stage: state.stage,
          evidence: {
            photoUrl: r.photoUrl ?? null,
            gps: r.gps ?? null,
            sealNumber: r.sealNumber ?? null,
          },
        }),
    });
    if (posted.done) life = { ...life, feesCents: life.feesCents + fine };
    if (!facts) facts = await store.caseFacts({ caseId: input.caseId });
    const { holderName, address } = facts;
    const recut = await childStep('Nuevo corte por reconexión no autorizada', 'recut', async () =>
      (
        await startChild<typeof suspensionWorkflow>('suspensionWorkflow', {
          ...childOptions(childSuffix('suspension')),
          args: [
            {
              ...child(),
              holderName,
              address,
              balanceCents: state.balanceCents,
              recut: { foundAt: r.foundAt },
            },
          ],
        })
      ).result(),
    );
    if (recut.done && recut.value.outcome === 'suspended') {
      life = {
        ...life,
        service: 'suspended',
        feesCents: life.feesCents + policy.suspension.suspensionFeeCents,
      };
    }
    live.regularisation = null;
  }

  async function agreementStage(): Promise<void> {
    const handle = live.agreementChild;
    if (!handle) {
      life = { ...life, agreement: null };
      return;
    }
    // The child was started by the update handler, so cancelling this stage does not reach
    // it: stop waiting when the stage is cancelled (hold, dispute, case finished).
    let result: Awaited<ReturnType<typeof handle.result>>;
    try {
      result = await Promise.race([handle.result(), CancellationScope.current().cancelRequested]);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The agreement's workflow failed (an outside system past its retries): the case goes on
      // without it, and says why; the failed run is on the managers' dashboard.
      live.agreementChild = null;
      life = { ...life, agreement: null };
      const f = failureFacts(err);
      await event('step_failed', 'system', `Convenio de pago: el paso falló (${f.message})`, {
        step: 'agreement',
        failureType: f.type,
      });
      return;
    }
    live.agreementChild = null;
    life = { ...life, agreement: null };
    if (result.outcome === 'broken')
      life = {
        ...life,
        brokenCommitments: life.brokenCommitments + 1,
        brokenAgreements: (life.brokenAgreements ?? 0) + 1,
      };
    if (result.outcome === 'paid_off' && state.balanceCents > 0) {
      await event('agreement_paid_off_with_balance', 'system', null, {
        balanceCents: state.balanceCents,
      });
    }
  }

  /**
   * A payment-facilities request made in the credit-title stage only pauses the term, so no
   * agreement stage waits for it: when it ends unsigned the request is resolved here and the
   * term resumes. A signed agreement is agreementStage's to follow.
   */
  async function resumeTermIfUnsigned(
    handle: ChildWorkflowHandle<typeof agreementWorkflow>,
  ): Promise<void> {
    await handle.result().catch(() => undefined);
    if (live.agreementChild !== handle || life.agreement?.status !== 'proposed') return;
    live.agreementChild = null;
    life = { ...life, agreement: null };
    await live.creditTitleChild
      ?.signal(paymentFacilitiesSignal, { pending: false })
      .catch(() => undefined);
  }

  /**
   * The case closes while an agreement runs. The payment that settled the case may also pay the
   * agreement off (it was forwarded), so a paid case gives it a moment to end on its own;
   * otherwise the agreement no longer applies and is withdrawn.
   */
  async function endAgreement(
    handle: ChildWorkflowHandle<typeof agreementWorkflow>,
    reason: CloseReason,
  ): Promise<void> {
    let ended = false;
    const outcome = handle.result().then(
      () => void (ended = true),
      () => void (ended = true),
    );
    if (reason !== 'paid' || !(await condition(() => ended, '1 minute')))
      await getExternalWorkflowHandle(handle.workflowId)
        .cancel()
        .catch(() => undefined);
    await outcome;
  }

  async function runEscalation(step: Escalation): Promise<void> {
    const stop = () => interruptsEscalation(life, step);
    switch (step) {
      case 'reminder':
        await interruptible(stop, reminderStage);
        if (!stop() && !finished()) life = advance(life, 'reminder');
        return;
      case 'suspension':
        await interruptible(stop, suspensionStage);
        return;
      case 'credit_title':
        await interruptible(() => stop() && life.agreement?.status === 'active', creditTitleStage);
        return;
      case 'coactiva':
        await interruptible(stop, coactivaStage);
        return;
      case 'coactiva_done':
        live.deadline = null;
        await condition(() => stop() || finished());
        return;
    }
  }

  // ---- main loop ---------------------------------------------------------------------------
  if (!carried) {
    let opened: Awaited<ReturnType<typeof store.recordCaseOpened>>;
    try {
      opened = await store.recordCaseOpened({
        caseId: input.caseId,
        workflowId: wfId,
        accountId: input.accountId,
        balanceCents: input.balanceCents,
        priority: input.priority,
        protected: input.protected,
        overdueInvoices: input.overdueInvoices,
        oldestDueOn: input.oldestDueOn,
        openingReasons: input.openingReasons,
        policyVersion: input.policyVersion,
        openedAt: nowIso(),
        openedBy: input.openedBy,
      });
    } catch (err) {
      // The account already has an open case (a second start raced the first): this one never
      // existed, so it ends without a row rather than failing.
      if (failureFacts(err).type !== 'CaseConflict') throw err;
      state = closeCase(state, 'cancelled', nowIso());
      return view();
    }
    // Billing may have changed between the opener's query and the case row (BALANCE_LOCK_KEY).
    state = {
      ...state,
      balanceCents: opened.balanceCents,
      openingBalanceCents: opened.balanceCents,
    };
  }

  // The limitation clock (histories recorded before this patch had none).
  if (!life.prescription && patched('prescription-watch'))
    life = { ...life, prescription: { interruptions: [], warned: false, prescribed: false } };
  const prescription$ = life.prescription ? watchPrescription() : Promise.resolve();

  const facts$ = (async () => {
    while (state.status === 'open') {
      await condition(() => inbox.length > 0 || state.status !== 'open');
      await applyFacts();
    }
  })();

  while (!finished()) {
    // Facts that came in with this activation (a payment made while the worker was down) are
    // applied before the next step starts: a case paid in full sends no reminder. Histories
    // recorded before this check replay without it.
    if (inbox.length > 0 && patched('facts-before-next-step')) {
      await condition(() => inbox.length === 0);
      continue;
    }
    await syncStage('avance del proceso');
    const next = nextStep(life);
    if (next.kind === 'paused') {
      live.deadline = null;
      // The case stopped itself: a manager is asked (histories before this patch only waited).
      if (life.onHold?.by === 'system' && patched('system-hold-review'))
        await reviewSystemHold(life.onHold.reason);
      else await condition(() => nextStep(life).kind !== 'paused' || finished());
    } else if (next.kind === 'agreement') {
      // A hold or dispute pauses escalation, not the agreement: the child keeps watching instalments.
      await interruptible(() => false, agreementStage);
    } else {
      await runEscalation(next.step);
    }
    if (
      !finished() &&
      workflowInfo().continueAsNewSuggested &&
      !live.agreementChild &&
      !live.reconnection &&
      inbox.length === 0
    ) {
      await board.cancelAll('continúa en una nueva ejecución', true);
      await condition(allHandlersFinished);
      return continueAsNew<typeof caseWorkflow>({
        ...input,
        policy,
        carried: {
          state,
          // The new run asks the prescription review again if it is due.
          life: life.prescription
            ? { ...life, prescription: { ...life.prescription, warned: false } }
            : life,
          tasks: board.snapshot(),
          facts,
          spawned,
        } as unknown as CaseWorkflowInput['carried'],
      });
    }
  }

  // ---- closing -----------------------------------------------------------------------------
  await applyFacts();
  const reason: CloseReason = live.closeRequest?.reason ?? 'paid';
  if (live.regularisation) {
    // The case ends: a re-cut no longer applies (its order is withdrawn by the child).
    live.regularisation.scope.cancel();
    await live.regularisation.done.catch(() => undefined);
    live.regularisation = null;
  }
  if (reason === 'paid' && life.service === 'suspended' && !live.reconnection)
    live.reconnection = reconnect('paid');
  if (live.reconnection) await live.reconnection;
  if (live.agreementChild) await endAgreement(live.agreementChild, reason);
  await board.cancelAll('caso cerrado', true);
  state = closeCase(state, reason, nowIso());
  if (live.closeRequest)
    await event('case_close_requested', live.closeRequest.by, live.closeRequest.note, { reason });
  await store.recordCaseClosed({
    caseId: state.caseId,
    reason,
    closedAt: state.closedAt ?? nowIso(),
    balanceCents: state.balanceCents,
  });
  await syncStage('caso cerrado');
  await facts$;
  await prescription$;
  return view();
}
