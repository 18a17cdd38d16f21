import type { CaseDocument } from '../api.js';
import { formatDateTime, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { DocumentDownload } from './DocumentDownload.js';

/** "3f2a…": enough to compare by eye; the whole hash is in the title and for screen readers. */
export function ShortHash({ sha256 }: { sha256: string }) {
  const { t } = useI18n();
  return (
    <code className="doc-hash" title={sha256}>
      <span aria-hidden="true">{sha256.slice(0, 12)}…</span>
      <span className="visually-hidden">{t('documents.sha256Full', { hash: sha256 })}</span>
    </code>
  );
}

/** Legal documents issued on the case, newest first, each downloadable as PDF. */
export function CaseDocuments({ documents }: { documents: CaseDocument[] }) {
  const { t, tv, locale } = useI18n();
  if (documents.length === 0) return <p className="muted">{t('documents.empty')}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={t('documents.table')}>
      <table className="table" data-testid="case-documents">
        <caption className="visually-hidden">{t('documents.table')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('documents.col.kind')}</th>
            <th scope="col">{t('documents.col.number')}</th>
            <th scope="col">{t('documents.col.date')}</th>
            <th scope="col" className="num">
              {t('documents.col.pages')}
            </th>
            <th scope="col">{t('documents.col.sha256')}</th>
            <th scope="col">{t('documents.col.file')}</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((d) => (
            <tr key={d.id} data-testid="case-document" data-kind={d.kind}>
              <th scope="row">{tv('documentKind', d.kind)}</th>
              <td className="nowrap">{d.number}</td>
              <td>{formatDateTime(d.createdAt, locale)}</td>
              <td className="num">{formatNumber(d.pages, locale)}</td>
              <td>
                <ShortHash sha256={d.sha256} />
              </td>
              <td>
                <DocumentDownload documentId={d.id} fileName={d.fileName} what={d.number} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
