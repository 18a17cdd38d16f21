import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Loading } from '../../components/Loading.js';
import { formatMoney, formatNumber } from '../../format.js';
import { useI18n } from '../../i18n/index.js';
import { useLoad } from '../../useLoad.js';
import { useTitle } from '../../useTitle.js';
import { managerApi } from './api.js';
import type { Person, PortfolioRow } from './api.js';
import { useHeadingFocus } from './focus.js';
import './manager.css';

function rowKey(row: { sector: string; route: string | null }): string {
  return `${row.sector}\u0000${row.route ?? ''}`;
}

type Outcome =
  | { kind: 'saved'; key: string; text: string; failed: { caseId: string; message: string }[] }
  | { kind: 'error'; key: string; error: unknown }
  | null;

export function PortfoliosPage() {
  const { t, locale } = useI18n();
  useTitle(t('port.title'));
  const heading = useHeadingFocus();
  const list = useLoad((signal) => managerApi.portfolios(signal), 'portfolios');
  const users = useLoad((signal) => managerApi.users('collector', signal), 'collectors');
  // Rows saved in this visit, shown at once (the list reloads behind them).
  const [savedRows, setSavedRows] = useState<Record<string, PortfolioRow>>({});
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [reassign, setReassign] = useState(true);
  const [saving, setSaving] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  const collectors: Person[] =
    users.data?.items
      .filter((u) => u.active)
      .map((u) => ({ id: u.id, displayName: u.displayName }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName, locale)) ?? [];

  const rows = (list.data?.items ?? []).map((r) => savedRows[rowKey(r)] ?? r);

  async function save(row: PortfolioRow) {
    // One save at a time; the buttons stay focusable (no disabled) so focus is not lost.
    if (saving !== null) return;
    const key = rowKey(row);
    const collectorId = choice[key] ?? row.collector?.id ?? '';
    setSaving(key);
    setOutcome(null);
    try {
      const updated = await managerApi.assignPortfolio({
        sector: row.sector,
        route: row.route,
        collectorId: collectorId || null,
        reassignOpenCases: reassign,
      });
      setSavedRows((prev) => ({ ...prev, [key]: updated }));
      // Moving open cases changes other rows' counts too.
      list.reload();
      setChoice((prev) => {
        const next = { ...prev };
        delete next[key];
        return next;
      });
      const saved = t('port.saved', {
        sector: row.route
          ? t('port.sectorRoute', { sector: row.sector, route: row.route })
          : row.sector,
        collector: updated.collector?.displayName ?? t('common.unassigned'),
      });
      const moved = updated.reassignment?.moved ?? 0;
      const movedText =
        updated.reassignment === null || moved === 0 ? '' : ` ${t('port.moved', { count: moved })}`;
      setOutcome({
        kind: 'saved',
        key,
        text: saved + movedText,
        failed: updated.reassignment?.failed ?? [],
      });
    } catch (error) {
      setOutcome({ kind: 'error', key, error });
    } finally {
      setSaving(null);
    }
  }

  return (
    <div className="mgr">
      <div className="page-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {t('port.title')}
          </h1>
          <p className="page-sub">{t('port.intro')}</p>
        </div>
      </div>

      <ErrorAlert error={list.error} onRetry={list.reload} />
      <ErrorAlert error={users.error} onRetry={users.reload} />
      {(list.loading || users.loading) && <Loading />}

      <div aria-live="polite" role="status" data-testid="portfolio-status">
        {outcome?.kind === 'saved' && <p className="alert mgr-status-ok">{outcome.text}</p>}
      </div>
      {outcome?.kind === 'saved' && outcome.failed.length > 0 && (
        <div className="alert alert-warn" role="alert" data-testid="portfolio-move-failed">
          <p>{t('port.moveFailed', { count: outcome.failed.length })}</p>
          <ul className="alert-fields">
            {outcome.failed.map((f) => (
              <li key={f.caseId}>
                <a href={`#/cases/${encodeURIComponent(f.caseId)}`}>
                  {t('port.moveFailedCase', { id: f.caseId.slice(0, 8) })}
                </a>
                : {f.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {outcome?.kind === 'error' && <ErrorAlert error={outcome.error} />}

      {list.data && (
        <section className="card" aria-labelledby="port-table-title">
          <h2 id="port-table-title">{t('port.table')}</h2>
          <label className="mgr-reassign">
            <input
              type="checkbox"
              checked={reassign}
              onChange={(e) => setReassign(e.target.checked)}
              data-testid="portfolio-reassign"
            />
            {t('port.reassign')}
          </label>
          {users.data && collectors.length === 0 && (
            <p className="alert alert-warn">{t('port.noCollectors')}</p>
          )}
          {rows.length === 0 ? (
            <p className="empty">{t('port.empty')}</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('port.table')}>
              <table className="table mgr-table" data-testid="portfolio-table">
                <caption className="visually-hidden">{t('port.table')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('port.col.sector')}</th>
                    <th scope="col">{t('port.col.route')}</th>
                    <th scope="col">{t('port.col.collector')}</th>
                    <th scope="col" className="num">
                      {t('port.col.openCases')}
                    </th>
                    <th scope="col" className="num">
                      {t('port.col.balance')}
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">{t('port.col.action')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row, i) => {
                    const key = rowKey(row);
                    const current = row.collector?.id ?? '';
                    const selected = choice[key] ?? current;
                    const dirty = selected !== current;
                    const options =
                      row.collector && !collectors.some((c) => c.id === row.collector?.id)
                        ? [row.collector, ...collectors]
                        : collectors;
                    const sectorId = `port-sector-${i}`;
                    return (
                      <tr
                        key={key}
                        className={dirty ? 'mgr-row-dirty' : undefined}
                        data-testid="portfolio-row"
                        data-sector={row.sector}
                      >
                        <th scope="row" id={sectorId}>
                          {row.sector}
                        </th>
                        <td>
                          {row.route ?? (
                            <span className="muted mgr-nowrap">{t('common.noRoute')}</span>
                          )}
                        </td>
                        <td>
                          <select
                            className="mgr-row-select"
                            aria-label={
                              row.route
                                ? t('port.selectLabelRoute', {
                                    sector: row.sector,
                                    route: row.route,
                                  })
                                : t('port.selectLabel', { sector: row.sector })
                            }
                            value={selected}
                            onChange={(e) => {
                              const value = e.target.value;
                              setChoice((prev) => ({ ...prev, [key]: value }));
                            }}
                            data-testid="portfolio-collector"
                          >
                            <option value="">{t('common.unassigned')}</option>
                            {options.map((c) => (
                              <option key={c.id} value={c.id}>
                                {c.displayName}
                              </option>
                            ))}
                          </select>
                        </td>
                        <td className="num">{formatNumber(row.openCases, locale)}</td>
                        <td className="num">{formatMoney(row.balance)}</td>
                        <td>
                          <button
                            type="button"
                            className="btn btn-primary btn-small"
                            aria-describedby={sectorId}
                            aria-busy={saving === key || undefined}
                            onClick={() => void save(row)}
                            data-testid="portfolio-save"
                          >
                            {saving === key ? t('common.saving') : t('common.save')}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
