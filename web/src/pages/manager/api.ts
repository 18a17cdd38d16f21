// API calls and response types of the manager pages (contract items 2–5 of issue 5).
import type { WaitingPeriod } from '../../../../domain/calendar.js';
import type { Policy as DomainPolicy } from '../../../../domain/policy.js';
import { downloadFile, request } from '../../api.js';
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

export { WAITING_PERIOD_UNITS } from '../../../../domain/calendar.js';
export type WaitingPeriodUnit = WaitingPeriod['unit'];
export type { WaitingPeriod };

export const LEGAL_ROUTES = ['COA', 'CODIGO_TRIBUTARIO'] as const;
export type LegalRoute = (typeof LEGAL_ROUTES)[number];

/** The policy document (domain/policy.ts; money in cents, rates in basis points). */
export type Policy = DomainPolicy;
export type LocalHoliday = Policy['calendar']['localHolidays'][number];

export interface PolicyVersionInfo {
  version: number;
  createdAt: IsoDate;
  createdBy: string | null;
  note: string | null;
}

export interface PolicyVersion extends PolicyVersionInfo {
  policy: Policy;
}

/** PUT /api/policy: the new version, and how running cases are told of a calendar change. */
export interface PolicySaved extends PolicyVersion {
  runningCasesTold?: {
    method: 'batch' | 'list';
    jobId: string;
    /** Null when they could not be counted. */
    workflows: number | null;
  } | null;
}

/** Only the values that change; nested like the policy. */
export type PolicyPatch = Record<string, unknown>;

export const NOTICE_STATUSES = ['queued', 'sent', 'failed'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];
export const NOTICE_CHANNELS = ['email', 'sms', 'letter'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/** A row of the notice outbox (GET /api/notices). */
export interface Notice {
  id: string;
  caseId: string;
  /** Sent by newer APIs only; the case link falls back to a generic text. */
  accountNumber?: string;
  kind: string;
  channel: NoticeChannel;
  recipient: string;
  subject: string;
  body: string;
  status: NoticeStatus;
  attempts: number;
  lastError: string | null;
  createdAt: IsoDate;
  sentAt: IsoDate | null;
}

export interface NoticePage {
  items: Notice[];
  total: number;
  page: number;
  pageSize: number;
  counts: Record<NoticeStatus, number>;
}

export interface NoticeQuery {
  status: NoticeStatus | '';
  channel: NoticeChannel | '';
  caseId: string;
  page: number;
}

/** The dashboard's reports as files (GET /api/reports/:name.xlsx|csv). */
export const REPORT_NAMES = [
  'cartera',
  'morosidad',
  'antiguedad',
  'embudo',
  'recuperacion',
  'recuperacion-sectores',
  'recuperacion-gestores',
  'productividad',
  'compromisos',
  'rodamiento',
  'suspensiones',
  'titulos-coactivas',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];
export type ReportFormat = 'xlsx' | 'csv';
/** «cartera» has several tables: the API gives it only as XLSX. */
export const XLSX_ONLY: readonly ReportName[] = ['cartera'];

/** A scheduled report (Temporal Schedule) as GET /api/schedules lists it. */
export interface ReportSchedule {
  id: string;
  title: string;
  description: string;
  /** Null when the schedule is not a single cron expression. */
  cron: string | null;
  timezone: string;
  paused: boolean;
  note?: string | null;
  nextRunAt: IsoDate | null;
  lastRunAt: IsoDate | null;
  lastResult: string | null;
  recipients: string[];
}

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
  notices: (q: NoticeQuery, signal?: AbortSignal) =>
    request<NoticePage>(
      `/api/notices${qs({
        status: q.status,
        channel: q.channel,
        caseId: q.caseId,
        page: String(q.page),
        pageSize: '50',
      })}`,
      { signal },
    ),
  retryNotice: (id: string) =>
    request<Notice>(`/api/notices/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
  report: (name: ReportName, format: ReportFormat, q: DashboardQuery) =>
    downloadFile(`/api/reports/${name}.${format}${qs({ ...q })}`, `${name}.${format}`),
  schedules: (signal?: AbortSignal) =>
    request<{ items: ReportSchedule[] }>('/api/schedules', { signal }),
  updateSchedule: (id: string, body: { cron?: string; paused?: boolean }) =>
    request<ReportSchedule>(`/api/schedules/${encodeURIComponent(id)}`, {
      method: 'PUT',
      json: body,
    }),
  triggerSchedule: (id: string) =>
    request<{ id: string; triggeredAt: IsoDate }>(
      `/api/schedules/${encodeURIComponent(id)}/trigger`,
      { method: 'POST' },
    ),
  updatePolicy: (policy: PolicyPatch, note: string) =>
    request<PolicySaved>('/api/policy', { method: 'PUT', json: { policy, note } }),
};
