/** Aviso previo de suspensión: the warning that must precede a cut (policy.suspension.priorNotice). */
import { longDateTime, term, usd } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf } from '../types.js';
import {
  debtorFacts,
  invoiceTable,
  issuerSignature,
  legalBasisSection,
  salutation,
} from './common.js';

export function writeSuspensionNotice(
  layout: DocumentLayout,
  doc: DocumentOf<'aviso_previo_suspension'>,
): void {
  layout.titleBlock(doc);
  layout.facts(debtorFacts(doc.debtor, doc.accountNumber));
  salutation(layout, doc.debtor);
  const total = doc.invoices.reduce((s, i) => s + i.amountCents, 0);
  layout.paragraph([
    `Pese a los avisos de cobro enviados, la cuenta N.º ${doc.accountNumber} mantiene un saldo vencido de `,
    { bold: usd(total) },
    '. Le notificamos que, si no paga el total adeudado o suscribe un convenio de pago dentro de ',
    { bold: term(doc.priorNotice) },
    ' desde la entrega de este aviso, el servicio de agua potable podrá ser suspendido a partir del ',
    { bold: longDateTime(doc.earliestCutAt) },
    '.',
  ]);
  invoiceTable(layout, doc.invoices, 'Total adeudado');
  const facts: [string, string][] = [
    ['Valor adeudado', usd(total)],
    ['Plazo para pagar antes de la suspensión', term(doc.priorNotice)],
    ['Suspensión posible desde', longDateTime(doc.earliestCutAt)],
  ];
  if (doc.suspensionFeeCents > 0) facts.push(['Cargo por suspensión', usd(doc.suspensionFeeCents)]);
  if (doc.reconnectionFeeCents > 0)
    facts.push(['Cargo por reconexión', usd(doc.reconnectionFeeCents)]);
  layout.facts(facts);
  layout.paragraph('Puede pagar en:');
  layout.list(doc.paymentChannels);
  layout.paragraph(
    'Una vez pagado el total o firmado un convenio, el servicio suspendido se reconecta en el plazo ' +
      'que fija la empresa. Reconectar el servicio sin autorización de la empresa es una infracción ' +
      'sujeta a multa.',
  );
  layout.note(
    'Los hogares en situación de vulnerabilidad, hospitales y centros de salud, y establecimientos ' +
      'educativos no son suspendidos automáticamente: si este es su caso, comuníquelo en nuestras oficinas.',
  );
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([
    issuerSignature(doc.issuer, doc.signatory),
    { name: null, position: 'Cédula, fecha y hora de recepción', caption: 'Recibí conforme' },
  ]);
}
