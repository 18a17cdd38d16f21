import type { Invoice } from '../api.js';
import { formatDate, formatMoney } from '../format.js';
import { useI18n } from '../i18n/index.js';

function sum(values: string[]): string {
  // Sum in cents to avoid float drift on decimal strings.
  const cents = values.reduce((acc, v) => acc + Math.round(Number(v) * 100), 0);
  return (cents / 100).toFixed(2);
}

export function InvoiceTable({ invoices }: { invoices: Invoice[] }) {
  const { t, locale } = useI18n();
  if (invoices.length === 0) return <p className="muted">{t('case.invoices.empty')}</p>;
  const sorted = [...invoices].sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="invoices-heading">
      <table className="table" data-testid="invoice-table">
        <caption className="visually-hidden">{t('case.invoices')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('case.invoice.number')}</th>
            <th scope="col">{t('case.invoice.issuedOn')}</th>
            <th scope="col">{t('case.invoice.dueOn')}</th>
            <th scope="col" className="num">
              {t('case.invoice.amount')}
            </th>
            <th scope="col" className="num">
              {t('case.invoice.balance')}
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((inv) => (
            <tr key={inv.number}>
              <td>{inv.number}</td>
              <td>{formatDate(inv.issuedOn, locale)}</td>
              <td>{formatDate(inv.dueOn, locale)}</td>
              <td className="num">{formatMoney(inv.amount)}</td>
              <td className="num">{formatMoney(inv.balance)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {t('case.invoice.total')}
            </th>
            <td className="num">{formatMoney(sum(invoices.map((i) => i.amount)))}</td>
            <td className="num">{formatMoney(sum(invoices.map((i) => i.balance)))}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
