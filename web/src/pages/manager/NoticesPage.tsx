import { useState } from 'react';
import type { FormEvent } from 'react';
import type { User } from '../../api.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Loading } from '../../components/Loading.js';
import { Pagination } from '../../components/Pagination.js';
import { formatDateTime, formatNumber } from '../../format.js';
import { useI18n } from '../../i18n/index.js';
import { href, navigate } from '../../router.js';
import { useLoad } from '../../useLoad.js';
import { useTitle } from '../../useTitle.js';
import { NOTICE_CHANNELS, NOTICE_STATUSES, managerApi } from './api.js';
import type { Notice, NoticeChannel, NoticeQuery, NoticeStatus } from './api.js';
import { useHeadingFocus } from './focus.js';
import './manager.css';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readQuery(params: URLSearchParams): NoticeQuery {
  const status = params.get('status') ?? '';
  const channel = params.get('channel') ?? '';
  const caseId = params.get('caseId') ?? '';
  const page = Number(params.get('page') ?? '1');
  return {
    status: (NOTICE_STATUSES as readonly string[]).includes(status) ? (status as NoticeStatus) : '',
    channel: (NOTICE_CHANNELS as readonly string[]).includes(channel)
      ? (channel as NoticeChannel)
      : '',
    // The API rejects anything but a UUID: an unusable value is dropped, not sent.
    caseId: UUID.test(caseId) ? caseId : '',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function noticesHref(q: Partial<NoticeQuery>): string {
  return href('/notices', { ...q, page: q.page && q.page > 1 ? q.page : undefined });
}

type Outcome = { kind: 'ok'; text: string } | { kind: 'error'; error: unknown } | null;

/** The notice outbox: what was sent, what waits, what failed and why; managers requeue failures. */
export function NoticesPage({ params, user }: { params: URLSearchParams; user: User }) {
  const { t, tv, locale } = useI18n();
  useTitle(t('notices.title'));
  const heading = useHeadingFocus();
  const query = readQuery(params);
  const key = JSON.stringify(query);
  const list = useLoad((signal) => managerApi.notices(query, signal), key);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  // Only supervision may requeue (the API's rule); administrators read the outbox.
  const mayRetry = user.role === 'manager';

  async function retry(n: Notice) {
    if (retrying !== null) return;
    setRetrying(n.id);
    setOutcome(null);
    try {
      const updated = await managerApi.retryNotice(n.id);
      setOutcome({ kind: 'ok', text: t('notices.retried', { recipient: updated.recipient }) });
      list.reload();
    } catch (error) {
      setOutcome({ kind: 'error', error });
    } finally {
      setRetrying(null);
    }
  }

  const data = list.data;
  return (
    <div className="mgr">
      <div className="page-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {t('notices.title')}
          </h1>
          <p className="page-sub">{t('notices.intro')}</p>
        </div>
      </div>

      <NoticeFilters key={key} query={query} />

      {data && (
        <nav aria-label={t('notices.counts')} className="mgr-notice-counts">
          <ul>
            {NOTICE_STATUSES.map((st) => (
              <li key={st}>
                <a
                  href={noticesHref({ ...query, status: st, page: 1 })}
                  aria-current={query.status === st ? 'true' : undefined}
                  className={`notice-count notice-${st}`}
                  data-testid={`notice-count-${st}`}
                >
                  {t('notices.countLink', {
                    status: t(`notices.count.${st}`),
                    count: formatNumber(data.counts[st], locale),
                  })}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}

      <div aria-live="polite" role="status" data-testid="notices-status">
        {outcome?.kind === 'ok' && <p className="alert mgr-status-ok">{outcome.text}</p>}
      </div>
      {outcome?.kind === 'error' && <ErrorAlert error={outcome.error} />}
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && <Loading />}

      {data && (
        <section className="card" aria-labelledby="notices-table-title">
          <h2 id="notices-table-title">{t('notices.table')}</h2>
          <p className="muted">{t('notices.total', { count: data.total })}</p>
          {data.items.length === 0 ? (
            <p className="empty">{t('notices.empty')}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('notices.table')}>
              <table className="table mgr-table" data-testid="notices-table">
                <caption className="visually-hidden">{t('notices.table')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('notices.col.date')}</th>
                    <th scope="col">{t('notices.col.case')}</th>
                    <th scope="col">{t('notices.col.kind')}</th>
                    <th scope="col">{t('notices.col.channel')}</th>
                    <th scope="col">{t('notices.col.recipient')}</th>
                    <th scope="col">{t('notices.col.status')}</th>
                    <th scope="col" className="num">
                      {t('notices.col.attempts')}
                    </th>
                    <th scope="col">{t('notices.col.lastError')}</th>
                    <th scope="col">{t('notices.col.sentAt')}</th>
                    {mayRetry && (
                      <th scope="col">
                        <span className="visually-hidden">{t('notices.col.action')}</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((n) => {
                    const rowId = `notice-${n.id}`;
                    return (
                      <tr
                        key={n.id}
                        className={n.status === 'failed' ? 'row-overdue' : undefined}
                        data-testid="notice-row"
                        data-status={n.status}
                      >
                        <td className="mgr-nowrap">{formatDateTime(n.createdAt, locale)}</td>
                        <td>
                          <a
                            href={`#/cases/${encodeURIComponent(n.caseId)}`}
                            title={n.subject}
                            aria-label={
                              n.accountNumber
                                ? undefined
                                : t('notices.openCaseOf', { subject: n.subject })
                            }
                          >
                            {n.accountNumber ?? t('notices.openCase')}
                          </a>
                        </td>
                        <td>{tv('noticeKind', n.kind)}</td>
                        <td>{tv('channel', n.channel)}</td>
                        <td id={rowId} className="notice-recipient">
                          {n.recipient}
                        </td>
                        <td>
                          <span className={`badge notice-status notice-${n.status}`}>
                            {n.status === 'failed' && <span aria-hidden="true">⚠ </span>}
                            {t(`notices.status.${n.status}`)}
                          </span>
                        </td>
                        <td className="num">{formatNumber(n.attempts, locale)}</td>
                        <td className="notice-error">{n.lastError ?? '—'}</td>
                        <td className="mgr-nowrap">
                          {n.sentAt ? formatDateTime(n.sentAt, locale) : '—'}
                        </td>
                        {mayRetry && (
                          <td>
                            {n.status === 'failed' && (
                              <button
                                type="button"
                                className="btn btn-secondary btn-small"
                                aria-describedby={rowId}
                                aria-busy={retrying === n.id || undefined}
                                onClick={() => void retry(n)}
                                data-testid="notice-retry"
                              >
                                {retrying === n.id ? t('notices.retrying') : t('notices.retry')}
                              </button>
                            )}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {data.total > data.pageSize && (
            <Pagination
              page={data.page}
              pageSize={data.pageSize}
              total={data.total}
              onPage={(page) => navigate(noticesHref({ ...query, page }))}
            />
          )}
        </section>
      )}
    </div>
  );
}

function NoticeFilters({ query }: { query: NoticeQuery }) {
  const { t, tv } = useI18n();
  const [status, setStatus] = useState(query.status);
  const [channel, setChannel] = useState(query.channel);
  const [caseId, setCaseId] = useState(query.caseId);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    navigate(noticesHref({ status, channel, caseId: caseId.trim(), page: 1 }));
  }

  return (
    <form
      className="filters card mgr-filters"
      aria-label={t('notices.filters')}
      onSubmit={submit}
      data-testid="notice-filters"
    >
      <div className="field">
        <label htmlFor="notice-status">{t('notices.status')}</label>
        <select
          id="notice-status"
          value={status}
          onChange={(e) => setStatus(e.target.value as NoticeStatus | '')}
        >
          <option value="">{t('notices.statusAll')}</option>
          {NOTICE_STATUSES.map((st) => (
            <option key={st} value={st}>
              {t(`notices.status.${st}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="notice-channel">{t('notices.channel')}</label>
        <select
          id="notice-channel"
          value={channel}
          onChange={(e) => setChannel(e.target.value as NoticeChannel | '')}
        >
          <option value="">{t('notices.channelAll')}</option>
          {NOTICE_CHANNELS.map((c) => (
            <option key={c} value={c}>
              {tv('channel', c)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="notice-case">{t('notices.caseId')}</label>
        <input
          id="notice-case"
          value={caseId}
          onChange={(e) => setCaseId(e.target.value)}
          pattern="[0-9a-fA-F-]{36}"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary">
          {t('notices.apply')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => navigate('/notices')}>
          {t('notices.clear')}
        </button>
      </div>
    </form>
  );
}
