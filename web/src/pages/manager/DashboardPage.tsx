import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { STAGES, saveFile } from '../../api.js';
import type { Stage } from '../../api.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Loading } from '../../components/Loading.js';
import { formatDate, formatMoney, formatNumber } from '../../format.js';
import { useI18n } from '../../i18n/index.js';
import type { Locale } from '../../i18n/index.js';
import { href, navigate } from '../../router.js';
import { useLoad } from '../../useLoad.js';
import { useTitle } from '../../useTitle.js';
import { REPORT_NAMES, XLSX_ONLY, managerApi } from './api.js';
import type { Dashboard, DashboardQuery, Drill, ReportFormat, ReportName } from './api.js';
import { DEFAULT_PRESET, PRESETS, isLocalDate, matchingPreset, presetPeriod } from './period.js';
import type { Preset } from './period.js';
import { useHeadingFocus } from './focus.js';
import { StuckCases } from './StuckCases.js';
import './manager.css';

/** Bar colours: AA contrast against white for the bars themselves (non-text 3:1). */
const BAR = '#0a5294';
const STAGE_COLOURS: Record<Stage, string> = {
  reminder: '#2b6cb0',
  agreement: '#2f855a',
  suspension: '#c05621',
  credit_title: '#6b46c1',
  coactiva: '#c53030',
  closed: '#718096',
};

function readQuery(params: URLSearchParams): DashboardQuery {
  const from = params.get('from');
  const to = params.get('to');
  const period =
    isLocalDate(from) && isLocalDate(to) && from <= to
      ? { from, to }
      : presetPeriod(DEFAULT_PRESET);
  return {
    ...period,
    sector: params.get('sector') ?? '',
    collectorId: params.get('collectorId') ?? '',
  };
}

function go(q: DashboardQuery) {
  navigate(href('/dashboard', { ...q }));
}

/** The cases behind a figure, on the cases page. */
export function drillHref(drill: Drill): string {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(drill)) if (v !== null) params[k] = String(v);
  return href('/cases', params);
}

function formatPercent(value: number | null, locale: Locale): string | null {
  if (value === null || !Number.isFinite(value)) return null;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(
    value,
  );
}

/** "2026-03" → "mar 2026" in the page's language. */
function formatMonth(month: string, locale: Locale): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return month;
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    month: 'short',
    year: 'numeric',
  }).format(d);
}

function compactMoney(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'USD',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(value);
}

export function DashboardPage({ params }: { params: URLSearchParams }) {
  const { t, locale } = useI18n();
  useTitle(t('dash.title'));
  const heading = useHeadingFocus();
  const query = readQuery(params);
  const key = JSON.stringify(query);
  const dash = useLoad((signal) => managerApi.dashboard(query, signal), key);
  const collectors = useLoad((signal) => managerApi.users('collector', signal), 'collectors');
  const portfolios = useLoad((signal) => managerApi.portfolios(signal), 'portfolios');
  const sectors = portfolios.data
    ? [...new Set(portfolios.data.items.map((p) => p.sector))].sort((a, b) =>
        a.localeCompare(b, locale),
      )
    : null;

  return (
    <div className="mgr">
      <div className="page-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {t('dash.title')}
          </h1>
          <p className="page-sub" data-testid="dashboard-period">
            {t('dash.sub', {
              from: formatDate(query.from, locale),
              to: formatDate(query.to, locale),
            })}
          </p>
        </div>
      </div>

      <Filters
        key={key}
        query={query}
        sectors={sectors}
        collectors={
          collectors.data?.items
            .filter((u) => u.active || u.id === query.collectorId)
            .map((u) => ({ id: u.id, displayName: u.displayName })) ?? []
        }
      />

      <StuckCases />
      <ErrorAlert error={dash.error} onRetry={dash.reload} />
      {dash.loading && <Loading />}
      {dash.data && (
        <div className={dash.loading ? 'is-stale' : undefined} data-testid="dashboard">
          <Kpis data={dash.data} />
          <div className="mgr-charts">
            <RecoveryChart data={dash.data} />
            <AgingChart data={dash.data} />
            <FunnelChart data={dash.data} />
          </div>
          <Productivity data={dash.data} />
        </div>
      )}
      <ReportDownloads
        query={query}
        collectorName={
          collectors.data?.items.find((u) => u.id === query.collectorId)?.displayName ??
          query.collectorId
        }
      />
    </div>
  );
}

/** Each report as Excel or CSV, with the filters the dashboard shows (fetched with the token). */
function ReportDownloads({
  query,
  collectorName,
}: {
  query: DashboardQuery;
  collectorName: string;
}) {
  const { t, locale } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<
    { kind: 'ok'; text: string } | { kind: 'error'; error: unknown } | null
  >(null);
  const filter = t('reports.filter', {
    from: formatDate(query.from, locale),
    to: formatDate(query.to, locale),
    sector: query.sector || t('reports.allSectors'),
    collector: query.collectorId ? collectorName : t('reports.allCollectors'),
  });

  async function download(name: ReportName, format: ReportFormat) {
    if (busy !== null) return;
    setBusy(`${name}.${format}`);
    setOutcome(null);
    try {
      const file = await managerApi.report(name, format, query);
      saveFile(file);
      setOutcome({ kind: 'ok', text: t('reports.saved', { file: file.fileName }) });
    } catch (error) {
      setOutcome({ kind: 'error', error });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="reports-title" data-testid="report-downloads">
      <h2 id="reports-title">{t('reports.title')}</h2>
      <p className="muted">{t('reports.intro', { filter })}</p>
      <div aria-live="polite" role="status" data-testid="report-status">
        {outcome?.kind === 'ok' && <p className="alert mgr-status-ok">{outcome.text}</p>}
      </div>
      {outcome?.kind === 'error' && <ErrorAlert error={outcome.error} />}
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('reports.table')}>
        <table className="table mgr-table">
          <caption className="visually-hidden">{t('reports.table')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('reports.col.report')}</th>
              <th scope="col">{t('reports.col.files')}</th>
            </tr>
          </thead>
          <tbody>
            {REPORT_NAMES.map((name) => {
              const title = t(`report.${name}`);
              const formats: ReportFormat[] = XLSX_ONLY.includes(name) ? ['xlsx'] : ['xlsx', 'csv'];
              return (
                <tr key={name} data-testid="report-row" data-report={name}>
                  <th scope="row">{title}</th>
                  <td>
                    <div className="mgr-report-buttons">
                      {formats.map((format) => {
                        const id = `${name}.${format}`;
                        return (
                          <button
                            key={format}
                            type="button"
                            className="btn btn-secondary btn-small"
                            aria-busy={busy === id || undefined}
                            onClick={() => void download(name, format)}
                            data-testid={`report-${name}-${format}`}
                          >
                            {busy === id
                              ? t('reports.downloading')
                              : t(format === 'xlsx' ? 'reports.xlsx' : 'reports.csv')}
                            <span className="visually-hidden"> ({title})</span>
                          </button>
                        );
                      })}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Filters({
  query,
  sectors,
  collectors,
}: {
  query: DashboardQuery;
  sectors: string[] | null;
  collectors: { id: string; displayName: string }[];
}) {
  const { t } = useI18n();
  const [from, setFrom] = useState(query.from);
  const [to, setTo] = useState(query.to);
  const [sector, setSector] = useState(query.sector);
  const [collectorId, setCollectorId] = useState(query.collectorId);
  const [error, setError] = useState<string | null>(null);
  const active = matchingPreset(query);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!isLocalDate(from) || !isLocalDate(to) || from > to) {
      setError(t('dash.badPeriod'));
      return;
    }
    setError(null);
    go({ from, to, sector: sector.trim(), collectorId });
  }

  // A sector in the URL that the list does not know still shows (and stays selected).
  const sectorOptions =
    sectors && query.sector && !sectors.includes(query.sector)
      ? [query.sector, ...sectors]
      : sectors;

  return (
    <form
      className="filters card mgr-filters"
      aria-label={t('dash.filters')}
      onSubmit={submit}
      noValidate
      data-testid="dashboard-filters"
    >
      <div className="mgr-presets" role="group" aria-labelledby="dash-presets-label">
        <span id="dash-presets-label" className="mgr-presets-label">
          {t('dash.presets')}
        </span>
        {PRESETS.map((p: Preset) => (
          <button
            key={p}
            type="button"
            className="btn btn-secondary btn-small"
            aria-pressed={active === p}
            onClick={() => go({ ...query, ...presetPeriod(p) })}
            data-testid={`preset-${p}`}
          >
            {t(`dash.preset.${p}`)}
          </button>
        ))}
      </div>
      <div className="field">
        <label htmlFor="dash-from">{t('dash.from')}</label>
        <input
          id="dash-from"
          type="date"
          value={from}
          max={to || undefined}
          required
          onChange={(e) => setFrom(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'dash-period-error' : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor="dash-to">{t('dash.to')}</label>
        <input
          id="dash-to"
          type="date"
          value={to}
          min={from || undefined}
          required
          onChange={(e) => setTo(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'dash-period-error' : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor="dash-sector">{t('dash.sector')}</label>
        {sectorOptions ? (
          <select id="dash-sector" value={sector} onChange={(e) => setSector(e.target.value)}>
            <option value="">{t('dash.sectorAll')}</option>
            {sectorOptions.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        ) : (
          <input id="dash-sector" value={sector} onChange={(e) => setSector(e.target.value)} />
        )}
      </div>
      <div className="field">
        <label htmlFor="dash-collector">{t('dash.collector')}</label>
        <select
          id="dash-collector"
          value={collectorId}
          onChange={(e) => setCollectorId(e.target.value)}
        >
          <option value="">{t('dash.collectorAll')}</option>
          {collectors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
          {collectorId && !collectors.some((c) => c.id === collectorId) && (
            <option value={collectorId}>{collectorId}</option>
          )}
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary" data-testid="dashboard-apply">
          {t('dash.apply')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => go({ ...presetPeriod(DEFAULT_PRESET), sector: '', collectorId: '' })}
        >
          {t('dash.clear')}
        </button>
      </div>
      {error && (
        <p id="dash-period-error" className="mgr-field-error mgr-filters-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function KpiCard({
  label,
  value,
  sub,
  drill,
  testId,
}: {
  label: string;
  value: string;
  sub?: string;
  drill?: Drill;
  testId: string;
}) {
  const body = (
    <>
      <span className="summary-label">{label}</span>
      <span className="summary-value" data-testid={`${testId}-value`}>
        {value}
      </span>
      {sub && <span className="summary-sub">{sub}</span>}
    </>
  );
  return (
    <li className="card summary-card mgr-kpi" data-testid={testId}>
      {drill ? (
        <a href={drillHref(drill)} className="summary-link">
          {body}
        </a>
      ) : (
        <div className="mgr-kpi-body">{body}</div>
      )}
    </li>
  );
}

function Kpis({ data }: { data: Dashboard }) {
  const { t, locale } = useI18n();
  const n = (v: number) => formatNumber(v, locale);
  const noData = t('dash.kpi.noData');
  const { morosidad, recovery, agreements, promises, reconnection } = data;
  return (
    <section aria-labelledby="dash-kpis">
      <h2 id="dash-kpis" className="visually-hidden">
        {t('dash.kpis')}
      </h2>
      <ul className="summary-grid mgr-kpis">
        <KpiCard
          testId="kpi-morosidad"
          label={t('dash.kpi.morosidad')}
          value={formatPercent(morosidad.index, locale) ?? noData}
          sub={t('dash.kpi.morosidadSub', {
            overdue: formatMoney(morosidad.overdueBalance),
            total: formatMoney(morosidad.portfolioBalance),
          })}
          drill={morosidad.drill}
        />
        <KpiCard
          testId="kpi-overdue"
          label={t('dash.kpi.overdue')}
          value={formatMoney(morosidad.overdueBalance)}
          sub={t('dash.kpi.overdueSub')}
          drill={morosidad.drill}
        />
        <KpiCard
          testId="kpi-recovered"
          label={t('dash.kpi.recovered')}
          value={formatMoney(recovery.recovered)}
          sub={t('dash.kpi.recoveredSub', { count: recovery.payments })}
        />
        <KpiCard
          testId="kpi-agreements"
          label={t('dash.kpi.agreements')}
          value={formatPercent(agreements.complianceRate, locale) ?? noData}
          sub={t('dash.kpi.agreementsSub', {
            active: n(agreements.active),
            paidOff: n(agreements.paidOff),
            broken: n(agreements.broken),
          })}
          drill={agreements.drill}
        />
        <KpiCard
          testId="kpi-promises"
          label={t('dash.kpi.promises')}
          value={formatPercent(promises.keptRate, locale) ?? noData}
          sub={t('dash.kpi.promisesSub', { kept: n(promises.kept), broken: n(promises.broken) })}
        />
        <KpiCard
          testId="kpi-reconnection"
          label={t('dash.kpi.reconnection')}
          value={
            reconnection.avgHours === null
              ? noData
              : `${formatNumber(reconnection.avgHours, locale, 1)} h`
          }
          sub={t('dash.kpi.reconnectionSub', {
            count: reconnection.count,
            max: formatNumber(reconnection.maxHours, locale, 1),
          })}
        />
      </ul>
    </section>
  );
}

/** A chart card: the SVG is one labelled image; the table below is its readable form. */
function ChartCard({
  id,
  title,
  summary,
  hint,
  asOfToday = false,
  chart,
  table,
}: {
  id: string;
  title: string;
  summary: string;
  hint: boolean;
  /** The figure is a snapshot of today, whatever the period filter says. */
  asOfToday?: boolean;
  chart: ReactNode;
  table: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className="card mgr-chart" aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {asOfToday && <p className="mgr-hint">{t('dash.asOfToday')}</p>}
      <div className="mgr-chart-canvas" role="img" aria-label={summary}>
        {chart}
      </div>
      {hint && (
        <p className="mgr-hint" aria-hidden="true">
          {t('dash.chartHint')}
        </p>
      )}
      <details className="mgr-chart-data" open>
        <summary>{t('dash.tableOf', { chart: title })}</summary>
        {table}
      </details>
    </section>
  );
}

const AXIS_TICK = { fill: '#1a2433', fontSize: 12 };

function RecoveryChart({ data }: { data: Dashboard }) {
  const { t, locale } = useI18n();
  const rows = data.recovery.byMonth.map((m) => ({
    label: formatMonth(m.month, locale),
    value: Number(m.amount),
    amount: m.amount,
  }));
  const title = t('dash.recovery');
  // Months with nothing recovered draw no bars; say so instead of an empty plot.
  const nothing = rows.every((r) => r.value === 0);
  const summary = nothing
    ? `${title}: ${t('dash.empty')}`
    : t('dash.recovery.summary', {
        items: rows.map((r) => `${r.label} ${formatMoney(r.amount)}`).join('; '),
      });
  return (
    <ChartCard
      id="chart-recovery"
      title={title}
      summary={summary}
      hint={false}
      chart={
        nothing ? (
          <p className="empty">{t('dash.empty')}</p>
        ) : (
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={rows} accessibilityLayer={false} margin={{ left: 8, right: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" tick={AXIS_TICK} />
              <YAxis tick={AXIS_TICK} tickFormatter={(v: number) => compactMoney(v, locale)} />
              <Tooltip formatter={(v) => [formatMoney(Number(v)), t('dash.recovery.amount')]} />
              <Bar dataKey="value" fill={BAR} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )
      }
      table={
        <table className="table mgr-data-table">
          <caption className="visually-hidden">{t('dash.tableOf', { chart: title })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dash.recovery.month')}</th>
              <th scope="col" className="num">
                {t('dash.recovery.amount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td className="num">{formatMoney(r.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('port.total')}</th>
              <td className="num">{formatMoney(data.recovery.recovered)}</td>
            </tr>
          </tfoot>
        </table>
      }
    />
  );
}

function AgingChart({ data }: { data: Dashboard }) {
  const { t, locale } = useI18n();
  const rows = data.aging.map((a) => ({
    label: t('dash.aging.bucketValue', { bucket: a.bucket }),
    bucket: a.bucket,
    value: Number(a.balance),
    balance: a.balance,
    cases: a.cases,
    drill: a.drill,
  }));
  const title = t('dash.aging');
  const summary =
    rows.length === 0
      ? `${title}: ${t('dash.empty')}`
      : t('dash.aging.summary', {
          items: rows
            .map(
              (r) =>
                `${r.label}: ${t('dash.aging.cases', { count: r.cases })}, ${formatMoney(r.balance)}`,
            )
            .join('; '),
        });
  return (
    <ChartCard
      id="chart-aging"
      title={title}
      asOfToday
      summary={summary}
      hint={rows.length > 0}
      chart={
        rows.length === 0 ? (
          <p className="empty">{t('dash.empty')}</p>
        ) : (
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={rows} accessibilityLayer={false} margin={{ left: 8, right: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="bucket" tick={AXIS_TICK} />
              <YAxis tick={AXIS_TICK} tickFormatter={(v: number) => compactMoney(v, locale)} />
              <Tooltip
                formatter={(v) => [formatMoney(Number(v)), t('dash.balance')]}
                labelFormatter={(l) => t('dash.aging.bucketValue', { bucket: String(l) })}
              />
              <Bar
                dataKey="value"
                fill={BAR}
                className="mgr-bar-link"
                isAnimationActive={false}
                onClick={(_, index) => {
                  const row = rows[index];
                  if (row) navigate(drillHref(row.drill));
                }}
              />
            </BarChart>
          </ResponsiveContainer>
        )
      }
      table={
        <DrillTable
          caption={t('dash.tableOf', { chart: title })}
          firstColumn={t('dash.aging.bucket')}
          rows={rows.map((r) => ({ ...r, key: r.bucket, testId: `aging-row-${r.bucket}` }))}
        />
      }
    />
  );
}

function FunnelChart({ data }: { data: Dashboard }) {
  const { t, tv, locale } = useI18n();
  const rows = [...data.funnel]
    .sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage))
    .map((f) => ({
      label: tv('stage', f.stage),
      stage: f.stage,
      value: f.cases,
      balance: f.balance,
      drill: f.drill,
    }));
  const title = t('dash.funnel');
  const summary =
    rows.length === 0
      ? `${title}: ${t('dash.empty')}`
      : t('dash.funnel.summary', {
          items: rows
            .map((r) => `${r.label}: ${formatNumber(r.value, locale)}, ${formatMoney(r.balance)}`)
            .join('; '),
        });
  return (
    <ChartCard
      id="chart-funnel"
      title={title}
      asOfToday
      summary={summary}
      hint={rows.length > 0}
      chart={
        rows.length === 0 ? (
          <p className="empty">{t('dash.empty')}</p>
        ) : (
          <ResponsiveContainer width="100%" height={Math.max(160, rows.length * 40 + 40)}>
            <BarChart
              data={rows}
              layout="vertical"
              accessibilityLayer={false}
              margin={{ left: 8, right: 16 }}
            >
              <CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <XAxis type="number" tick={AXIS_TICK} allowDecimals={false} />
              <YAxis type="category" dataKey="label" tick={AXIS_TICK} width={130} />
              <Tooltip formatter={(v) => [formatNumber(Number(v), locale), t('dash.cases')]} />
              <Bar
                dataKey="value"
                className="mgr-bar-link"
                isAnimationActive={false}
                onClick={(_, index) => {
                  const row = rows[index];
                  if (row) navigate(drillHref(row.drill));
                }}
              >
                {rows.map((r) => (
                  <Cell key={r.stage} fill={STAGE_COLOURS[r.stage] ?? BAR} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        )
      }
      table={
        <DrillTable
          caption={t('dash.tableOf', { chart: title })}
          firstColumn={t('dash.funnel.stage')}
          rows={rows.map((r) => ({
            ...r,
            key: r.stage,
            cases: r.value,
            testId: `funnel-row-${r.stage}`,
          }))}
        />
      }
    />
  );
}

/** A chart's data as a table whose first column links to the cases behind each row. */
function DrillTable({
  caption,
  firstColumn,
  rows,
}: {
  caption: string;
  firstColumn: string;
  rows: {
    key: string;
    label: string;
    cases: number;
    balance: string;
    drill: Drill;
    testId: string;
  }[];
}) {
  const { t, locale } = useI18n();
  return (
    <table className="table mgr-data-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{firstColumn}</th>
          <th scope="col" className="num">
            {t('dash.cases')}
          </th>
          <th scope="col" className="num">
            {t('dash.balance')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-testid={r.testId}>
            <th scope="row">
              <a href={drillHref(r.drill)}>{r.label}</a>
            </th>
            <td className="num">{formatNumber(r.cases, locale)}</td>
            <td className="num">{formatMoney(r.balance)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Productivity({ data }: { data: Dashboard }) {
  const { t, locale } = useI18n();
  const title = t('dash.productivity');
  return (
    <section className="card" aria-labelledby="dash-productivity" data-testid="productivity">
      <h2 id="dash-productivity">{title}</h2>
      {data.productivity.length === 0 ? (
        <p className="empty">{t('dash.prod.empty')}</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={title}>
          <table className="table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dash.prod.collector')}</th>
                <th scope="col" className="num">
                  {t('dash.prod.openCases')}
                </th>
                <th scope="col" className="num">
                  {t('dash.prod.tasksDone')}
                </th>
                <th scope="col" className="num">
                  {t('dash.prod.contacts')}
                </th>
                <th scope="col" className="num">
                  {t('dash.prod.promises')}
                </th>
                <th scope="col" className="num">
                  {t('dash.prod.recovered')}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.productivity.map((p) => (
                <tr key={p.collector.id} data-testid="productivity-row">
                  <th scope="row">
                    <a href={drillHref(p.drill)}>{p.collector.displayName}</a>
                  </th>
                  <td className="num">{formatNumber(p.openCases, locale)}</td>
                  <td className="num">{formatNumber(p.tasksDone, locale)}</td>
                  <td className="num">{formatNumber(p.contacts, locale)}</td>
                  <td className="num">{formatNumber(p.promises, locale)}</td>
                  <td className="num">{formatMoney(p.recovered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
