// Printed letters (#/letters): what waits to be printed by sector/route, the batches printed
// with their PDF, and the confirmation of a batch from its signed delivery list
// (#/letters/<batch id>). API: /api/letters/* (docs/letters.md).
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, downloadFile, request, saveFile } from '../api.js';
import type { User } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Loading } from '../components/Loading.js';
import { Pagination } from '../components/Pagination.js';
import { formatDateTime, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { localDateTimeToIso, nowLocalDateTime } from '../tasks/taskForms.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';
import { NON_DELIVERY_REASONS } from '../../../documents/letter-delivery.js';
import type { NonDeliveryReason } from '../../../documents/letter-delivery.js';

// Shapes of the answers of /api/letters/* (api/routes/letters.ts).
type LetterStatus = 'queued' | 'printed' | 'sent' | 'failed' | 'withdrawn';
type Counts = Record<LetterStatus, number>;

interface PendingGroup {
  sector: string;
  route: string;
  letters: number;
  oldestAt: string;
}

interface BatchSummary {
  id: string;
  number: string;
  sector: string | null;
  route: string | null;
  createdAt: string;
  createdBy: { id: string; displayName: string } | null;
  notifier: string | null;
  confirmedAt: string | null;
  letters: number;
  counts: Counts;
  pages: number;
  sizeBytes: number;
  sha256: string;
  pdfUrl: string;
}

interface BatchLetter {
  id: string;
  position: number;
  caseId: string;
  accountNumber: string;
  holderName: string;
  address: string;
  sector: string;
  route: string;
  kind: string;
  subject: string;
  status: LetterStatus;
  deliveredAt: string | null;
  lastError: string | null;
  confirmable: boolean;
}

interface BatchDetail extends BatchSummary {
  items: BatchLetter[];
}

const lettersApi = {
  pending: (signal: AbortSignal) =>
    request<{ groups: PendingGroup[]; total: number }>('/api/letters/pending', { signal }),
  batches: (status: string, page: number, signal: AbortSignal) =>
    request<{ items: BatchSummary[]; total: number; page: number; pageSize: number }>(
      `/api/letters/batches?${new URLSearchParams({ status, page: String(page) }).toString()}`,
      { signal },
    ),
  batch: (id: string, signal?: AbortSignal) =>
    request<BatchDetail>(`/api/letters/batches/${encodeURIComponent(id)}`, { signal }),
  print: (group: { sector?: string; route?: string }) =>
    request<BatchDetail>('/api/letters/batches', { method: 'POST', json: group }),
  confirm: (id: string, body: unknown) =>
    request<BatchDetail>(`/api/letters/batches/${encodeURIComponent(id)}/confirmation`, {
      method: 'POST',
      json: body,
    }),
};

const BATCH_FILTERS = ['all', 'open', 'done'] as const;
type BatchFilter = (typeof BATCH_FILTERS)[number];

/** "#/letters" (lists) or "#/letters/<id>" (one batch and its confirmation). */
export function LettersPage({
  batchId,
  params,
}: {
  batchId: string | null;
  params: URLSearchParams;
  user: User;
}) {
  return batchId ? <BatchView key={batchId} id={batchId} /> : <LettersHome params={params} />;
}

function groupLabel(
  t: ReturnType<typeof useI18n>['t'],
  sector: string | null,
  route: string | null,
): string {
  if (!sector) return t('letters.group.all');
  return route
    ? t('letters.group.route', { sector, route })
    : t('letters.group.sector', { sector });
}

function PdfButton({ batch }: { batch: Pick<BatchSummary, 'pdfUrl' | 'number'> }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      saveFile(await downloadFile(batch.pdfUrl, `${batch.number}-lote-de-cartas.pdf`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary btn-small"
        aria-busy={busy || undefined}
        onClick={() => void download()}
        data-testid="letters-pdf"
      >
        {busy ? t('documents.downloading') : t('documents.download')}
        <span className="visually-hidden"> {batch.number}</span>
      </button>
      <ErrorAlert error={error} />
    </>
  );
}

function LettersHome({ params }: { params: URLSearchParams }) {
  const { t, locale } = useI18n();
  useTitle(t('letters.title'));
  const filterParam = params.get('status');
  const filter: BatchFilter = (BATCH_FILTERS as readonly string[]).includes(filterParam ?? '')
    ? (filterParam as BatchFilter)
    : 'all';
  const pageParam = Number(params.get('page') ?? '1');
  const page = Number.isInteger(pageParam) && pageParam > 0 ? pageParam : 1;
  const pending = useLoad((signal) => lettersApi.pending(signal), 'pending');
  const batches = useLoad(
    (signal) => lettersApi.batches(filter, page, signal),
    `${filter}:${page}`,
  );
  const [printing, setPrinting] = useState<string | null>(null);
  const [printed, setPrinted] = useState<BatchDetail | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function print(key: string, group: { sector?: string; route?: string }) {
    if (printing) return;
    setPrinting(key);
    setError(null);
    setPrinted(null);
    try {
      setPrinted(await lettersApi.print(group));
      pending.reload();
      batches.reload();
    } catch (err) {
      setError(err);
    } finally {
      setPrinting(null);
    }
  }

  const goList = (q: { status?: BatchFilter; page?: number }) =>
    navigate(
      href('/letters', {
        status: (q.status ?? filter) === 'all' ? undefined : (q.status ?? filter),
        page: q.page && q.page > 1 ? q.page : undefined,
      }),
    );

  return (
    <div>
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('letters.title')}</h1>
          <p className="muted">{t('letters.intro')}</p>
        </div>
      </div>

      <div role="status" aria-live="polite" data-testid="letters-status">
        {printed && (
          <div className="alert alert-success">
            <p>
              {t('letters.printed', { number: printed.number, count: printed.letters })}{' '}
              <a href={href(`/letters/${printed.id}`)}>{t('letters.openBatch')}</a>
            </p>
            <PdfButton batch={printed} />
          </div>
        )}
      </div>
      <ErrorAlert error={error} />

      <section className="card" aria-labelledby="letters-pending-title">
        <h2 id="letters-pending-title">{t('letters.pending.title')}</h2>
        <ErrorAlert error={pending.error} onRetry={pending.reload} />
        {pending.loading && !pending.data && <Loading />}
        {pending.data &&
          (pending.data.groups.length === 0 ? (
            <p className="empty">{t('letters.pending.empty')}</p>
          ) : (
            <>
              <p className="muted">
                {t('letters.pending.total', { count: pending.data.total })}{' '}
                <button
                  type="button"
                  className="btn btn-secondary btn-small"
                  disabled={printing !== null}
                  aria-busy={printing === '*' || undefined}
                  onClick={() => void print('*', {})}
                  data-testid="letters-print-all"
                >
                  {printing === '*' ? t('letters.printing') : t('letters.printAll')}
                </button>
              </p>
              <div
                className="table-wrap"
                tabIndex={0}
                role="region"
                aria-labelledby="letters-pending-title"
              >
                <table className="table" data-testid="letters-pending">
                  <caption className="visually-hidden">{t('letters.pending.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('letters.col.sector')}</th>
                      <th scope="col">{t('letters.col.route')}</th>
                      <th scope="col" className="num">
                        {t('letters.col.letters')}
                      </th>
                      <th scope="col">{t('letters.col.oldest')}</th>
                      <th scope="col">
                        <span className="visually-hidden">{t('letters.col.action')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {pending.data.groups.map((g) => {
                      const key = `${g.sector}\u0000${g.route}`;
                      return (
                        <tr key={key} data-testid="letters-pending-row">
                          <td>{g.sector}</td>
                          <td>{g.route}</td>
                          <td className="num">{formatNumber(g.letters, locale)}</td>
                          <td>{formatDateTime(g.oldestAt, locale)}</td>
                          <td>
                            <button
                              type="button"
                              className="btn btn-primary btn-small"
                              disabled={printing !== null}
                              aria-busy={printing === key || undefined}
                              onClick={() => void print(key, { sector: g.sector, route: g.route })}
                              data-testid="letters-print"
                            >
                              {printing === key ? t('letters.printing') : t('letters.print')}
                              <span className="visually-hidden">
                                {' '}
                                {groupLabel(t, g.sector, g.route)}
                              </span>
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </>
          ))}
      </section>

      <section className="card" aria-labelledby="letters-batches-title">
        <h2 id="letters-batches-title">{t('letters.batches.title')}</h2>
        <fieldset className="segmented">
          <legend>{t('letters.batches.filter')}</legend>
          {BATCH_FILTERS.map((f) => (
            <label key={f}>
              <input
                type="radio"
                name="letters-filter"
                checked={filter === f}
                onChange={() => goList({ status: f, page: 1 })}
              />
              <span>{t(`letters.batches.filter.${f}`)}</span>
            </label>
          ))}
        </fieldset>
        <ErrorAlert error={batches.error} onRetry={batches.reload} />
        {batches.loading && !batches.data && <Loading />}
        {batches.data &&
          (batches.data.items.length === 0 ? (
            <p className="empty">{t('letters.batches.empty')}</p>
          ) : (
            <div
              className="table-wrap"
              tabIndex={0}
              role="region"
              aria-labelledby="letters-batches-title"
            >
              <table className="table" data-testid="letters-batches">
                <caption className="visually-hidden">{t('letters.batches.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('letters.col.batch')}</th>
                    <th scope="col">{t('letters.col.group')}</th>
                    <th scope="col">{t('letters.col.printedAt')}</th>
                    <th scope="col" className="num">
                      {t('letters.col.letters')}
                    </th>
                    {(['printed', 'sent', 'failed', 'withdrawn'] as const).map((s) => (
                      <th key={s} scope="col" className="num">
                        {t(`letters.status.${s}`)}
                      </th>
                    ))}
                    <th scope="col">{t('letters.col.pdf')}</th>
                  </tr>
                </thead>
                <tbody>
                  {batches.data.items.map((b) => (
                    <tr key={b.id} data-testid="letters-batch-row">
                      <td>
                        <a href={href(`/letters/${b.id}`)}>{b.number}</a>
                      </td>
                      <td>{groupLabel(t, b.sector, b.route)}</td>
                      <td>{formatDateTime(b.createdAt, locale)}</td>
                      <td className="num">{formatNumber(b.letters, locale)}</td>
                      {(['printed', 'sent', 'failed', 'withdrawn'] as const).map((s) => (
                        <td key={s} className="num">
                          {formatNumber(b.counts[s], locale)}
                        </td>
                      ))}
                      <td>
                        <PdfButton batch={b} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        {batches.data && batches.data.total > batches.data.pageSize && (
          <Pagination
            page={batches.data.page}
            pageSize={batches.data.pageSize}
            total={batches.data.total}
            onPage={(p) => goList({ page: p })}
          />
        )}
      </section>
    </div>
  );
}

type Outcome = '' | 'delivered' | 'not_delivered';
interface RowForm {
  outcome: Outcome;
  /** datetime-local; empty: the delivery date of the whole sheet. */
  at: string;
  reason: NonDeliveryReason | '';
  note: string;
}
const EMPTY_ROW: RowForm = { outcome: '', at: '', reason: '', note: '' };

function BatchView({ id }: { id: string }) {
  const { t, tv, locale } = useI18n();
  const batch = useLoad((signal) => lettersApi.batch(id, signal), id);
  const data = batch.data;
  useTitle(data ? `${t('letters.batch.title')} ${data.number}` : t('letters.title'));
  const [notifier, setNotifier] = useState('');
  const [deliveredAt, setDeliveredAt] = useState(() => nowLocalDateTime());
  const [rows, setRows] = useState<Record<string, RowForm>>({});
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);

  const rowOf = (letterId: string) => rows[letterId] ?? EMPTY_ROW;
  const setRow = (letterId: string, patch: Partial<RowForm>) =>
    setRows((r) => ({ ...r, [letterId]: { ...(r[letterId] ?? EMPTY_ROW), ...patch } }));

  const open = data?.items.filter((l) => l.confirmable) ?? [];
  const chosen = open.filter((l) => rowOf(l.id).outcome !== '');

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!data || saving) return;
    const local: Record<string, string> = {};
    if (!notifier.trim()) local.notifier = t('letters.confirm.notifierRequired');
    if (chosen.length === 0) local.letters = t('letters.confirm.noneChosen');
    for (const l of chosen) {
      const r = rowOf(l.id);
      if (r.outcome === 'not_delivered' && !r.reason)
        local[`row.${l.id}.reason`] = t('letters.confirm.reasonRequired');
      if (r.reason === 'other' && !r.note.trim())
        local[`row.${l.id}.note`] = t('letters.confirm.noteRequired');
    }
    setFieldErrors(local);
    setSaved(null);
    setError(null);
    if (Object.keys(local).length > 0) return;
    setSaving(true);
    try {
      const body = {
        notifier: notifier.trim(),
        deliveredAt: localDateTimeToIso(deliveredAt),
        letters: chosen.map((l) => {
          const r = rowOf(l.id);
          return {
            noticeId: l.id,
            outcome: r.outcome,
            ...(r.at ? { at: localDateTimeToIso(r.at) } : {}),
            ...(r.outcome === 'not_delivered' && r.reason ? { reason: r.reason } : {}),
            ...(r.outcome === 'not_delivered' && r.note.trim() ? { note: r.note.trim() } : {}),
          };
        }),
      };
      await lettersApi.confirm(data.id, body);
      setSaved(t('letters.confirm.saved', { count: chosen.length }));
      setRows({});
      batch.reload();
    } catch (err) {
      // The server names fields by position in what was sent: put them back on their rows.
      const fields = (err as { fields?: Record<string, string> }).fields ?? {};
      const mapped: Record<string, string> = {};
      for (const [path, msg] of Object.entries(fields)) {
        const m = /^letters\.(\d+)\.(\w+)$/.exec(path);
        const letter = m ? chosen[Number(m[1])] : undefined;
        mapped[letter && m ? `row.${letter.id}.${m[2]}` : path] = msg;
      }
      setFieldErrors(mapped);
      // The fields are shown on their rows; the alert keeps the message only.
      setError(err instanceof ApiError ? new ApiError(err.status, err.code, err.message) : err);
    } finally {
      setSaving(false);
    }
  }

  const rowError = (letterId: string) =>
    Object.entries(fieldErrors)
      .filter(([k]) => k.startsWith(`row.${letterId}.`))
      .map(([, v]) => v)
      .join(' ');

  return (
    <div>
      <p>
        <a href={href('/letters')}>{t('common.back')}</a>
      </p>
      <ErrorAlert error={batch.error} onRetry={batch.reload} />
      {batch.loading && !data && <Loading />}
      {data && (
        <>
          <div className="page-head">
            <div>
              <h1 tabIndex={-1}>
                {t('letters.batch.title')} {data.number}
              </h1>
              <p className="muted">
                {groupLabel(t, data.sector, data.route)} ·{' '}
                {t('letters.batch.printedBy', {
                  date: formatDateTime(data.createdAt, locale),
                  name: data.createdBy?.displayName ?? '—',
                })}
                {data.notifier && ` · ${t('letters.batch.notifier', { name: data.notifier })}`}
              </p>
            </div>
            <PdfButton batch={data} />
          </div>
          <ul className="task-counts" aria-label={t('letters.batch.counts')}>
            {(['printed', 'sent', 'failed', 'withdrawn'] as const).map((s) => (
              <li key={s}>
                {t(`letters.status.${s}`)}:{' '}
                <span className="count-value">{formatNumber(data.counts[s], locale)}</span>
              </li>
            ))}
          </ul>

          <form
            className="card"
            onSubmit={(e) => void submit(e)}
            noValidate
            data-testid="letters-confirm"
          >
            <h2>{t('letters.confirm.title')}</h2>
            <p className="muted">{t('letters.confirm.intro')}</p>
            <div className="filters">
              <div className="field">
                <label htmlFor="letters-notifier">{t('letters.confirm.notifier')}</label>
                <input
                  id="letters-notifier"
                  value={notifier}
                  onChange={(e) => setNotifier(e.target.value)}
                  aria-invalid={fieldErrors.notifier ? true : undefined}
                  aria-describedby={fieldErrors.notifier ? 'letters-notifier-error' : undefined}
                  autoComplete="name"
                  maxLength={150}
                />
                {fieldErrors.notifier && (
                  <p className="field-error" id="letters-notifier-error">
                    {fieldErrors.notifier}
                  </p>
                )}
              </div>
              <div className="field">
                <label htmlFor="letters-delivered-at">{t('letters.confirm.deliveredAt')}</label>
                <input
                  id="letters-delivered-at"
                  type="datetime-local"
                  value={deliveredAt}
                  onChange={(e) => setDeliveredAt(e.target.value)}
                />
              </div>
              {open.length > 0 && (
                <div className="filter-actions">
                  <button
                    type="button"
                    className="btn btn-secondary"
                    onClick={() => {
                      for (const l of open)
                        if (rowOf(l.id).outcome === '') setRow(l.id, { outcome: 'delivered' });
                    }}
                    data-testid="letters-all-delivered"
                  >
                    {t('letters.confirm.allDelivered')}
                  </button>
                </div>
              )}
            </div>
            {fieldErrors.letters && <p className="field-error">{fieldErrors.letters}</p>}

            <div
              className="table-wrap"
              tabIndex={0}
              role="region"
              aria-label={t('letters.confirm.table')}
            >
              <table className="table" data-testid="letters-sheet">
                <caption className="visually-hidden">{t('letters.confirm.table')}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">{t('letters.col.account')}</th>
                    <th scope="col">{t('letters.col.holder')}</th>
                    <th scope="col">{t('letters.col.address')}</th>
                    <th scope="col">{t('letters.col.kind')}</th>
                    <th scope="col">{t('letters.col.status')}</th>
                    <th scope="col">{t('letters.col.outcome')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((l) => {
                    const r = rowOf(l.id);
                    const err = rowError(l.id);
                    const name = `outcome-${l.id}`;
                    return (
                      <tr
                        key={l.id}
                        data-testid="letters-sheet-row"
                        data-status={l.status}
                        className={err ? 'row-overdue' : undefined}
                      >
                        <td className="num">{l.position}</td>
                        <td>
                          <a href={href(`/cases/${l.caseId}`)}>{l.accountNumber}</a>
                        </td>
                        <td>{l.holderName}</td>
                        <td>{l.address}</td>
                        <td>{tv('noticeKind', l.kind)}</td>
                        <td>
                          <span className="badge">{t(`letters.status.${l.status}`)}</span>
                          {l.deliveredAt && (
                            <div className="muted">{formatDateTime(l.deliveredAt, locale)}</div>
                          )}
                          {l.lastError && <div className="muted">{l.lastError}</div>}
                        </td>
                        <td>
                          {l.confirmable ? (
                            <fieldset className="choice" style={{ margin: 0 }}>
                              <legend>
                                <span className="visually-hidden">
                                  {t('letters.confirm.outcomeOf', {
                                    position: l.position,
                                    account: l.accountNumber,
                                  })}
                                </span>
                              </legend>
                              {(['', 'delivered', 'not_delivered'] as const).map((o) => (
                                <label key={o || 'none'} className="choice-option">
                                  <input
                                    type="radio"
                                    name={name}
                                    checked={r.outcome === o}
                                    onChange={() => setRow(l.id, { outcome: o })}
                                  />
                                  {t(`letters.outcome.${o || 'none'}`)}
                                </label>
                              ))}
                              {r.outcome !== '' && (
                                <div className="field">
                                  <label htmlFor={`at-${l.id}`}>{t('letters.confirm.at')}</label>
                                  <input
                                    id={`at-${l.id}`}
                                    type="datetime-local"
                                    value={r.at}
                                    onChange={(e) => setRow(l.id, { at: e.target.value })}
                                  />
                                </div>
                              )}
                              {r.outcome === 'not_delivered' && (
                                <>
                                  <div className="field">
                                    <label htmlFor={`reason-${l.id}`}>
                                      {t('letters.confirm.reason')}
                                    </label>
                                    <select
                                      id={`reason-${l.id}`}
                                      value={r.reason}
                                      onChange={(e) =>
                                        setRow(l.id, {
                                          reason: e.target.value as NonDeliveryReason | '',
                                        })
                                      }
                                    >
                                      <option value="">{t('letters.confirm.reasonChoose')}</option>
                                      {NON_DELIVERY_REASONS.map((reason) => (
                                        <option key={reason} value={reason}>
                                          {t(`letters.reason.${reason}`)}
                                        </option>
                                      ))}
                                    </select>
                                  </div>
                                  <div className="field">
                                    <label htmlFor={`note-${l.id}`}>
                                      {t('letters.confirm.note')}
                                    </label>
                                    <input
                                      id={`note-${l.id}`}
                                      value={r.note}
                                      maxLength={500}
                                      onChange={(e) => setRow(l.id, { note: e.target.value })}
                                    />
                                  </div>
                                </>
                              )}
                              {err && (
                                <p className="field-error" role="alert">
                                  {err}
                                </p>
                              )}
                            </fieldset>
                          ) : (
                            <span className="muted">
                              {l.status === 'withdrawn'
                                ? t('letters.confirm.withdrawn')
                                : t('letters.confirm.done')}
                            </span>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>

            <div role="status" aria-live="polite" data-testid="letters-confirm-status">
              {saved && <p className="alert alert-success">{saved}</p>}
            </div>
            <ErrorAlert error={error} />
            {open.length > 0 && (
              <button
                type="submit"
                className="btn btn-primary"
                disabled={saving}
                aria-busy={saving || undefined}
                data-testid="letters-confirm-submit"
              >
                {saving
                  ? t('letters.confirm.saving')
                  : t('letters.confirm.submit', { count: formatNumber(chosen.length, locale) })}
              </button>
            )}
          </form>
        </>
      )}
    </div>
  );
}
