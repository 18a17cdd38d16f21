import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../../api.js';
import type { User } from '../../api.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Loading } from '../../components/Loading.js';
import { formatDateTime } from '../../format.js';
import { useLoad } from '../../useLoad.js';
import { useTitle } from '../../useTitle.js';
import { managerApi } from './api.js';
import type { ReportSchedule } from './api.js';
import { useHeadingFocus } from './focus.js';
import { hasMessage, useI18n } from '../../i18n/index.js';
import './manager.css';

type Outcome =
  { kind: 'ok'; id: string; text: string } | { kind: 'error'; id: string; error: unknown } | null;

/** The reports Temporal Schedules send to the managers: admins change them, managers look. */
export function SchedulesPage({ user }: { user: User }) {
  const { t } = useI18n();
  useTitle(t('sched.title'));
  const heading = useHeadingFocus();
  const list = useLoad((signal) => managerApi.schedules(signal), 'schedules');
  const canEdit = user.role === 'admin';
  // Saved rows shown at once while the list reloads behind them.
  const [saved, setSaved] = useState<Record<string, ReportSchedule>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  // A server without the schedules route answers 404: say so rather than show an error.
  const missing = list.error instanceof ApiError && list.error.status === 404;

  async function act(
    sched: ReportSchedule,
    run: () => Promise<ReportSchedule | null>,
    text: string,
  ) {
    if (busy !== null) return;
    setBusy(sched.id);
    setOutcome(null);
    try {
      const updated = await run();
      if (updated) setSaved((prev) => ({ ...prev, [sched.id]: updated }));
      setOutcome({ kind: 'ok', id: sched.id, text });
      list.reload();
    } catch (error) {
      setOutcome({ kind: 'error', id: sched.id, error });
    } finally {
      setBusy(null);
    }
  }

  const items = (list.data?.items ?? []).map((x) => saved[x.id] ?? x);

  return (
    <div className="mgr">
      <div className="page-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {t('sched.title')}
          </h1>
          <p className="page-sub">{t('sched.intro')}</p>
        </div>
      </div>

      {!canEdit && <p className="alert alert-info">{t('sched.readOnly')}</p>}
      {missing ? (
        <p className="alert alert-info" role="status" data-testid="schedules-unavailable">
          {t('sched.unavailable')}
        </p>
      ) : (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      )}
      {list.loading && !list.data && <Loading />}

      <div aria-live="polite" role="status" data-testid="schedules-status">
        {outcome?.kind === 'ok' && <p className="alert mgr-status-ok">{outcome.text}</p>}
      </div>

      {list.data && items.length === 0 && <p className="empty">{t('sched.empty')}</p>}
      {items.map((sched) => (
        <ScheduleCard
          key={sched.id}
          sched={sched}
          canEdit={canEdit}
          busy={busy === sched.id}
          error={outcome?.kind === 'error' && outcome.id === sched.id ? outcome.error : null}
          onCron={(cron) =>
            act(
              sched,
              () => managerApi.updateSchedule(sched.id, { cron }),
              t('sched.savedCron', { title: sched.title }),
            )
          }
          onPause={(paused) =>
            act(
              sched,
              () => managerApi.updateSchedule(sched.id, { paused }),
              t(paused ? 'sched.savedPaused' : 'sched.savedResumed', { title: sched.title }),
            )
          }
          onTrigger={() =>
            act(
              sched,
              async () => {
                await managerApi.triggerSchedule(sched.id);
                return null;
              },
              t('sched.triggered', { title: sched.title }),
            )
          }
        />
      ))}
    </div>
  );
}

function ScheduleCard({
  sched,
  canEdit,
  busy,
  error,
  onCron,
  onPause,
  onTrigger,
}: {
  sched: ReportSchedule;
  canEdit: boolean;
  busy: boolean;
  error: unknown;
  onCron: (cron: string) => Promise<void>;
  onPause: (paused: boolean) => Promise<void>;
  onTrigger: () => Promise<void>;
}) {
  const { t, locale } = useI18n();
  const [cron, setCron] = useState(sched.cron ?? '');
  const [cronError, setCronError] = useState<string | null>(null);
  const base = `sched-${sched.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const serverCronError = error instanceof ApiError ? error.fields?.cron : undefined;
  const fieldError = cronError ?? serverCronError ?? null;
  const resultKey = `sched.result.${sched.lastResult}`;
  const result = sched.lastResult ? (hasMessage(resultKey) ? t(resultKey) : sched.lastResult) : '—';

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const value = cron.trim().replace(/\s+/g, ' ');
    if (!value) {
      setCronError(t('sched.cronRequired'));
      return;
    }
    setCronError(null);
    void onCron(value);
  }

  return (
    <section
      className="card mgr-schedule"
      aria-labelledby={`${base}-title`}
      data-testid="schedule"
      data-schedule-id={sched.id}
    >
      <h2 id={`${base}-title`}>{sched.title}</h2>
      {sched.description && <p className="muted">{sched.description}</p>}
      <dl className="facts">
        <div>
          <dt>{t('sched.state')}</dt>
          <dd data-testid="schedule-state">
            {sched.paused ? (
              <span className="badge badge-overdue">
                <span aria-hidden="true">⏸ </span>
                {t('sched.paused')}
              </span>
            ) : (
              t('sched.active')
            )}
          </dd>
        </div>
        <div>
          <dt>{t('sched.cron')}</dt>
          <dd>
            <code data-testid="schedule-cron">{sched.cron ?? t('sched.cronNone')}</code>
          </dd>
        </div>
        <div>
          <dt>{t('sched.timezone')}</dt>
          <dd>{sched.timezone}</dd>
        </div>
        <div>
          <dt>{t('sched.nextRun')}</dt>
          <dd>{sched.nextRunAt ? formatDateTime(sched.nextRunAt, locale) : '—'}</dd>
        </div>
        <div>
          <dt>{t('sched.lastRun')}</dt>
          <dd>{sched.lastRunAt ? formatDateTime(sched.lastRunAt, locale) : t('sched.never')}</dd>
        </div>
        <div>
          <dt>{t('sched.lastResult')}</dt>
          <dd>{result}</dd>
        </div>
        <div>
          <dt>{t('sched.recipients')}</dt>
          <dd>
            {sched.recipients.length > 0 ? sched.recipients.join(', ') : t('sched.noRecipients')}
          </dd>
        </div>
      </dl>

      {canEdit && (
        <>
          <form className="mgr-schedule-form" onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor={`${base}-cron`}>{t('sched.cronFor', { title: sched.title })}</label>
              <input
                id={`${base}-cron`}
                value={cron}
                onChange={(e) => setCron(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                inputMode="text"
                aria-invalid={fieldError ? true : undefined}
                aria-describedby={`${base}-hint${fieldError ? ` ${base}-error` : ''}`}
                data-testid="schedule-cron-input"
              />
              <p id={`${base}-hint`} className="mgr-value-hint">
                {t('sched.cronHint')}
              </p>
              {fieldError && (
                <p id={`${base}-error`} className="mgr-field-error" role="alert">
                  {fieldError}
                </p>
              )}
            </div>
            <button
              type="submit"
              className="btn btn-primary"
              aria-busy={busy || undefined}
              data-testid="schedule-save"
            >
              {t('sched.saveCron')}
            </button>
          </form>
          <div className="mgr-schedule-actions">
            <button
              type="button"
              className="btn btn-secondary"
              aria-describedby={`${base}-title`}
              aria-busy={busy || undefined}
              onClick={() => void onPause(!sched.paused)}
              data-testid="schedule-pause"
            >
              {sched.paused ? t('sched.resume') : t('sched.pause')}
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              aria-describedby={`${base}-title`}
              aria-busy={busy || undefined}
              onClick={() => void onTrigger()}
              data-testid="schedule-trigger"
            >
              {t('sched.trigger')}
            </button>
          </div>
          {error !== null && !serverCronError && <ErrorAlert error={error} />}
        </>
      )}
    </section>
  );
}
