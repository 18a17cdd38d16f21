import { useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { AgreementProposal as Proposal, AgreementSimulation } from '../api.js';
import { formatDate, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { normaliseMoney } from '../tasks/taskForms.js';
import { ErrorAlert } from './ErrorAlert.js';

/** Wait after the last keystroke before asking the API for a new schedule. */
const SIMULATE_DELAY_MS = 400;
const MONEY = /^\d+\.\d{2}$/;

interface Props {
  caseId: string;
  onProposed?: (p: Proposal) => void;
}

/** Down payment + instalments → live schedule (POST /api/agreements/simulate) → propose. */
export function AgreementProposal({ caseId, onProposed }: Props) {
  const { t, locale } = useI18n();
  const uid = useId();
  const [downPayment, setDownPayment] = useState('');
  const [instalments, setInstalments] = useState('');
  const [firstDueOn, setFirstDueOn] = useState('');
  const [sim, setSim] = useState<AgreementSimulation | null>(null);
  const [simError, setSimError] = useState<unknown>(null);
  const [simulating, setSimulating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [proposed, setProposed] = useState<Proposal | null>(null);

  const down = normaliseMoney(downPayment);
  const count = Number(instalments);
  const termsValid = MONEY.test(down) && Number.isInteger(count) && count >= 1 && count <= 600;
  const terms = { downPayment: down, instalments: count, ...(firstDueOn ? { firstDueOn } : {}) };
  const termsKey = JSON.stringify(terms);

  useEffect(() => {
    if (!termsValid) {
      setSim(null);
      setSimError(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      setSimulating(true);
      api.simulateAgreement(caseId, JSON.parse(termsKey), ctrl.signal).then(
        (s) => {
          setSim(s);
          setSimError(null);
          setSimulating(false);
        },
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          setSim(null);
          setSimError(err);
          setSimulating(false);
        },
      );
    }, SIMULATE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [caseId, termsKey, termsValid]);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    if (!termsValid) {
      setError(t('agreement.termsInvalid'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const p = await api.proposeAgreement(caseId, terms);
      setProposed(p);
      onProposed?.(p);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (proposed) {
    return (
      <div className="alert alert-success" role="status" data-testid="agreement-proposed">
        <p>{t('agreement.proposed')}</p>
        {proposed.needsManagerApproval && <p>{t('agreement.needsApproval')}</p>}
        {proposed.needsNotarisedSignature && <p>{t('agreement.needsNotary')}</p>}
      </div>
    );
  }

  return (
    <form
      className="agreement-form"
      noValidate
      onSubmit={submit}
      aria-labelledby={`${uid}-title`}
      data-testid="agreement-form"
    >
      <h3 id={`${uid}-title`}>{t('agreement.proposeTitle')}</h3>
      <ErrorAlert error={error} />
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${uid}-down`}>{t('agreement.downPayment')}</label>
          <input
            id={`${uid}-down`}
            inputMode="decimal"
            placeholder="0.00"
            value={downPayment}
            onChange={(e) => setDownPayment(e.target.value)}
            data-testid="agreement-down-payment"
          />
        </div>
        <div className="field">
          <label htmlFor={`${uid}-count`}>{t('agreement.instalments')}</label>
          <input
            id={`${uid}-count`}
            type="number"
            min={1}
            max={600}
            step={1}
            value={instalments}
            onChange={(e) => setInstalments(e.target.value)}
            data-testid="agreement-instalments"
          />
        </div>
        <div className="field">
          <label htmlFor={`${uid}-first`}>
            {t('agreement.firstDueOn')}
            <span className="optional-mark" aria-hidden="true">
              {' '}
              {t('form.optional')}
            </span>
          </label>
          <input
            id={`${uid}-first`}
            type="date"
            value={firstDueOn}
            onChange={(e) => setFirstDueOn(e.target.value)}
            data-testid="agreement-first-due"
          />
        </div>
      </div>

      <div aria-live="polite" className="simulation" data-testid="agreement-simulation">
        {simulating && <p className="loading">{t('agreement.simulating')}</p>}
        {!termsValid && !sim && <p className="muted">{t('agreement.hint')}</p>}
        {simError !== null && <ErrorAlert error={simError} />}
        {sim && (
          <>
            <dl className="facts facts-compact">
              <div>
                <dt>{t('agreement.balance')}</dt>
                <dd>{formatMoney(sim.balance)}</dd>
              </div>
              <div>
                <dt>{t('agreement.financed')}</dt>
                <dd>{formatMoney(sim.financed)}</dd>
              </div>
              <div>
                <dt>{t('agreement.interest')}</dt>
                <dd>
                  {formatMoney(sim.interest)} (
                  {t('agreement.rate', { rate: formatNumber(sim.annualRateBp / 100, locale, 2) })})
                </dd>
              </div>
              <div>
                <dt>{t('agreement.total')}</dt>
                <dd>{formatMoney(sim.total)}</dd>
              </div>
            </dl>
            {sim.needsManagerApproval && (
              <p className="alert alert-info">{t('agreement.needsApproval')}</p>
            )}
            {sim.needsNotarisedSignature && (
              <p className="alert alert-info">{t('agreement.needsNotary')}</p>
            )}
            <ScheduleTable
              caption={t('agreement.schedule')}
              rows={sim.schedule.map((r) => ({
                number: r.number,
                dueOn: r.dueOn,
                principal: r.principal,
                interest: r.interest,
                amount: r.amount,
              }))}
            />
          </>
        )}
      </div>

      <button
        type="submit"
        className="btn btn-primary"
        disabled={busy || !termsValid}
        data-testid="agreement-submit"
      >
        {busy ? t('agreement.submitting') : t('agreement.submit')}
      </button>
    </form>
  );
}

export interface ScheduleRow {
  number: number;
  dueOn: string;
  principal?: string;
  interest?: string;
  amount: string;
  paid?: string;
  status?: string;
}

/** Down payment (number 0) and instalments, with due dates and amounts (and payments, if any). */
export function ScheduleTable({ caption, rows }: { caption: string; rows: ScheduleRow[] }) {
  const { t, tv, locale } = useI18n();
  const split = rows.some((r) => r.principal !== undefined);
  const paid = rows.some((r) => r.paid !== undefined);
  return (
    <div className="table-wrap table-wrap-tall">
      <table className="table" data-testid="agreement-schedule">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('agreement.col.number')}
            </th>
            <th scope="col">{t('agreement.col.dueOn')}</th>
            {split && (
              <>
                <th scope="col" className="num">
                  {t('agreement.col.principal')}
                </th>
                <th scope="col" className="num">
                  {t('agreement.col.interest')}
                </th>
              </>
            )}
            <th scope="col" className="num">
              {t('agreement.col.amount')}
            </th>
            {paid && (
              <>
                <th scope="col" className="num">
                  {t('agreement.col.paid')}
                </th>
                <th scope="col">{t('agreement.col.status')}</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.number}>
              <th scope="row" className="num">
                {r.number === 0 ? t('agreement.downPaymentRow') : formatNumber(r.number, locale)}
              </th>
              <td>{formatDate(r.dueOn, locale)}</td>
              {split && (
                <>
                  <td className="num">{formatMoney(r.principal)}</td>
                  <td className="num">{formatMoney(r.interest)}</td>
                </>
              )}
              <td className="num">{formatMoney(r.amount)}</td>
              {paid && (
                <>
                  <td className="num">{formatMoney(r.paid)}</td>
                  <td>{r.status ? tv('instalment', r.status) : ''}</td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
