/**
 * One long-running workflow per collections case. It holds the case state (domain/case.ts),
 * reacts to payments and billing updates, keeps the case list in PostgreSQL current through
 * the case-store activities, and closes itself when nothing is owed.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  applyBillingBalance,
  applyPayment,
  closeCase,
  openCaseState,
  type CaseState,
} from '../domain/case.js';
import type { CaseStoreActivities } from '../activities/case-store.js';
import {
  billingBalanceChangedSignal,
  caseViewQuery,
  paymentReceivedSignal,
  type BillingBalanceChanged,
  type CaseView,
  type CaseWorkflowInput,
  type PaymentReceived,
} from './messages.js';
import { CarteraBalanceCents, CarteraStage } from './search-attributes.js';

const store = proxyActivities<CaseStoreActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 50,
    nonRetryableErrorTypes: ['CaseConflict'],
  },
});

type Fact =
  | { kind: 'payment'; payment: PaymentReceived }
  | { kind: 'billing'; update: BillingBalanceChanged };

function view(s: CaseState): CaseView {
  return {
    caseId: s.caseId,
    accountNumber: s.accountNumber,
    stage: s.stage,
    status: s.status,
    balanceCents: s.balanceCents,
    openingBalanceCents: s.openingBalanceCents,
    paidCents: s.paidCents,
    paymentsApplied: s.paymentReferences.length,
    closeReason: s.closeReason,
    closedAt: s.closedAt,
  };
}

function nowIso(): string {
  return new Date().toISOString(); // deterministic inside workflows: workflow time
}

export async function caseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  let state = input.carried ?? openCaseState(input);
  const inbox: Fact[] = [];
  setHandler(caseViewQuery, () => view(state));
  setHandler(paymentReceivedSignal, (payment) => void inbox.push({ kind: 'payment', payment }));
  setHandler(billingBalanceChangedSignal, (update) => void inbox.push({ kind: 'billing', update }));

  if (!input.carried) {
    const opened = await store.recordCaseOpened({
      caseId: input.caseId,
      workflowId: workflowInfo().workflowId,
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
    // Billing may have changed between the opener's query and the case row (see BALANCE_LOCK_KEY).
    state = {
      ...state,
      balanceCents: opened.balanceCents,
      openingBalanceCents: opened.balanceCents,
    };
    if (state.balanceCents === 0) state = closeCase(state, 'paid', nowIso());
  }

  while (state.status === 'open') {
    await condition(() => inbox.length > 0 || workflowInfo().continueAsNewSuggested);
    const fact = inbox.shift();
    if (fact?.kind === 'payment') {
      const { state: next, outcome } = applyPayment(state, fact.payment);
      if (outcome.kind === 'duplicate') continue;
      state = next;
      await store.recordPayment({
        caseId: state.caseId,
        accountId: state.accountId,
        stage: state.stage,
        ...fact.payment,
        balanceBeforeCents: outcome.balanceBeforeCents,
        balanceAfterCents: state.balanceCents,
      });
      if (outcome.settles) state = closeCase(state, 'paid', nowIso());
    } else if (fact?.kind === 'billing') {
      const {
        state: next,
        changed,
        settles,
      } = applyBillingBalance(state, fact.update.balanceCents);
      if (!changed) continue;
      await store.recordBalanceChange({
        caseId: state.caseId,
        stage: state.stage,
        importId: fact.update.importId,
        balanceBeforeCents: state.balanceCents,
        balanceAfterCents: next.balanceCents,
        at: fact.update.importedAt,
      });
      state = settles ? closeCase(next, 'paid', nowIso()) : next;
    }
    upsertSearchAttributes([
      { key: CarteraBalanceCents, value: state.balanceCents },
      { key: CarteraStage, value: state.stage },
    ]);
    if (state.status === 'open' && inbox.length === 0 && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof caseWorkflow>({ ...input, carried: state });
    }
  }

  await store.recordCaseClosed({
    caseId: state.caseId,
    reason: state.closeReason ?? 'paid',
    closedAt: state.closedAt ?? nowIso(),
    balanceCents: state.balanceCents,
  });
  await condition(allHandlersFinished);
  return view(state);
}
