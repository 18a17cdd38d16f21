import { useState } from 'react';
import type { MouseEvent } from 'react';
import { api, saveFile } from '../api.js';
import { useI18n } from '../i18n/index.js';
import { ErrorAlert } from './ErrorAlert.js';

/**
 * "Descargar PDF" link of a stored document. The API wants the Bearer token, which a plain
 * <a href> does not send: the click fetches the PDF and saves it through a Blob URL.
 */
export function DocumentDownload({
  documentId,
  fileName,
  what,
}: {
  documentId: string;
  /** Name to save under when the server does not send one. */
  fileName: string;
  /** Which document, read after the link text ("TC-2026-000001"). */
  what: string;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function click(e: MouseEvent<HTMLAnchorElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      saveFile(await api.documentPdf(documentId, fileName));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <a
        href={`/api/documents/${encodeURIComponent(documentId)}/pdf`}
        download={fileName}
        className="doc-download"
        aria-busy={busy || undefined}
        onClick={(e) => void click(e)}
        data-testid="document-download"
      >
        {busy ? t('documents.downloading') : t('documents.download')}
        <span className="visually-hidden"> {what}</span>
      </a>
      <ErrorAlert error={error} />
    </>
  );
}
