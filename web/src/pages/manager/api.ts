// API calls and response types of the manager pages (contract items 2–5 of issue 5).
import { request } from '../../api.js';
import type { IsoDate, Money, Role, Stage } from '../../api.js';

/** Query params of /api/cases that list the cases behind a figure. */
export type Drill = Record<string, string | number | boolean | null>;

export interface Person {
  id: string;
  displayName: string;
}

export interface StaffUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  supervisorId: string | null;
  active: boolean;
}

export const AGING_BUCKETS = ['0-30', '31-60', '61-90', '91-180', '181-360', '361+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface Dashboard {
  period: { from: IsoDate; to: IsoDate };
  filters: { sector: string | null; collectorId: string | null };
  morosidad: { overdueBalance: Money; portfolioBalance: Money; index: number; drill: Drill };
  recovery: { recovered: Money; payments: number; byMonth: { month: string; amount: Money }[] };
  aging: { bucket: AgingBucket; cases: number; balance: Money; drill: Drill }[];
  funnel: { stage: Stage; cases: number; balance: Money; drill: Drill }[];
  agreements: {
    active: number;
    paidOff: number;
    broken: number;
    complianceRate: number | null;
    drill: Drill;
  };
  promises: { kept: number; broken: number; keptRate: number | null };
  reconnection: { count: number; avgHours: number | null; maxHours: number | null };
  productivity: {
    collector: Person;
    openCases: number;
    tasksDone: number;
    contacts: number;
    promises: number;
    recovered: Money;
    drill: Drill;
  }[];
}

export interface DashboardQuery {
  from: string;
  to: string;
  sector: string;
  collectorId: string;
}

export interface PortfolioRow {
  sector: string;
  route: string | null;
  collector: Person | null;
  openCases: number;
  balance: Money;
}

/** PUT /api/portfolios answer: the row, and what happened to its open cases when asked to move. */
export interface PortfolioAssigned extends PortfolioRow {
  reassignment: { moved: number; failed: { caseId: string; message: string }[] } | null;
}

export interface PortfolioAssignment {
  sector: string;
  route?: string | null;
  collectorId: string | null;
  reassignOpenCases: boolean;
}

export const WAITING_PERIOD_UNITS = [
  'businessDays',
  'calendarDays',
  'hours',
  'minutes',
  'seconds',
] as const;
export type WaitingPeriodUnit = (typeof WAITING_PERIOD_UNITS)[number];
export interface WaitingPeriod {
  amount: number;
  unit: WaitingPeriodUnit;
}

export const LEGAL_ROUTES = ['COA', 'CODIGO_TRIBUTARIO'] as const;
export type LegalRoute = (typeof LEGAL_ROUTES)[number];

/** Mirror of `Policy` in domain/policy.ts (money in cents, rates in basis points). */
export interface Policy {
  legalRoute: LegalRoute;
  bceReferenceAnnualRateBp: number;
  calendar: { extraHolidays: string[]; removedHolidays: string[] };
  caseOpening: {
    minOverdueInvoices: number;
    minDaysPastDue: number;
    minBalanceCents: number;
    floorBalanceCents: number;
  };
  priority: {
    categoryWeight: { residencial: number; comercial: number; industrial: number; publica: number };
    brokenCommitmentWeight: number;
  };
  reminder: {
    notices: number;
    interval: WaitingPeriod;
    contactTaskSla: WaitingPeriod;
    promiseGrace: WaitingPeriod;
  };
  agreement: {
    minDownPaymentBp: number;
    maxInstalments: number;
    managerApprovalAboveCents: number;
    notarisedSignatureAboveCents: number;
    instalmentGrace: WaitingPeriod;
    interestMultiplierBp: { COA: number; CODIGO_TRIBUTARIO: number };
    instalmentInterval: WaitingPeriod;
  };
  suspension: {
    afterReminderFor: WaitingPeriod;
    priorNotice: WaitingPeriod;
    fieldTaskSla: WaitingPeriod;
    reconnectionDeadline: WaitingPeriod;
    suspensionFeeCents: number;
    reconnectionFeeCents: number;
    irregularReconnectionFineCents: number;
  };
  creditTitle: {
    afterSuspensionFor: WaitingPeriod;
    validationTaskSla: WaitingPeriod;
    voluntaryPaymentTerm: WaitingPeriod;
  };
  coactiva: {
    paymentOrderTerm: WaitingPeriod;
    exceptionsTerm: WaitingPeriod;
    legalTaskSla: WaitingPeriod;
  };
  tasks: { escalateOverdueAfter: WaitingPeriod };
}

export interface PolicyVersionInfo {
  version: number;
  createdAt: IsoDate;
  createdBy: string | null;
  note: string | null;
}

export interface PolicyVersion extends PolicyVersionInfo {
  policy: Policy;
}

/** Only the values that change; nested like the policy. */
export type PolicyPatch = Record<string, unknown>;

function qs(params: Record<string, string>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '') sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export const managerApi = {
  dashboard: (q: DashboardQuery, signal?: AbortSignal) =>
    request<Dashboard>(`/api/dashboard${qs({ ...q })}`, { signal }),
  users: (role: Role, signal?: AbortSignal) =>
    request<{ items: StaffUser[] }>(`/api/users${qs({ role })}`, { signal }),
  portfolios: (signal?: AbortSignal) =>
    request<{ items: PortfolioRow[] }>('/api/portfolios', { signal }),
  assignPortfolio: (body: PortfolioAssignment) =>
    request<PortfolioAssigned>('/api/portfolios', { method: 'PUT', json: body }),
  policy: (signal?: AbortSignal) => request<PolicyVersion>('/api/policy', { signal }),
  policyVersions: (signal?: AbortSignal) =>
    request<{ items: PolicyVersionInfo[] }>('/api/policy/versions', { signal }),
  updatePolicy: (policy: PolicyPatch, note: string) =>
    request<PolicyVersion>('/api/policy', { method: 'PUT', json: { policy, note } }),
};
