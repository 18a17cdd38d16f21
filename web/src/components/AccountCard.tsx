import type { Account } from '../api.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/index.js';
import { ProtectedBadge } from './StageBadge.js';

export function AccountCard({ account }: { account: Account }) {
  const { t, tv } = useI18n();
  const rows: [MessageKey, string | null][] = [
    ['case.account.number', account.number],
    ['case.account.holder', account.holderName],
    ['case.account.holderId', account.holderId],
    ['case.account.address', account.address],
    ['case.account.sector', account.sector],
    ['case.account.route', account.route],
    ['case.account.category', account.category ? tv('category', account.category) : null],
    ['case.account.phone', account.phone],
    ['case.account.email', account.email],
  ];
  const protection = account.protection;
  return (
    <section className="card" aria-labelledby="account-heading" data-testid="account-card">
      <h2 id="account-heading">{t('case.account')}</h2>
      <dl className="facts">
        {rows.map(([key, value]) => (
          <div key={key}>
            <dt>{t(key)}</dt>
            <dd>
              {key === 'case.account.phone' && value ? (
                <a href={`tel:${value.replace(/\s+/g, '')}`}>{value}</a>
              ) : key === 'case.account.email' && value ? (
                <a href={`mailto:${value}`}>{value}</a>
              ) : (
                value || t('common.none')
              )}
            </dd>
          </div>
        ))}
        <div>
          <dt>{t('case.account.protection')}</dt>
          <dd>
            {protection ? (
              <>
                <ProtectedBadge />{' '}
                {typeof protection === 'string' ? protection : JSON.stringify(protection)}
              </>
            ) : (
              t('case.account.notProtected')
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
