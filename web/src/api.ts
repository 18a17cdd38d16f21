// Typed fetch client for the Cartera API (same origin, relative URLs).
import type { TaskType as DomainTaskType } from '../../domain/tasks.js';
import type {
  ExceptionsView,
  RuleExceptionsInput as RuleExceptionsMessage,
} from '../../workflows/messages.js';
import { clearSession, getToken } from './session.js';

export type Role = 'collector' | 'legal' | 'manager' | 'admin';
export const STAGES = [
  'reminder',
  'agreement',
  'suspension',
  'credit_title',
  'coactiva',
  'closed',
] as const;
export type Stage = (typeof STAGES)[number];
export type CaseStatus = 'open' | 'closed';
/** Decimal string, e.g. "125.40". */
export type Money = string;
/** ISO 8601 timestamp or calendar date (YYYY-MM-DD). */
export type IsoDate = string;

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

export interface LoginResponse {
  token: string;
  user: User;
}

export interface CaseListItem {
  id: string;
  accountNumber: string;
  holderName: string;
  sector: string;
  route: string;
  category: string;
  stage: Stage;
  status: CaseStatus;
  priority: number;
  balance: Money;
  overdueInvoices: number;
  oldestDueOn: IsoDate | null;
  daysPastDue: number;
  protected: boolean;
  assignedCollector: { id: string; displayName: string } | null;
  openedAt: IsoDate;
}

export interface CaseListQuery {
  status?: CaseStatus | 'all' | '';
  stage?: Stage | '';
  sector?: string;
  q?: string;
  page?: number;
  pageSize?: number;
  sort?: string;
  /** Further /api/cases filters passed as they are (dashboard drill-downs: collectorId…). */
  extra?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface PortfolioSummary {
  openCases: number;
  balance: Money;
  byStage: { stage: Stage; count: number; balance: Money }[];
}

export interface Account {
  number: string;
  holderName: string;
  holderId: string | null;
  address: string | null;
  sector: string;
  route: string;
  category: string;
  phone: string | null;
  email: string | null;
  /** Reason the account is protected from automatic suspension, or null. */
  protection: string | null;
}

export interface Invoice {
  number: string;
  issuedOn: IsoDate;
  dueOn: IsoDate;
  amount: Money;
  balance: Money;
}

export interface CaseDetail extends CaseListItem {
  account: Account;
  invoices: Invoice[];
  closedAt: IsoDate | null;
  closeReason: string | null;
}

/** What the case workflow answers (GET /api/cases/:id `workflow`). */
export interface WorkflowState {
  stage: Stage;
  status: CaseStatus;
  balance: Money;
  paymentsApplied: number;
  service: CaseView['service'];
  prescribesOn: CaseView['prescribesOn'];
  exceptions: CaseView['exceptions'];
}

export interface CaseEvent {
  id: string;
  type: string;
  stage: Stage | null;
  occurredAt: IsoDate;
  actor: string | null;
  reason: string | null;
  data: Record<string, unknown> | null;
}

/** Actions a role may take on a case (GET /api/cases/:id `allowedActions`). */
export type CaseAction =
  'assign' | 'hold' | 'resume' | 'close' | 'dispute' | 'resolveDispute' | 'proposeAgreement';

export interface CaseResponse {
  case: CaseDetail;
  workflow: WorkflowState | null;
  events: CaseEvent[];
  temporalUiUrl: string | null;
  /** Newer API: links out of the app (Temporal Web UI of the case workflow). */
  links?: { temporal: string | null };
  /** Newer API: what the caller's role may do on this case now. */
  allowedActions?: CaseAction[];
}

export interface TimelineEvent {
  id: string;
  occurredAt: IsoDate;
  type: string;
  stage: Stage;
  actor: { id: string; kind: 'user' | 'system'; displayName: string };
  reason: string | null;
  data: unknown;
}

/** Every task type (domain/tasks.ts is the one list). */
export type TaskType = DomainTaskType;
export type TaskScope = 'mine' | 'team' | 'role';
export type TaskStatusFilter = 'open' | 'overdue' | 'done';

export interface TaskItem {
  id: string;
  type: TaskType;
  title: string;
  role: Role;
  status: 'open' | 'done' | 'cancelled';
  dueAt: IsoDate;
  overdue: boolean;
  escalated: boolean;
  priority: number;
  assignee: { id: string; displayName: string } | null;
  case: {
    id: string;
    accountNumber: string;
    holderName: string;
    stage: Stage;
    balance: Money;
    // Newer API (filters): optional until the backend sends them.
    sector?: string;
    route?: string | null;
    priority?: number;
    daysOverdue?: number;
  };
  payload: Record<string, unknown>;
  createdAt: IsoDate;
  completedAt: IsoDate | null;
}

export interface TaskList extends Page<TaskItem> {
  counts: { open: number; overdue: number };
}

export interface TaskListQuery {
  scope?: TaskScope | undefined;
  status?: TaskStatusFilter;
  type?: TaskType | undefined;
  caseId?: string | undefined;
  sector?: string | undefined;
  route?: string | undefined;
  stage?: Stage | undefined;
  amountMin?: Money | undefined;
  amountMax?: Money | undefined;
  sort?: 'due' | 'priority' | undefined;
  page?: number;
  pageSize?: number;
}

export interface TaskCompleted {
  taskId: string;
  type: TaskType;
  status: 'done';
}

export interface TaskAssignment {
  id: string;
  assignee: { id: string; displayName: string } | null;
}

export interface StaffUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  supervisorId: string | null;
  active: boolean;
}

export interface AgreementTermsInput {
  downPayment: Money;
  instalments: number;
  firstDueOn?: IsoDate;
}

export interface AgreementSimulation {
  caseId: string;
  policyVersion: number;
  balance: Money;
  downPayment: Money;
  financed: Money;
  interest: Money;
  total: Money;
  annualRateBp: number;
  schedule: {
    number: number;
    dueOn: IsoDate;
    principal: Money;
    interest: Money;
    amount: Money;
  }[];
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}

export interface AgreementProposal {
  agreementId: string;
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}

export type AgreementStatus = string;

export interface Agreement {
  id: string;
  caseId: string;
  status: AgreementStatus;
  total: Money;
  downPayment: Money;
  interest: Money;
  instalmentsCount: number;
  proposedBy: { id: string; displayName: string | null };
  approvedBy: { id: string; displayName: string | null } | null;
  notarised: boolean;
  createdAt: IsoDate;
  updatedAt: IsoDate;
  instalments: {
    number: number;
    dueOn: IsoDate;
    amount: Money;
    paid: Money;
    status: 'pending' | 'partial' | 'paid' | 'missed';
  }[];
}

export interface CaseActionResult {
  case: { caseId: string; stage: Stage; status: CaseStatus; onHold: boolean; disputed: boolean };
  assignedCollector: { id: string; displayName: string } | null;
}

export type CloseReason = 'written_off' | 'billing_error' | 'prescribed' | 'cancelled';
/**
 * The reasons a manager closes a case for (the close action's choices). `prescribed` is the
 * legal unit's: it declares it from the case's legal steps (POST /api/cases/:id/close too).
 */
export const CLOSE_REASONS: readonly CloseReason[] = ['written_off', 'billing_error', 'cancelled'];

/** How a court rules on excepciones (workflows/messages.ts RuleExceptionsInput). */
export type ExceptionsOutcome = RuleExceptionsMessage['outcome'];
export { EXCEPTIONS_OUTCOMES } from '../../domain/lifecycle.js';

/** The case as its workflow reports it (GET /api/cases/:id/view and every case action). */
export interface CaseView {
  caseId: string;
  accountNumber: string;
  stage: Stage;
  status: CaseStatus;
  balance: Money;
  openingBalance: Money;
  paid: Money;
  paymentsApplied: number;
  closeReason: string | null;
  closedAt: IsoDate | null;
  onHold: boolean;
  disputed: boolean;
  service: 'active' | 'suspended';
  agreementId: string | null;
  openTasks: { taskId: string; type: TaskType; role: string; dueAt: IsoDate }[];
  nextDeadline: { what: string; at: IsoDate } | null;
  /** Date the debt prescribes on, counting every interruption so far; null: not tracked. */
  prescribesOn: IsoDate | null;
  exceptions: (Omit<ExceptionsView, 'ruledOn'> & { ruledOn: IsoDate | null }) | null;
}

export interface CaseViewResult {
  case: CaseView;
  assignedCollector: { id: string; displayName: string } | null;
}

export interface IrregularReconnectionInput {
  /** ISO instant. */
  foundAt: string;
  note: string;
  photoUrl?: string;
  gps?: { lat: number; lng: number };
  sealNumber?: string;
}

export interface FileExceptionsInput {
  filedOn: IsoDate;
  court: string;
  processNumber: string;
  grounds: string;
}

export interface RuleExceptionsInput {
  outcome: ExceptionsOutcome;
  ruledOn: IsoDate;
  note: string;
  /** Only with partially_upheld. */
  remainingBalance?: Money;
}

export interface AcknowledgeDebtInput {
  on: IsoDate;
  note: string;
}

export type LegalStage = 'credit_title' | 'coactiva';

export interface LegalCase {
  case: {
    id: string;
    accountNumber: string;
    holderName: string;
    idNumber: string | null;
    stage: Stage;
    balance: Money;
    sector: string;
  };
  titleNumber: string | null;
  titleIssuedOn: IsoDate | null;
  titleValidatedOn: IsoDate | null;
  notifiedOn: IsoDate | null;
  notificationMethod: string | null;
  voluntaryTermEndsOn: IsoDate | null;
  paymentOrderOn: IsoDate | null;
  paymentOrderNumber: string | null;
  paymentOrderTermEndsOn: IsoDate | null;
  measures: { kind: string; orderedOn: IsoDate | null; number: string | null }[];
  nextDeadline: { label: string; on: IsoDate; businessDaysLeft: number } | null;
  openTasks: { id: string; type: TaskType; title: string; dueAt: IsoDate }[];
}

export type ImportStatus = 'running' | 'succeeded' | 'failed';

export interface ImportSummary {
  id: string;
  fileName: string;
  status: ImportStatus;
  rowsRead: number;
  goodRows: number;
  badRows: number;
  accountsUpserted: number;
  invoicesChanged: number;
  casesOpened: number;
  errorsTruncated: boolean;
  failure: string | null;
  startedAt: IsoDate;
  finishedAt: IsoDate | null;
}

export interface ImportLineError {
  line: number;
  field: string | null;
  message: string;
}

export interface ImportDetail extends ImportSummary {
  errors: ImportLineError[];
}

export interface ImportAccepted {
  id: string;
  status: ImportStatus;
}

export const DOCUMENT_KINDS = [
  'aviso_cobro',
  'aviso_previo_suspension',
  'orden_suspension',
  'orden_reconexion',
  'convenio_pago',
  'titulo_credito',
  'razon_notificacion',
  'orden_pago_inmediato',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** A legal document issued on a case (GET /api/cases/:id/documents). */
export interface CaseDocument {
  id: string;
  kind: DocumentKind;
  number: string;
  title: string;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  pages: number;
  createdAt: IsoDate;
  /** Where to download it (needs the Bearer token). */
  url: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** An error to show the user. `message` comes from the API when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, fields?: Record<string, string>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** status 0 = network failure; code 'http_error' = non-JSON error body. */
export const NETWORK_ERROR = 'network_error';
export const HTTP_ERROR = 'http_error';

let unauthorizedHandler: (() => void) | null = null;
/** Called on any 401 (except a failed login): the app goes back to sign-in. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const e = (body as { error: unknown }).error;
  return (
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
  );
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal | undefined;
  /** Skip the global 401 handler (login itself). */
  anonymous?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.form) {
    body = opts.form; // browser sets multipart boundary
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }

  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers,
      body: body ?? null,
      signal: opts.signal ?? null,
      credentials: 'same-origin',
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, NETWORK_ERROR, '');
  }

  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }

  if (!res.ok) {
    const err = isErrorBody(parsed)
      ? new ApiError(res.status, parsed.error.code, parsed.error.message, parsed.error.fields)
      : new ApiError(res.status, HTTP_ERROR, '');
    if (res.status === 401 && !opts.anonymous) {
      clearSession();
      unauthorizedHandler?.();
    }
    throw err;
  }
  return parsed as T;
}

/** A file the API sent (PDF, XLSX, CSV) with the name its Content-Disposition gives. */
export interface DownloadedFile {
  blob: Blob;
  fileName: string;
}

/** `attachment; filename="TC-2026-000001.pdf"` → the file name, or null. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain?.[1]?.trim() || null;
}

/**
 * GET a file with the session's Bearer token (a plain <a href> would not carry it), with the
 * same errors as request().
 */
export async function downloadFile(path: string, fallbackName: string): Promise<DownloadedFile> {
  const headers: Record<string, string> = { Accept: '*/*' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, NETWORK_ERROR, '');
  }
  if (!res.ok) {
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status === 401) {
      clearSession();
      unauthorizedHandler?.();
    }
    throw isErrorBody(parsed)
      ? new ApiError(res.status, parsed.error.code, parsed.error.message, parsed.error.fields)
      : new ApiError(res.status, HTTP_ERROR, '');
  }
  const blob = await res.blob();
  return {
    blob,
    fileName: fileNameFromDisposition(res.headers.get('content-disposition')) ?? fallbackName,
  };
}

/** Hand a downloaded file to the browser through a Blob URL and an <a download>. */
export function saveFile({ blob, fileName }: DownloadedFile): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function query(params: Record<string, string | number | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export const api = {
  login: (username: string, password: string) =>
    request<LoginResponse>('/api/auth/login', {
      method: 'POST',
      json: { username, password },
      anonymous: true,
    }),
  logout: () => request<unknown>('/api/auth/logout', { method: 'POST' }),

  listCases: (q: CaseListQuery, signal?: AbortSignal) =>
    request<Page<CaseListItem>>(
      `/api/cases${query({
        status: q.status ?? 'open',
        stage: q.stage ?? '',
        sector: q.sector ?? '',
        q: q.q ?? '',
        page: q.page ?? 1,
        pageSize: q.pageSize ?? 50,
        sort: q.sort ?? 'priority',
        ...q.extra,
      })}`,
      { signal },
    ),
  portfolioSummary: (signal?: AbortSignal) =>
    request<PortfolioSummary>('/api/portfolio/summary', { signal }),
  getCase: (id: string, signal?: AbortSignal) =>
    request<CaseResponse>(`/api/cases/${encodeURIComponent(id)}`, { signal }),

  caseDocuments: (id: string, signal?: AbortSignal) =>
    request<{ documents: CaseDocument[] }>(`/api/cases/${encodeURIComponent(id)}/documents`, {
      signal,
    }),
  documentPdf: (documentId: string, fallbackName: string) =>
    downloadFile(`/api/documents/${encodeURIComponent(documentId)}/pdf`, fallbackName),

  caseTimeline: (id: string, page = 1, signal?: AbortSignal) =>
    request<Page<TimelineEvent>>(
      `/api/cases/${encodeURIComponent(id)}/timeline${query({ page, pageSize: 200 })}`,
      { signal },
    ),
  assignCase: (id: string, collectorId: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/assign`, {
      json: { collectorId },
    }),
  holdCase: (id: string, reason: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/hold`, { json: { reason } }),
  resumeCase: (id: string, reason: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/resume`, {
      json: { reason },
    }),
  closeCase: (id: string, reason: CloseReason, note: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/close`, {
      json: { reason, note },
    }),
  openDispute: (id: string, reason: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/disputes`, {
      json: { reason },
    }),
  resolveDispute: (id: string, outcome: 'upheld' | 'rejected', note: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/disputes/resolve`, {
      json: { outcome, note },
    }),
  caseView: (id: string, signal?: AbortSignal) =>
    request<CaseViewResult>(`/api/cases/${encodeURIComponent(id)}/view`, { signal }),
  reportIrregularReconnection: (id: string, body: IrregularReconnectionInput) =>
    request<CaseViewResult>(`/api/cases/${encodeURIComponent(id)}/irregular-reconnection`, {
      json: body,
    }),
  fileExceptions: (id: string, body: FileExceptionsInput) =>
    request<CaseViewResult>(`/api/cases/${encodeURIComponent(id)}/exceptions`, { json: body }),
  ruleExceptions: (id: string, body: RuleExceptionsInput) =>
    request<CaseViewResult>(`/api/cases/${encodeURIComponent(id)}/exceptions/ruling`, {
      json: body,
    }),
  acknowledgeDebt: (id: string, body: AcknowledgeDebtInput) =>
    request<CaseViewResult>(`/api/cases/${encodeURIComponent(id)}/acknowledgement`, {
      json: body,
    }),
  declarePrescribed: (id: string, note: string) =>
    request<CaseActionResult>(`/api/cases/${encodeURIComponent(id)}/close`, {
      json: { reason: 'prescribed', note },
    }),

  listTasks: (q: TaskListQuery, signal?: AbortSignal) =>
    request<TaskList>(
      `/api/tasks${query({
        scope: q.scope,
        status: q.status ?? 'open',
        type: q.type,
        caseId: q.caseId,
        sector: q.sector,
        route: q.route,
        stage: q.stage,
        amountMin: q.amountMin,
        amountMax: q.amountMax,
        sort: q.sort,
        page: q.page ?? 1,
        pageSize: q.pageSize ?? 50,
      })}`,
      { signal },
    ),
  claimTask: (id: string) =>
    request<TaskAssignment>(`/api/tasks/${encodeURIComponent(id)}/claim`, { method: 'POST' }),
  releaseTask: (id: string) =>
    request<TaskAssignment>(`/api/tasks/${encodeURIComponent(id)}/release`, { method: 'POST' }),
  completeTask: (id: string, form: Record<string, unknown>) =>
    request<TaskCompleted>(`/api/tasks/${encodeURIComponent(id)}/complete`, { json: { form } }),

  listUsers: (role: Role, signal?: AbortSignal) =>
    request<{ items: StaffUser[] }>(`/api/users${query({ role })}`, { signal }),

  simulateAgreement: (caseId: string, terms: AgreementTermsInput, signal?: AbortSignal) =>
    request<AgreementSimulation>('/api/agreements/simulate', {
      json: { caseId, ...terms },
      signal,
    }),
  proposeAgreement: (caseId: string, terms: AgreementTermsInput) =>
    request<AgreementProposal>(`/api/cases/${encodeURIComponent(caseId)}/agreements`, {
      json: terms,
    }),
  caseAgreements: (caseId: string, signal?: AbortSignal) =>
    request<{ items: Agreement[] }>(`/api/cases/${encodeURIComponent(caseId)}/agreements`, {
      signal,
    }),
  approveAgreement: (id: string, note?: string) =>
    request<{ taskId: string; agreement: Agreement }>(
      `/api/agreements/${encodeURIComponent(id)}/approve`,
      { json: note ? { note } : {} },
    ),
  rejectAgreement: (id: string, reason: string) =>
    request<{ taskId: string; agreement: Agreement }>(
      `/api/agreements/${encodeURIComponent(id)}/reject`,
      { json: { reason } },
    ),

  legalCases: (stage: LegalStage, page: number, signal?: AbortSignal) =>
    request<Page<LegalCase>>(`/api/legal/cases${query({ stage, page, pageSize: 50 })}`, {
      signal,
    }),

  uploadPortfolio: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<ImportAccepted>('/api/imports/portfolio', { method: 'POST', form });
  },
  getImport: (id: string, signal?: AbortSignal) =>
    request<ImportDetail>(`/api/imports/${encodeURIComponent(id)}`, { signal }),
  listImports: (signal?: AbortSignal) =>
    request<{ items: ImportSummary[] }>('/api/imports', { signal }),
};
