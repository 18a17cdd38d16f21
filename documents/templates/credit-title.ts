/**
 * Título de crédito: every element COA art. 268 and Código Tributario art. 150 require, each
 * under its own label so that a reviewer (and the tests) can find it.
 */
import { amountInWords, identificationKind, longDate, term } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf } from '../types.js';
import { invoiceTable, legalBasisSection } from './common.js';

export function writeCreditTitle(layout: DocumentLayout, doc: DocumentOf<'titulo_credito'>): void {
  const t = doc.title;
  layout.titleBlock(
    { place: t.place, date: t.issuedOn },
    t.version > 1 ? `Versión ${t.version}: reemplaza a la versión anterior` : undefined,
  );
  layout.paragraph([
    { bold: doc.issuer.legalName },
    `, con RUC ${t.issuer.ruc}, emite el presente título de crédito por la obligación determinada, líquida y de plazo vencido que se detalla:`,
  ]);
  layout.facts([
    ['Órgano emisor', `${t.issuer.legalName} (RUC ${t.issuer.ruc})`],
    ['Deudor/a', t.debtor.name],
    [`${identificationKind(t.debtor.id)} del deudor`, t.debtor.id],
    ['Dirección del deudor', t.debtor.address],
    ['Lugar y fecha de emisión', `${t.place}, ${longDate(t.issuedOn)}`],
    ['Número del título', t.number],
    ['Cuenta N.º', t.accountNumber],
    ['Concepto', t.concept],
    ['Origen de la obligación', t.origin],
    ['Valor adeudado', t.amount],
    ['Son', amountInWords(t.amountCents)],
    ['Intereses desde', longDate(t.interestFrom)],
    ['Fundamento', t.legalBasis],
  ]);
  layout.heading('Detalle de la obligación');
  invoiceTable(layout, doc.invoices);
  layout.paragraph([
    'Sobre el valor adeudado se causan intereses de mora desde el ',
    { bold: longDate(t.interestFrom) },
    ' hasta la fecha de pago total, a la tasa que corresponda según la ley.',
  ]);
  layout.paragraph([
    'Se concede al deudor el término de ',
    { bold: term(doc.voluntaryPaymentTerm) },
    ', contados desde el día siguiente al de su notificación, para que pague voluntariamente la obligación ',
    '(Código Orgánico Administrativo, art. 271). Vencido este término sin que se haya pagado ni solicitado ',
    'facilidades de pago, se iniciará el procedimiento de ejecución coactiva.',
  ]);
  if (t.corrections.length > 0) {
    layout.note(`Correcciones incorporadas: ${t.corrections.join('; ')}.`);
  }
  legalBasisSection(layout, doc.legalBasis);
  const signer = doc.signatory ?? { name: t.signature.name, position: t.signature.title };
  layout.signatures([
    { name: signer.name, position: signer.position, caption: `Firma: por ${doc.issuer.name}` },
  ]);
}
