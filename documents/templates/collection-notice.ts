/** Aviso de cobro: the first contact in writing, listing what is overdue and how to pay. */
import { longDate, usd } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf } from '../types.js';
import {
  debtorFacts,
  invoiceTable,
  issuerSignature,
  legalBasisSection,
  salutation,
} from './common.js';

const ORDINALS = [
  'Primer',
  'Segundo',
  'Tercer',
  'Cuarto',
  'Quinto',
  'Sexto',
  'Séptimo',
  'Octavo',
  'Noveno',
  'Décimo',
];

export function writeCollectionNotice(
  layout: DocumentLayout,
  doc: DocumentOf<'aviso_cobro'>,
): void {
  layout.titleBlock(doc, `${ORDINALS[doc.noticeOrdinal - 1] ?? ''} aviso`);
  layout.facts(debtorFacts(doc.debtor, doc.accountNumber));
  salutation(layout, doc.debtor);
  const total = doc.invoices.reduce((s, i) => s + i.amountCents, 0);
  layout.paragraph([
    `${doc.issuer.legalName} le comunica que la cuenta N.º ${doc.accountNumber} registra `,
    { bold: `${doc.invoices.length} planilla(s) vencida(s) y no pagada(s)` },
    ' por un total de ',
    { bold: usd(total) },
    ', según el siguiente detalle:',
  ]);
  invoiceTable(layout, doc.invoices, 'Total adeudado');
  layout.paragraph([
    'Le solicitamos cancelar el valor adeudado hasta el ',
    { bold: longDate(doc.payBy) },
    ' en cualquiera de los siguientes lugares:',
  ]);
  layout.list(doc.paymentChannels);
  layout.paragraph(
    'Si no puede pagar la totalidad, acérquese a nuestras oficinas para solicitar un convenio de pago. ' +
      'De no registrarse el pago ni un convenio, la empresa podrá suspender el servicio previo aviso, ' +
      'emitir el título de crédito por la obligación y cobrarla por la vía coactiva, con los intereses ' +
      'y costas que correspondan.',
  );
  layout.paragraph(
    'Si usted ya realizó el pago, le agradecemos y le pedimos no considerar este aviso.',
    {
      italic: true,
    },
  );
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([issuerSignature(doc.issuer, doc.signatory)]);
}
