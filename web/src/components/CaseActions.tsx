import { useId, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { CLOSE_REASONS, api } from '../api.js';
import type { CaseAction, CloseReason } from '../api.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/index.js';
import { useLoad } from '../useLoad.js';
import { AgreementProposal } from './AgreementProposal.js';
import { ErrorAlert } from './ErrorAlert.js';

interface Props {
  caseId: string;
  actions: CaseAction[];
  currentCollectorId: string | null;
  /** Called after an action succeeded, with the message to announce. */
  onChanged: (message: string) => void;
}

const OPENERS: Record<CaseAction, MessageKey> = {
  assign: 'action.assign',
  hold: 'action.hold',
  resume: 'action.resume',
  close: 'action.close',
  dispute: 'action.dispute',
  resolveDispute: 'action.resolveDispute',
  proposeAgreement: 'agreement.propose',
};

/** The actions the caller's role may take now; one small form at a time. */
export function CaseActions({ caseId, actions, currentCollectorId, onChanged }: Props) {
  const { t } = useI18n();
  const [openAction, setOpenAction] = useState<CaseAction | null>(null);
  if (actions.length === 0) return null;
  return (
    <section className="card" aria-labelledby="actions-heading" data-testid="case-actions">
      <h2 id="actions-heading">{t('action.heading')}</h2>
      <div className="action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={openAction === a ? 'btn btn-primary' : 'btn btn-secondary'}
            aria-expanded={openAction === a}
            aria-controls="case-action-form"
            onClick={() => setOpenAction((x) => (x === a ? null : a))}
            data-testid={`action-${a}`}
          >
            {t(OPENERS[a])}
          </button>
        ))}
      </div>
      <div id="case-action-form">
        {openAction === 'proposeAgreement' && (
          <AgreementProposal
            caseId={caseId}
            onProposed={() => onChanged(t('agreement.proposed'))}
          />
        )}
        {openAction && openAction !== 'proposeAgreement' && (
          <ActionForm
            key={openAction}
            action={openAction}
            caseId={caseId}
            currentCollectorId={currentCollectorId}
            onDone={(msg) => {
              setOpenAction(null);
              onChanged(msg);
            }}
          />
        )}
      </div>
    </section>
  );
}

function ActionForm({
  action,
  caseId,
  currentCollectorId,
  onDone,
}: {
  action: Exclude<CaseAction, 'proposeAgreement'>;
  caseId: string;
  currentCollectorId: string | null;
  onDone: (message: string) => void;
}) {
  const { t, tv } = useI18n();
  const uid = useId();
  const [text, setText] = useState('');
  const [collectorId, setCollectorId] = useState('');
  const [closeReason, setCloseReason] = useState<CloseReason | ''>('');
  const [outcome, setOutcome] = useState<'upheld' | 'rejected' | ''>('');
  const [missing, setMissing] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const collectors = useLoad(
    (signal) =>
      action === 'assign' ? api.listUsers('collector', signal) : Promise.resolve({ items: [] }),
    action,
  );

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const need = new Set<string>();
    if (action === 'assign' && !collectorId) need.add('collector');
    if (action === 'close' && !closeReason) need.add('closeReason');
    if (action === 'resolveDispute' && !outcome) need.add('outcome');
    if (action !== 'assign' && !text.trim()) need.add('text');
    setMissing(need);
    if (need.size > 0) {
      setError(t('form.fix'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (action === 'assign') await api.assignCase(caseId, collectorId);
      else if (action === 'hold') await api.holdCase(caseId, text.trim());
      else if (action === 'resume') await api.resumeCase(caseId, text.trim());
      else if (action === 'close')
        await api.closeCase(caseId, closeReason as CloseReason, text.trim());
      else if (action === 'dispute') await api.openDispute(caseId, text.trim());
      else await api.resolveDispute(caseId, outcome as 'upheld' | 'rejected', text.trim());
      onDone(t(`action.done.${action}`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (name: string, id: string): ReactNode =>
    missing.has(name) ? (
      <p className="field-error" id={id}>
        <span aria-hidden="true">⚠ </span>
        {t('form.required')}
      </p>
    ) : null;

  const textLabel: MessageKey =
    action === 'close'
      ? 'action.field.closeNote'
      : action === 'dispute'
        ? 'action.field.disputeReason'
        : action === 'resolveDispute'
          ? 'action.field.resolution'
          : 'action.field.reason';

  return (
    <form
      className="action-form"
      noValidate
      onSubmit={submit}
      data-testid={`action-form-${action}`}
    >
      <ErrorAlert error={error} />
      {action === 'assign' && (
        <div className="field">
          <label htmlFor={`${uid}-collector`}>{t('action.field.collector')}</label>
          <select
            id={`${uid}-collector`}
            value={collectorId}
            onChange={(e) => setCollectorId(e.target.value)}
            aria-invalid={missing.has('collector') || undefined}
            aria-describedby={missing.has('collector') ? `${uid}-collector-error` : undefined}
          >
            <option value="">{t('form.choose')}</option>
            {(collectors.data?.items ?? [])
              .filter((u) => u.active && u.id !== currentCollectorId)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName} ({u.username})
                </option>
              ))}
          </select>
          {fieldError('collector', `${uid}-collector-error`)}
          <ErrorAlert error={collectors.error} />
        </div>
      )}
      {action === 'close' && (
        <div className="field">
          <label htmlFor={`${uid}-close`}>{t('action.field.closeReason')}</label>
          <select
            id={`${uid}-close`}
            value={closeReason}
            onChange={(e) => setCloseReason(e.target.value as CloseReason | '')}
            aria-invalid={missing.has('closeReason') || undefined}
            aria-describedby={missing.has('closeReason') ? `${uid}-close-error` : undefined}
          >
            <option value="">{t('form.choose')}</option>
            {CLOSE_REASONS.map((r) => (
              <option key={r} value={r}>
                {tv('closeReason', r)}
              </option>
            ))}
          </select>
          {fieldError('closeReason', `${uid}-close-error`)}
        </div>
      )}
      {action === 'resolveDispute' && (
        <fieldset
          className="choice"
          aria-invalid={missing.has('outcome') || undefined}
          aria-describedby={missing.has('outcome') ? `${uid}-outcome-error` : undefined}
        >
          <legend>{t('action.field.outcome')}</legend>
          {(['upheld', 'rejected'] as const).map((o) => (
            <label key={o} className="choice-option">
              <input
                type="radio"
                name={`${uid}-outcome`}
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
              />
              <span>{t(`action.outcome.${o}`)}</span>
            </label>
          ))}
          {fieldError('outcome', `${uid}-outcome-error`)}
        </fieldset>
      )}
      {action !== 'assign' && (
        <div className="field">
          <label htmlFor={`${uid}-text`}>{t(textLabel)}</label>
          <textarea
            id={`${uid}-text`}
            rows={3}
            maxLength={2000}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={missing.has('text') || undefined}
            aria-describedby={missing.has('text') ? `${uid}-text-error` : undefined}
          />
          {fieldError('text', `${uid}-text-error`)}
        </div>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {t(`action.confirm.${action}`)}
      </button>
    </form>
  );
}
