import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { Agreement } from '../api.js';
import { formatDateTime, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { ScheduleTable } from './AgreementProposal.js';
import { ErrorAlert } from './ErrorAlert.js';

interface Props {
  agreements: Agreement[];
  /** Managers decide on proposed agreements. */
  mayDecide: boolean;
  onChanged: (message: string) => void;
}

/** The case's agreements, newest first, with their instalments; approve/reject for managers. */
export function AgreementsList({ agreements, mayDecide, onChanged }: Props) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="agreements-heading" data-testid="case-agreements">
      <h2 id="agreements-heading">{t('agreements.heading')}</h2>
      {agreements.length === 0 ? (
        <p className="muted">{t('agreements.empty')}</p>
      ) : (
        agreements.map((a) => (
          <AgreementCard key={a.id} agreement={a} mayDecide={mayDecide} onChanged={onChanged} />
        ))
      )}
    </section>
  );
}

function AgreementCard({
  agreement: a,
  mayDecide,
  onChanged,
}: {
  agreement: Agreement;
  mayDecide: boolean;
  onChanged: (message: string) => void;
}) {
  const { t, tv, locale } = useI18n();
  const uid = useId();
  const [note, setNote] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function approve() {
    setBusy(true);
    setError(null);
    try {
      await api.approveAgreement(a.id, note.trim() || undefined);
      onChanged(t('agreements.approved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function reject(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.rejectAgreement(a.id, reason.trim());
      onChanged(t('agreements.rejected'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article
      className="agreement"
      aria-labelledby={`${uid}-h`}
      data-testid="agreement"
      data-agreement-status={a.status}
    >
      <h3 id={`${uid}-h`}>
        {t('agreements.item', {
          date: formatDateTime(a.createdAt, locale),
          status: tv('agreementStatus', a.status),
        })}
      </h3>
      <dl className="facts facts-compact">
        <div>
          <dt>{t('agreements.status')}</dt>
          <dd>
            <span className={`badge agreement-${a.status}`}>{tv('agreementStatus', a.status)}</span>
          </dd>
        </div>
        <div>
          <dt>{t('agreement.total')}</dt>
          <dd>{formatMoney(a.total)}</dd>
        </div>
        <div>
          <dt>{t('agreement.downPayment')}</dt>
          <dd>{formatMoney(a.downPayment)}</dd>
        </div>
        <div>
          <dt>{t('agreement.interest')}</dt>
          <dd>{formatMoney(a.interest)}</dd>
        </div>
        <div>
          <dt>{t('agreement.instalments')}</dt>
          <dd>{formatNumber(a.instalmentsCount, locale)}</dd>
        </div>
        <div>
          <dt>{t('agreements.proposedBy')}</dt>
          <dd>{a.proposedBy.displayName ?? a.proposedBy.id}</dd>
        </div>
        {a.approvedBy && (
          <div>
            <dt>{t('agreements.approvedBy')}</dt>
            <dd>{a.approvedBy.displayName ?? a.approvedBy.id}</dd>
          </div>
        )}
        <div>
          <dt>{t('agreements.notarised')}</dt>
          <dd>{a.notarised ? t('common.yes') : t('common.no')}</dd>
        </div>
      </dl>
      {a.instalments.length > 0 && (
        <details>
          <summary>{t('agreements.showInstalments', { count: a.instalments.length })}</summary>
          <ScheduleTable
            caption={t('agreements.instalmentsCaption')}
            rows={a.instalments.map((i) => ({
              number: i.number,
              dueOn: i.dueOn,
              amount: i.amount,
              paid: i.paid,
              status: i.status,
            }))}
          />
        </details>
      )}
      {mayDecide && a.status === 'proposed' && (
        <div className="agreement-decision" data-testid="agreement-decision">
          <ErrorAlert error={error} />
          <div className="field">
            <label htmlFor={`${uid}-note`}>
              {t('agreements.approveNote')}
              <span className="optional-mark" aria-hidden="true">
                {' '}
                {t('form.optional')}
              </span>
            </label>
            <input id={`${uid}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <div className="action-buttons">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void approve()}
              data-testid="agreement-approve"
            >
              {t('agreements.approve')}
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              aria-expanded={rejecting}
              onClick={() => setRejecting((r) => !r)}
              data-testid="agreement-reject-toggle"
            >
              {t('agreements.reject')}
            </button>
          </div>
          {rejecting && (
            <form noValidate onSubmit={reject} className="action-form">
              <div className="field">
                <label htmlFor={`${uid}-reason`}>{t('agreements.rejectReason')}</label>
                <textarea
                  id={`${uid}-reason`}
                  rows={2}
                  maxLength={2000}
                  value={reason}
                  onChange={(e) => {
                    setReason(e.target.value);
                    setReasonMissing(false);
                  }}
                  aria-invalid={reasonMissing || undefined}
                  aria-describedby={reasonMissing ? `${uid}-reason-error` : undefined}
                />
                {reasonMissing && (
                  <p className="field-error" id={`${uid}-reason-error`}>
                    <span aria-hidden="true">⚠ </span>
                    {t('form.required')}
                  </p>
                )}
              </div>
              <button
                type="submit"
                className="btn btn-danger"
                disabled={busy}
                data-testid="agreement-reject"
              >
                {t('agreements.confirmReject')}
              </button>
            </form>
          )}
        </div>
      )}
    </article>
  );
}
