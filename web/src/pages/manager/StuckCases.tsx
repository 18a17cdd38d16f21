// "Atención: ejecuciones detenidas" on the managers' dashboard: open cases whose workflow is not
// running or whose child workflow failed (GET /api/dashboard/stuck-cases). Shown only when
// there is something to look at, so a healthy portfolio keeps a quiet dashboard.
import { request } from '../../api.js';
import type { Stage } from '../../api.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { formatDateTime, formatNumber } from '../../format.js';
import { useLoad } from '../../useLoad.js';
import { hasMessage, useI18n } from '../../i18n/index.js';

/** Answer of GET /api/dashboard/stuck-cases (api/routes/dashboard.ts, stuckCasesSchema). */
export interface StuckCases {
  checkedAt: string;
  counts: {
    failedWorkflows: number;
    failedByType: { workflowType: string; count: number }[];
    stuckCases: number;
    openCases: number;
    runningCaseWorkflows: number;
    outsideFailureTasksOpen: number;
  };
  items: {
    kind: 'stuck' | 'failed_child';
    caseId: string;
    accountNumber: string;
    stage: Stage;
    workflowId: string;
    workflowType: string;
    status: string;
    since: string | null;
    failure: string | null;
  }[];
  total: number;
}

export function StuckCases() {
  const { t, tv, locale } = useI18n();
  const load = useLoad(
    (signal) => request<StuckCases>('/api/dashboard/stuck-cases', { signal }),
    'stuck-cases',
  );
  if (load.error) return <ErrorAlert error={load.error} onRetry={load.reload} />;
  const data = load.data;
  if (!data) return null;
  const { counts } = data;
  if (
    counts.stuckCases === 0 &&
    counts.failedWorkflows === 0 &&
    counts.outsideFailureTasksOpen === 0 &&
    data.items.length === 0
  )
    return null;

  const title = t('dash.stuck.title');
  const label = (prefix: string, value: string) => {
    const key = `${prefix}.${value}`;
    return hasMessage(key) ? t(key) : value;
  };
  const figures = [
    { key: 'stuck', label: 'dash.stuck.stuckCases', value: counts.stuckCases },
    { key: 'failed', label: 'dash.stuck.failedWorkflows', value: counts.failedWorkflows },
    { key: 'outside', label: 'dash.stuck.outsideTasks', value: counts.outsideFailureTasksOpen },
  ] as const;

  return (
    <section
      className="card alert-warn"
      aria-labelledby="dash-stuck"
      data-testid="stuck-cases"
      role="region"
    >
      <h2 id="dash-stuck">{title}</h2>
      <p>{t('dash.stuck.intro')}</p>
      <ul data-testid="stuck-counts">
        {figures.map((f) => (
          <li key={f.key} data-testid={`stuck-count-${f.key}`}>
            <strong>{formatNumber(f.value, locale)}</strong> {t(f.label, { count: f.value })}
          </li>
        ))}
      </ul>
      {data.items.length === 0 ? (
        <p className="muted">{t('dash.stuck.listEmpty')}</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label={title}>
          <table className="table">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dash.stuck.account')}</th>
                <th scope="col">{t('dash.stuck.stage')}</th>
                <th scope="col">{t('dash.stuck.execution')}</th>
                <th scope="col">{t('dash.stuck.status')}</th>
                <th scope="col">{t('dash.stuck.since')}</th>
                <th scope="col">{t('dash.stuck.failure')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((i) => (
                <tr key={`${i.kind}:${i.workflowId}`} data-testid="stuck-case-row">
                  <th scope="row">
                    <a
                      href={`#/cases/${encodeURIComponent(i.caseId)}`}
                      aria-label={t('dash.stuck.open', { account: i.accountNumber })}
                    >
                      {i.accountNumber}
                    </a>
                  </th>
                  <td>{tv('stage', i.stage)}</td>
                  <td>
                    {label('dash.stuck.kind', i.kind)}
                    {i.kind === 'failed_child' && `: ${label('dash.stuck.wf', i.workflowType)}`}
                  </td>
                  <td>{label('dash.stuck.state', i.status)}</td>
                  <td>{formatDateTime(i.since, locale)}</td>
                  <td>{i.failure ?? t('dash.stuck.noMessage')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        {data.total > data.items.length &&
          `${t('dash.stuck.more', { shown: data.items.length, total: data.total })} `}
        {t('dash.stuck.checkedAt', { at: formatDateTime(data.checkedAt, locale) })}
      </p>
    </section>
  );
}
