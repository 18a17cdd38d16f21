import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { ImportDetail } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Loading } from '../components/Loading.js';
import { ImportResult } from '../components/ImportResult.js';
import { RecentImports } from '../components/RecentImports.js';
import { useI18n } from '../i18n/index.js';
import { navigate } from '../router.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

const POLL_MS = 1000;
const ACCEPTED = /\.(csv|xlsx)$/i;

/** Polls GET /api/imports/:id every second while it is running. */
function useImportPoll(id: string | null, onFinished: () => void) {
  const [detail, setDetail] = useState<ImportDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;

  useEffect(() => {
    setDetail(null);
    setError(null);
    if (!id) return;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const tick = async () => {
      try {
        const d = await api.getImport(id, ctrl.signal);
        if (ctrl.signal.aborted) return;
        setDetail(d);
        setError(null);
        if (d.status === 'running') timer = setTimeout(tick, POLL_MS);
        else finishedRef.current();
      } catch (err) {
        if (ctrl.signal.aborted) return;
        setError(err);
      }
    };
    void tick();
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [id, attempt]);

  return { detail, error, retry: () => setAttempt((n) => n + 1) };
}

export function ImportPage({ importId }: { importId: string | null }) {
  const { t } = useI18n();
  useTitle(t('import.title'));
  const recent = useLoad((signal) => api.listImports(signal), 'imports');
  const poll = useImportPoll(importId, recent.reload);

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>{t('import.title')}</h1>
      </div>
      <UploadForm
        onAccepted={(id) => {
          recent.reload();
          navigate(`/imports/${encodeURIComponent(id)}`);
        }}
      />

      {importId && (
        <section
          className="card"
          aria-labelledby="import-result-heading"
          data-testid="import-current"
        >
          <ErrorAlert error={poll.error} onRetry={poll.retry} />
          {!poll.detail && !poll.error && <Loading />}
          {poll.detail && <ImportResult detail={poll.detail} />}
        </section>
      )}

      <section className="card" aria-labelledby="recent-heading">
        <h2 id="recent-heading">{t('import.recent')}</h2>
        <ErrorAlert error={recent.error} onRetry={recent.reload} />
        {recent.data && <RecentImports items={recent.data.items} currentId={importId} />}
      </section>
    </>
  );
}

function UploadForm({ onAccepted }: { onAccepted: (id: string) => void }) {
  const { t } = useI18n();
  const inputRef = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const file = inputRef.current?.files?.[0];
    if (!file) {
      setError(t('import.noFile'));
      inputRef.current?.focus();
      return;
    }
    if (!ACCEPTED.test(file.name)) {
      setError(t('import.badType'));
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api.uploadPortfolio(file);
      if (inputRef.current) inputRef.current.value = '';
      onAccepted(String(res.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="card upload-form"
      onSubmit={submit}
      data-testid="import-form"
      aria-labelledby="upload-heading"
    >
      <h2 id="upload-heading">{t('import.new')}</h2>
      <p className="muted">{t('import.intro')}</p>
      <ErrorAlert error={error} />
      <div className="upload-row">
        <div className="field field-grow">
          <label htmlFor="import-file">{t('import.file')}</label>
          <input
            id="import-file"
            ref={inputRef}
            type="file"
            name="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            data-testid="import-file"
            onChange={() => setError(null)}
          />
        </div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy}
          data-testid="import-submit"
        >
          {busy ? t('import.submitting') : t('import.submit')}
        </button>
      </div>
    </form>
  );
}
