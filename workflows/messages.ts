/**
 * Every signal, query and update of the case workflow, typed once and imported by both the
 * workflow and its callers (API, intake). Changing a message's shape is a workflow change:
 * keep new fields optional so running cases keep replaying.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CaseStage, CaseState, CloseReason } from '../domain/case.js';

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
  policyVersion: number;
  /** Who opened it: a user id, or 'system' for intake. */
  openedBy: string;
  carried?: CaseState;
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
}

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

export const caseViewQuery = defineQuery<CaseView>('caseView');
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');
export const billingBalanceChangedSignal =
  defineSignal<[BillingBalanceChanged]>('billingBalanceChanged');
