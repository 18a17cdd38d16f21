import { api } from '../api.js';
import type { CaseResponse } from '../api.js';
import { AccountCard } from '../components/AccountCard.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { InvoiceTable } from '../components/InvoiceTable.js';
import { Loading } from '../components/Loading.js';
import { ProtectedBadge, StageBadge } from '../components/StageBadge.js';
import { StageStepper } from '../components/StageStepper.js';
import { Timeline } from '../components/Timeline.js';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

export function CasePage({ id }: { id: string }) {
  const { t } = useI18n();
  const load = useLoad((signal) => api.getCase(id, signal), id);
  useTitle(
    load.data ? t('case.title', { account: load.data.case.accountNumber }) : t('cases.title'),
  );

  return (
    <>
      <p className="back-link">
        <a href="#/cases">← {t('case.back')}</a>
      </p>
      {load.loading && !load.data && <Loading />}
      <ErrorAlert error={load.error} onRetry={load.reload} />
      {load.data && <CaseView data={load.data} />}
    </>
  );
}

function CaseView({ data }: { data: CaseResponse }) {
  const { t, tv, locale } = useI18n();
  const c = data.case;
  const wf = data.workflow;
  return (
    <div data-testid="case-page" data-case-id={c.id}>
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('case.title', { account: c.accountNumber })}</h1>
          <p className="page-sub">
            {c.holderName} {c.protected && <ProtectedBadge />}
          </p>
        </div>
        {data.temporalUiUrl && (
          <a
            className="btn btn-secondary"
            href={data.temporalUiUrl}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="temporal-link"
          >
            {t('case.temporal')}
            <span className="visually-hidden"> {t('case.temporalNewTab')}</span>
            <span aria-hidden="true"> ↗</span>
          </a>
        )}
      </div>

      <div className="card stepper-card">
        <StageStepper stage={c.stage} />
      </div>

      <div className="case-grid">
        <div className="case-col">
          <section className="card" aria-labelledby="summary-heading" data-testid="case-summary">
            <h2 id="summary-heading">{t('case.summary')}</h2>
            <p className="big-balance">
              <span className="big-balance-label">{t('case.balance')}</span>
              <span className="big-balance-value" data-testid="case-balance">
                {formatMoney(c.balance)}
              </span>
            </p>
            <dl className="facts">
              <div>
                <dt>{t('case.status')}</dt>
                <dd>{tv('status', c.status)}</dd>
              </div>
              <div>
                <dt>{t('case.stage')}</dt>
                <dd>
                  <StageBadge stage={c.stage} />
                </dd>
              </div>
              <div>
                <dt>{t('case.priority')}</dt>
                <dd>{formatNumber(c.priority, locale, 1)}</dd>
              </div>
              <div>
                <dt>{t('case.daysPastDue')}</dt>
                <dd>{formatNumber(c.daysPastDue, locale)}</dd>
              </div>
              <div>
                <dt>{t('case.oldestDueOn')}</dt>
                <dd>{formatDate(c.oldestDueOn, locale)}</dd>
              </div>
              <div>
                <dt>{t('case.collector')}</dt>
                <dd>{c.assignedCollector?.displayName ?? t('cases.unassigned')}</dd>
              </div>
              <div>
                <dt>{t('case.openedAt')}</dt>
                <dd>{formatDateTime(c.openedAt, locale)}</dd>
              </div>
              {c.closedAt && (
                <div>
                  <dt>{t('case.closedAt')}</dt>
                  <dd>{formatDateTime(c.closedAt, locale)}</dd>
                </div>
              )}
              {c.closeReason && (
                <div>
                  <dt>{t('case.closeReason')}</dt>
                  <dd>{c.closeReason}</dd>
                </div>
              )}
            </dl>
          </section>

          <AccountCard account={c.account} />

          <section className="card" aria-labelledby="workflow-heading" data-testid="workflow-card">
            <h2 id="workflow-heading">{t('case.workflow')}</h2>
            {wf ? (
              <dl className="facts">
                <div>
                  <dt>{t('case.workflow.status')}</dt>
                  <dd>{wf.status}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.stage')}</dt>
                  <dd>{tv('stage', wf.stage)}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.balance')}</dt>
                  <dd>{formatMoney(wf.balance)}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.paymentsApplied')}</dt>
                  <dd>{formatNumber(wf.paymentsApplied, locale)}</dd>
                </div>
              </dl>
            ) : (
              <p className="muted">{t('case.workflow.none')}</p>
            )}
          </section>
        </div>

        <div className="case-col">
          <section className="card" aria-labelledby="invoices-heading">
            <h2 id="invoices-heading">{t('case.invoices')}</h2>
            <InvoiceTable invoices={c.invoices} />
          </section>

          <section className="card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t('case.timeline')}</h2>
            <Timeline events={data.events} />
          </section>
        </div>
      </div>
    </div>
  );
}
