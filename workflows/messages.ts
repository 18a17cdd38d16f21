/**
 * Every signal, query and update of the case workflows, typed once and imported by both the
 * workflows and their callers (API, intake, tests). Changing a message's shape is a workflow
 * change: add optional fields only, so running cases keep replaying.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CaseStage, CaseState, CloseReason } from '../domain/case.js';
import type { AgreementTerms } from '../domain/agreement.js';
import type { Exceptions } from '../domain/lifecycle.js';
import type { Policy } from '../domain/policy.js';
import type { TaskRole, TaskType } from '../domain/tasks.js';

// ---------------------------------------------------------------------------------------------
// Case workflow (parent)

/** Input of `caseWorkflow`; `carried` is set only by continue-as-new. */
export interface CaseWorkflowInput {
  caseId: string;
  accountId: string;
  accountNumber: string;
  /** Overdue balance when the case opened, in cents. */
  balanceCents: number;
  /** 0–1000, from domain/case-opening. */
  priority: number;
  protected: boolean;
  overdueInvoices: number;
  /** LocalDate of the oldest overdue invoice. */
  oldestDueOn: string;
  /** Why the case opened (domain OpeningReason values). */
  openingReasons: string[];
  /** Agreements the account broke in its earlier cases (the policy limits new ones). @default 0 */
  brokenAgreementsBefore?: number;
  policyVersion: number;
  /** The policy in force when the case opened; the case keeps it for its whole life. */
  policy?: Policy;
  /** Who opened it: a user id, or 'system' for intake. */
  openedBy: string;
  carried?: CaseCarry;
}

/** Everything a case carries across continue-as-new. */
export interface CaseCarry {
  state: CaseState;
  lifecycle: unknown;
  tasks: unknown;
}

/** A task as the workflow reports it. */
export interface OpenTaskView {
  taskId: string;
  type: TaskType;
  role: TaskRole;
  /** ISO instant. */
  dueAt: string;
}

/** What the case workflow answers about itself. */
export interface CaseView {
  caseId: string;
  accountNumber: string;
  stage: CaseStage;
  status: 'open' | 'closed';
  balanceCents: number;
  openingBalanceCents: number;
  paidCents: number;
  paymentsApplied: number;
  closeReason: CloseReason | null;
  closedAt: string | null;
  onHold?: boolean;
  disputed?: boolean;
  service?: 'active' | 'suspended';
  agreementId?: string | null;
  openTasks?: OpenTaskView[];
  /** The next legal or policy deadline the case is waiting for, if any. */
  nextDeadline?: { what: string; at: string } | null;
  /** LocalDate the debt prescribes on, counting every interruption so far (null: not tracked). */
  prescribesOn?: string | null;
  /** Excepciones filed before a court (COA art. 329), while the court decides or after. */
  exceptions?: ExceptionsView | null;
}

/** Excepciones as the case reports them. */
export type ExceptionsView = Exceptions;

/** A payment confirmed by billing or treasury. Idempotent by `reference`. */
export interface PaymentReceived {
  reference: string;
  amountCents: number;
  /** ISO instant. */
  paidAt: string;
  /** e.g. 'billing', 'treasury', 'api'. */
  source: string;
}

/** A newer billing export changed what the account owes. */
export interface BillingBalanceChanged {
  balanceCents: number;
  importId: string;
  /** ISO instant of the import. */
  importedAt: string;
}

/** Who asks: the API passes the signed-in user. */
export interface Actor {
  id: string;
  role: 'collector' | 'legal' | 'manager' | 'admin';
}

export interface CompleteTaskInput {
  taskId: string;
  actor: Actor;
  /** The task type's form (domain/tasks.ts); validated by the update validator. */
  form: unknown;
}

export interface CompleteTaskResult {
  taskId: string;
  type: TaskType;
  status: 'done';
}

export interface ProposeAgreementInput {
  actor: Actor;
  terms: AgreementTerms;
}

export interface ProposeAgreementResult {
  agreementId: string;
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}

export interface DisputeInput {
  actor: Actor;
  reason: string;
}

export interface ResolveDisputeInput {
  actor: Actor;
  /** upheld: the user was right (billing error) and the case closes; rejected: escalation resumes. */
  outcome: 'upheld' | 'rejected';
  note: string;
}

export interface ManagerActionInput {
  actor: Actor;
  reason: string;
}

export interface CloseCaseInput {
  actor: Actor;
  reason: Extract<CloseReason, 'written_off' | 'billing_error' | 'prescribed' | 'cancelled'>;
  note: string;
}

export interface ReassignInput {
  actor: Actor;
  collectorId: string;
}

export interface IrregularReconnectionInput {
  actor: Actor;
  /** ISO instant the field visit found the service reconnected without authorisation. */
  foundAt: string;
  note: string;
  /** Evidence: a photo (URL of an uploaded file) and where it was taken. */
  photoUrl?: string;
  gps?: { lat: number; lng: number };
  /** Seal found broken or missing, if any. */
  sealNumber?: string;
}

/** A remission (amnesty) campaign applied in bulk to open cases. */
export interface RemissionApplied {
  campaignId: string;
  /** Share of fines and fees waived, in basis points (10000 = 100 %). */
  finesWaiverBp: number;
  /** ISO instant. */
  appliedAt: string;
}

/**
 * How a queued notice ended, told by the outbox to the workflow that queued it (`Notice.workflowId`).
 * Delivered: the SMTP server or SMS gateway accepted it, or a letter was confirmed delivered.
 * Failed: that channel will not deliver it (refused, no address, letter returned).
 */
export interface NoticeOutcome {
  /** The `key` the workflow queued the notice with (activities/notices.ts QueueNotice). */
  key: string;
  channel: 'email' | 'sms' | 'letter';
  outcome: 'delivered' | 'failed';
  /** ISO instant of the delivery or failure. */
  at: string;
  reason?: string;
}

/** A manager changed the calendar in force (holidays decreed, local holidays): terms recount. */
export interface CalendarChanged {
  policyVersion: number;
  calendar: Policy['calendar'];
  /** ISO instant. */
  changedAt: string;
  by: string;
}

/** The legal unit records excepciones filed before a court (COA art. 329). */
export interface FileExceptionsInput {
  actor: Actor;
  /** LocalDate the debtor filed them. */
  filedOn: string;
  court: string;
  processNumber: string;
  grounds: string;
}

/** The court's ruling on the excepciones. */
export interface RuleExceptionsInput {
  actor: Actor;
  /** upheld: the debt falls and the case closes; partially: the debt is reduced; rejected: the coactiva resumes. */
  outcome: 'upheld' | 'partially_upheld' | 'rejected';
  /** LocalDate. */
  ruledOn: string;
  note: string;
  /** With partially_upheld: what the debtor still owes, in cents. */
  remainingBalanceCents?: number;
}

/** The debtor acknowledged the debt in writing: prescription starts again from that day. */
export interface AcknowledgeDebtInput {
  actor: Actor;
  /** LocalDate. */
  on: string;
  note: string;
}

export const caseViewQuery = defineQuery<CaseView>('caseView');
export const noticeOutcomeSignal = defineSignal<[NoticeOutcome]>('noticeOutcome');
/** Sent to every running case workflow and child when the calendar in force changes. */
export const calendarChangedSignal = defineSignal<[CalendarChanged]>('calendarChanged');
export const fileExceptionsUpdate = defineUpdate<void, [FileExceptionsInput]>('fileExceptions');
export const ruleExceptionsUpdate = defineUpdate<void, [RuleExceptionsInput]>('ruleExceptions');
export const acknowledgeDebtUpdate = defineUpdate<void, [AcknowledgeDebtInput]>('acknowledgeDebt');
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');
export const billingBalanceChangedSignal =
  defineSignal<[BillingBalanceChanged]>('billingBalanceChanged');
export const remissionAppliedSignal = defineSignal<[RemissionApplied]>('remissionApplied');

/** Completes a human task owned by this workflow (every case workflow, parent or child). */
export const completeTaskUpdate = defineUpdate<CompleteTaskResult, [CompleteTaskInput]>(
  'completeTask',
);
export const proposeAgreementUpdate = defineUpdate<ProposeAgreementResult, [ProposeAgreementInput]>(
  'proposeAgreement',
);
export const openDisputeUpdate = defineUpdate<void, [DisputeInput]>('openDispute');
export const resolveDisputeUpdate = defineUpdate<void, [ResolveDisputeInput]>('resolveDispute');
export const holdCaseUpdate = defineUpdate<void, [ManagerActionInput]>('holdCase');
export const resumeCaseUpdate = defineUpdate<void, [ManagerActionInput]>('resumeCase');
export const closeCaseUpdate = defineUpdate<void, [CloseCaseInput]>('closeCase');
export const reassignCaseUpdate = defineUpdate<void, [ReassignInput]>('reassignCase');
export const reportIrregularReconnectionUpdate = defineUpdate<void, [IrregularReconnectionInput]>(
  'reportIrregularReconnection',
);

// ---------------------------------------------------------------------------------------------
// Child workflows: what the parent passes in and gets back.

/** Facts every child needs about its case. */
export interface ChildContext {
  caseId: string;
  accountId: string;
  accountNumber: string;
  /** Parent workflow id (children signal it). */
  parentWorkflowId: string;
  policy: Policy;
  priority: number;
}

export interface AgreementWorkflowInput extends ChildContext {
  agreementId: string;
  terms: AgreementTerms;
  balanceCents: number;
  proposedBy: Actor;
  /** Set only by continue-as-new: the signed agreement being watched. */
  carried?: AgreementCarry;
}
/** What a signed agreement carries across continue-as-new (domain/agreement.ts AgreementWatch). */
export interface AgreementCarry {
  /** ISO instant of the signature. */
  signedAt: string;
  /** Down payment (number 0) and instalments, with what has been paid on each. Cents. */
  dues: { number: number; dueAt: string; amountCents: number; paidCents: number }[];
  /** References of the payments already applied. */
  appliedReferences: string[];
  /** Payments received and not yet applied. */
  pending: PaymentReceived[];
}
export type AgreementOutcome =
  | { outcome: 'rejected'; reason: string }
  | { outcome: 'not_signed'; reason: string }
  | { outcome: 'paid_off' }
  | { outcome: 'broken'; missedInstalment: number };

/** The agreement child tells its parent when the agreement is signed (in force). */
export const agreementSignedSignal = defineSignal<[{ agreementId: string }]>('agreementSigned');
/** The parent forwards payments to a running agreement. */
export const agreementPaymentSignal = defineSignal<[PaymentReceived]>('agreementPayment');

export interface SuspensionWorkflowInput extends ChildContext {
  holderName: string;
  address: string;
  balanceCents: number;
  /** Regularisation: service was found reconnected without authorisation; cut again at once. */
  recut?: { foundAt: string };
}
export type SuspensionOutcome =
  | { outcome: 'suspended'; performedAt: string; sealNumber: string }
  /** reason: the crew's, or 'protected', 'moratorium', 'notice_not_delivered', 'not_ordered'. */
  | { outcome: 'not_done'; reason: string };

export interface ReconnectionWorkflowInput extends ChildContext {
  address: string;
  /** Why service comes back: full payment or a signed agreement. */
  trigger: 'paid' | 'agreement';
  /** ISO instant of the payment or signature; the deadline counts from it. Default: child start. */
  triggeredAt?: string;
  /** Case stage to file the timeline events under. @default 'suspension' */
  stage?: CaseStage;
}
export type ReconnectionOutcome = {
  outcome: 'reconnected';
  performedAt: string;
  withinDeadline: boolean;
};

export interface CreditTitleWorkflowInput extends ChildContext {
  holderName: string;
  holderId: string;
  address: string;
  balanceCents: number;
  /** LocalDate from which interest accrues (the oldest due date). */
  interestFrom: string;
}
export type CreditTitleOutcome =
  | { outcome: 'unpaid'; titleNumber: string; notifiedAt: string }
  | { outcome: 'not_notified'; titleNumber: string };

/** A coactiva child tells its parent that the orden de pago was notified (terms run from it). */
export const paymentOrderNotifiedSignal =
  defineSignal<[{ number: string; notifiedAt: string; method: string }]>('paymentOrderNotified');

/** The parent tells a coactiva child that excepciones are pending before a court (pause) or ruled. */
export const exceptionsPendingSignal = defineSignal<[{ pending: boolean }]>('exceptionsPending');

/** The parent tells a credit-title child that a payment-facilities request paused the term. */
export const paymentFacilitiesSignal = defineSignal<[{ pending: boolean }]>('paymentFacilities');

export interface CoactivaWorkflowInput extends ChildContext {
  holderName: string;
  holderId: string;
  balanceCents: number;
  titleNumber: string;
}
export type CoactivaOutcome =
  | { outcome: 'uncollectible'; reason: string }
  /** The orden de pago could not be notified: nothing runs against the debtor. */
  | { outcome: 'not_notified'; paymentOrderNumber: string }
  | { outcome: 'embargo_recorded' }
  | { outcome: 'remate_recorded' };
