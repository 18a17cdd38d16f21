import { useState } from 'react';
import type { FormEvent } from 'react';
import { STAGES, api } from '../api.js';
import type { CaseListQuery, CaseStatus, Stage } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Loading } from '../components/Loading.js';
import { Pagination } from '../components/Pagination.js';
import { ProtectedBadge, StageBadge } from '../components/StageBadge.js';
import { SummaryCards } from '../components/SummaryCards.js';
import { formatDate, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

export const PAGE_SIZE = 50;

interface Filters {
  status: CaseStatus | 'all';
  stage: Stage | '';
  sector: string;
  q: string;
  page: number;
  /** Other /api/cases filters from a link (dashboard drill-down), kept as they are. */
  extra: Record<string, string>;
}

const OWN_PARAMS = new Set(['status', 'stage', 'sector', 'q', 'page']);

function readFilters(params: URLSearchParams): Filters {
  const stage = params.get('stage') ?? '';
  const status = params.get('status');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  const extra: Record<string, string> = {};
  for (const [k, v] of params) if (!OWN_PARAMS.has(k) && v) extra[k] = v;
  return {
    status: status === 'closed' || status === 'all' ? status : 'open',
    stage: (STAGES as readonly string[]).includes(stage) ? (stage as Stage) : '',
    sector: params.get('sector') ?? '',
    q: params.get('q') ?? '',
    page: Number.isFinite(page) && page > 0 ? page : 1,
    extra,
  };
}

function go(f: Filters) {
  navigate(
    href('/cases', {
      status: f.status === 'open' ? undefined : f.status,
      stage: f.stage,
      sector: f.sector.trim(),
      q: f.q.trim(),
      page: f.page > 1 ? f.page : undefined,
      ...f.extra,
    }),
  );
}

export function CasesPage({ params }: { params: URLSearchParams }) {
  const { t, tv, locale } = useI18n();
  const filters = readFilters(params);
  useTitle(t('cases.title'));
  const query: CaseListQuery = { ...filters, pageSize: PAGE_SIZE, sort: 'priority' };
  const queryKey = JSON.stringify(query);
  const list = useLoad((signal) => api.listCases(query, signal), queryKey);
  const summary = useLoad((signal) => api.portfolioSummary(signal), 'summary');

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>{t('cases.title')}</h1>
      </div>

      {summary.data && <SummaryCards summary={summary.data} />}
      <ErrorAlert error={summary.error} />

      <FilterForm key={queryKey} filters={filters} />
      {Object.keys(filters.extra).length > 0 && (
        <p className="alert alert-info" data-testid="extra-filters">
          {t('cases.extraFilters', {
            filters: Object.entries(filters.extra)
              .map(([k, v]) => `${k} = ${v}`)
              .join(', '),
          })}{' '}
          <a
            href={href('/cases', {
              status: filters.status === 'open' ? undefined : filters.status,
              stage: filters.stage,
              sector: filters.sector,
            })}
          >
            {t('cases.extraFilters.clear')}
          </a>
        </p>
      )}

      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && <Loading />}

      {list.data && (
        <section
          aria-labelledby="cases-table-caption"
          className={list.loading ? 'is-stale' : undefined}
        >
          <p
            className="total"
            id="cases-table-caption"
            data-testid="cases-total"
            aria-live="polite"
          >
            {t('cases.total', { count: list.data.total })}
          </p>
          {list.data.items.length === 0 ? (
            <p className="empty" data-testid="cases-empty">
              {t('cases.empty')}
            </p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('cases.table')}>
              <table className="table table-cases" data-testid="cases-table">
                <caption className="visually-hidden">{t('cases.table')}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('cases.col.priority')}
                    </th>
                    <th scope="col">{t('cases.col.account')}</th>
                    <th scope="col">{t('cases.col.holder')}</th>
                    <th scope="col" className="col-optional">
                      {t('cases.col.sectorRoute')}
                    </th>
                    <th scope="col" className="col-optional">
                      {t('cases.col.category')}
                    </th>
                    <th scope="col">{t('cases.col.stage')}</th>
                    <th scope="col" className="num">
                      {t('cases.col.balance')}
                    </th>
                    <th scope="col" className="num">
                      {t('cases.col.overdue')}
                    </th>
                    <th scope="col" className="num">
                      {t('cases.col.daysPastDue')}
                    </th>
                    <th scope="col" className="col-optional">
                      {t('cases.col.collector')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((c) => (
                    <tr
                      key={c.id}
                      className="row-link"
                      data-testid="case-row"
                      data-case-id={c.id}
                      onClick={(e) => {
                        if ((e.target as HTMLElement).closest('a')) return;
                        if (window.getSelection()?.toString()) return;
                        navigate(`/cases/${encodeURIComponent(c.id)}`);
                      }}
                    >
                      <td className="num">
                        <span className="priority">{formatNumber(c.priority, locale, 1)}</span>
                      </td>
                      <td>
                        <a href={`#/cases/${encodeURIComponent(c.id)}`} className="case-link">
                          {c.accountNumber}
                        </a>
                      </td>
                      <td>
                        <span className="holder">{c.holderName}</span>
                        {c.protected && (
                          <>
                            {' '}
                            <ProtectedBadge />
                          </>
                        )}
                      </td>
                      <td className="col-optional">
                        {c.sector}
                        {c.route ? ` / ${c.route}` : ''}
                      </td>
                      <td className="col-optional">{tv('category', c.category)}</td>
                      <td>
                        <StageBadge stage={c.stage} />
                      </td>
                      <td className="num">{formatMoney(c.balance)}</td>
                      <td className="num">{formatNumber(c.overdueInvoices, locale)}</td>
                      <td
                        className="num"
                        title={c.oldestDueOn ? formatDate(c.oldestDueOn, locale) : undefined}
                      >
                        {formatNumber(c.daysPastDue, locale)}
                      </td>
                      <td className="col-optional">
                        {c.assignedCollector ? (
                          c.assignedCollector.displayName
                        ) : (
                          <span className="muted">{t('cases.unassigned')}</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {list.data.total > list.data.pageSize && (
            <Pagination
              page={list.data.page}
              pageSize={list.data.pageSize}
              total={list.data.total}
              onPage={(page) => go({ ...filters, page })}
            />
          )}
        </section>
      )}
    </>
  );
}

function FilterForm({ filters }: { filters: Filters }) {
  const { t, tv } = useI18n();
  const [sector, setSector] = useState(filters.sector);
  const [q, setQ] = useState(filters.q);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    go({ ...filters, sector, q, page: 1 });
  }

  return (
    <form
      className="filters card"
      role="search"
      aria-label={t('cases.filters')}
      onSubmit={submit}
      data-testid="case-filters"
    >
      <div className="field">
        <label htmlFor="f-status">{t('cases.filter.status')}</label>
        <select
          id="f-status"
          value={filters.status}
          onChange={(e) =>
            go({
              ...filters,
              sector,
              q,
              status:
                e.target.value === 'closed' || e.target.value === 'all' ? e.target.value : 'open',
              page: 1,
            })
          }
          data-testid="filter-status"
        >
          <option value="open">{t('cases.status.open')}</option>
          <option value="closed">{t('cases.status.closed')}</option>
          <option value="all">{t('cases.status.all')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-stage">{t('cases.filter.stage')}</label>
        <select
          id="f-stage"
          value={filters.stage}
          onChange={(e) =>
            go({ ...filters, sector, q, stage: e.target.value as Stage | '', page: 1 })
          }
          data-testid="filter-stage"
        >
          <option value="">{t('cases.filter.stageAll')}</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {tv('stage', s)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-sector">{t('cases.filter.sector')}</label>
        <input
          id="f-sector"
          value={sector}
          onChange={(e) => setSector(e.target.value)}
          data-testid="filter-sector"
        />
      </div>
      <div className="field field-grow">
        <label htmlFor="f-q">{t('cases.filter.q')}</label>
        <input
          id="f-q"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          data-testid="filter-q"
        />
      </div>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary" data-testid="filter-apply">
          {t('cases.filter.apply')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => go({ status: 'open', stage: '', sector: '', q: '', page: 1, extra: {} })}
          data-testid="filter-clear"
        >
          {t('cases.filter.clear')}
        </button>
      </div>
    </form>
  );
}
