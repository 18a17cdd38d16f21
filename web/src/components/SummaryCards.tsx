import { STAGES } from '../api.js';
import type { PortfolioSummary } from '../api.js';
import { formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { href } from '../router.js';

export function SummaryCards({ summary }: { summary: PortfolioSummary }) {
  const { t, tv, locale } = useI18n();
  const byStage = [...summary.byStage].sort(
    (a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage),
  );
  return (
    <section aria-label={t('summary.label')} className="summary" data-testid="summary-cards">
      <ul className="summary-grid">
        <li className="card summary-card summary-main">
          <span className="summary-label">{t('summary.openCases')}</span>
          <span className="summary-value" data-testid="summary-open-cases">
            {formatNumber(summary.openCases, locale)}
          </span>
        </li>
        <li className="card summary-card summary-main">
          <span className="summary-label">{t('summary.balance')}</span>
          <span className="summary-value" data-testid="summary-balance">
            {formatMoney(summary.balance)}
          </span>
        </li>
        {byStage.map((s) => (
          <li key={s.stage} className={`card summary-card summary-stage stage-edge-${s.stage}`}>
            <a
              href={href('/cases', { stage: s.stage })}
              className="summary-link"
              data-testid={`summary-stage-${s.stage}`}
            >
              <span className="summary-label">{tv('stage', s.stage)}</span>
              <span className="summary-value summary-value-small">{formatMoney(s.balance)}</span>
              <span className="summary-sub">{t('summary.stageCount', { count: s.count })}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
