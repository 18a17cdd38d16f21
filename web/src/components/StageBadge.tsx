import { useI18n } from '../i18n/index.js';

export function StageBadge({ stage }: { stage: string }) {
  const { tv } = useI18n();
  return <span className={`badge stage-badge stage-${stage}`}>{tv('stage', stage)}</span>;
}

export function ProtectedBadge() {
  const { t } = useI18n();
  return (
    <span
      className="badge badge-protected"
      title={t('cases.protectedHint')}
      data-testid="protected-badge"
    >
      {t('cases.protected')}
    </span>
  );
}
