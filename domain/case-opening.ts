/**
 * Which delinquent accounts open a case, and how urgent each case is. Pure: the caller
 * gathers the account's debt from billing data and passes the policy in force.
 */
import { calendarDaysBetween, type LocalDate } from './calendar.js';
import type { Policy } from './policy.js';

export const ACCOUNT_CATEGORIES = ['residencial', 'comercial', 'industrial', 'publica'] as const;
export type AccountCategory = (typeof ACCOUNT_CATEGORIES)[number];

export const PROTECTIONS = ['none', 'vulnerable', 'hospital', 'escuela'] as const;
/** Why an account may never be cut automatically (`none` = not protected). */
export type Protection = (typeof PROTECTIONS)[number];

/** What billing says an account owes, as of a date. */
export interface AccountDebt {
  category: AccountCategory;
  protection: Protection;
  /** Invoices past their due date with a balance left. */
  overdueInvoices: number;
  /** Sum of the balances of those invoices, in cents. */
  overdueBalanceCents: number;
  /** Due date of the oldest of them. */
  oldestDueOn: LocalDate;
  /** Broken promises to pay and broken agreements in earlier cases. @default 0 */
  brokenCommitments?: number;
}

/** The rule that made a case open, for the timeline. */
export type OpeningReason = 'overdue_invoices' | 'days_past_due' | 'balance';

export type CaseOpeningDecision =
  | {
      open: false;
      why: 'nothing_overdue' | 'below_floor' | 'below_thresholds';
      daysPastDue: number;
    }
  | {
      open: true;
      reasons: OpeningReason[];
      daysPastDue: number;
      /** 0–1000; higher means work it first. */
      priority: number;
      /** Protected accounts are never cut automatically (a manager decides). */
      protected: boolean;
    };

/** Applies the policy's case-opening rule (any threshold suffices) to one account. */
export function decideCaseOpening(
  debt: AccountDebt,
  policy: Pick<Policy, 'caseOpening' | 'priority'>,
  asOf: LocalDate,
): CaseOpeningDecision {
  const rule = policy.caseOpening;
  const daysPastDue = Math.max(0, calendarDaysBetween(debt.oldestDueOn, asOf));
  if (debt.overdueInvoices <= 0 || debt.overdueBalanceCents <= 0) {
    return { open: false, why: 'nothing_overdue', daysPastDue };
  }
  if (debt.overdueBalanceCents < rule.floorBalanceCents) {
    return { open: false, why: 'below_floor', daysPastDue };
  }
  const reasons: OpeningReason[] = [];
  if (debt.overdueInvoices >= rule.minOverdueInvoices) reasons.push('overdue_invoices');
  if (daysPastDue >= rule.minDaysPastDue) reasons.push('days_past_due');
  if (debt.overdueBalanceCents >= rule.minBalanceCents) reasons.push('balance');
  if (reasons.length === 0) return { open: false, why: 'below_thresholds', daysPastDue };
  return {
    open: true,
    reasons,
    daysPastDue,
    priority: priorityScore(debt, daysPastDue, policy.priority),
    protected: debt.protection !== 'none',
  };
}

/** Balance at which the amount factor saturates (USD 2,000). */
const AMOUNT_SATURATION_CENTS = 200_000;
/** Age at which the age factor saturates (one year). */
const AGE_SATURATION_DAYS = 360;

/**
 * Priority = amount × age × category × history (DOMAIN.md §1), scaled to 0–1000.
 * Amount and age grow logarithmically so that a huge debt does not drown every other case;
 * each factor keeps a floor so no dimension alone can zero the score.
 */
export function priorityScore(
  debt: Pick<AccountDebt, 'category' | 'overdueBalanceCents' | 'brokenCommitments'>,
  daysPastDue: number,
  weights: Policy['priority'],
): number {
  const amount =
    Math.log1p(Math.max(0, debt.overdueBalanceCents)) / Math.log1p(AMOUNT_SATURATION_CENTS);
  const age = Math.log1p(Math.max(0, daysPastDue)) / Math.log1p(AGE_SATURATION_DAYS);
  const maxCategory = Math.max(...Object.values(weights.categoryWeight));
  const category = weights.categoryWeight[debt.category] / maxCategory;
  const history = 1 + weights.brokenCommitmentWeight * (debt.brokenCommitments ?? 0);
  const raw =
    (0.2 + 0.8 * Math.min(1, amount)) * (0.2 + 0.8 * Math.min(1, age)) * category * history;
  return Math.round(1000 * Math.min(1, raw));
}
