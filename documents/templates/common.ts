/**
 * Blocks several templates share: the debtor's facts, the invoice table, the legal basis and the
 * signatures. Layout itself is in ../layout.ts; wording that recurs is here, once.
 */
import type { Column, DocumentLayout, SignatureLine } from '../layout.js';
import {
  billingPeriod,
  identificationKind,
  identificationLabel,
  shortDate,
  usd,
} from '../format.js';
import type { Debtor, Invoice, Issuer, Signatory } from '../types.js';

/** The debtor and the account, as the first facts of a document. */
export function debtorFacts(debtor: Debtor, accountNumber: string): [string, string][] {
  return [
    ['Deudor/a (titular)', debtor.name],
    [identificationKind(debtor.id), debtor.id],
    ['Dirección', debtor.address],
    ['Cuenta N.º', accountNumber],
  ];
}

const INVOICE_COLUMNS: Column[] = [
  { header: 'Planilla N.º', width: 0.28 },
  { header: 'Período', width: 0.26 },
  { header: 'Vencimiento', width: 0.22, align: 'center' },
  { header: 'Valor (USD)', width: 0.24, align: 'right' },
];

/** The overdue invoices with a totals row; returns the total in cents. */
export function invoiceTable(
  layout: DocumentLayout,
  invoices: Invoice[],
  totalLabel = 'Total planillas vencidas',
): number {
  const total = invoices.reduce((s, i) => s + i.amountCents, 0);
  layout.table(
    INVOICE_COLUMNS,
    invoices.map((i) => [
      i.number,
      billingPeriod(i.period),
      shortDate(i.dueOn),
      usd(i.amountCents),
    ]),
    [totalLabel, '', '', usd(total)],
  );
  return total;
}

/** The legal basis as a bulleted list under its own heading. */
export function legalBasisSection(layout: DocumentLayout, citations: string[]): void {
  layout.heading('Base legal');
  layout.list(citations);
}

/** The utility's signature line. */
export function issuerSignature(issuer: Issuer, signatory: Signatory): SignatureLine {
  return { name: signatory.name, position: signatory.position, caption: `Por ${issuer.name}` };
}

/** The debtor's signature line (agreements, receipts). */
export function debtorSignature(debtor: Debtor, caption = 'El/la deudor/a'): SignatureLine {
  return { name: debtor.name, position: identificationLabel(debtor.id), caption };
}

/** "Señor/a NAME:" salutation. */
export function salutation(layout: DocumentLayout, debtor: Debtor): void {
  layout.paragraph([{ bold: `Señor/a ${debtor.name}:` }]);
}
