/** Convenio de pago: the parties, the debt, the down payment, the instalment table and the clauses. */
import { identificationLabel, longDate, percent, shortDate, term, usd } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf } from '../types.js';
import { debtorSignature, invoiceTable, issuerSignature, legalBasisSection } from './common.js';

const RATE_BASIS = {
  COA: 'tasa de interés referencial del Banco Central del Ecuador',
  CODIGO_TRIBUTARIO:
    '1,5 veces la tasa activa referencial del Banco Central del Ecuador (Código Tributario)',
} as const;

export function writePaymentAgreement(
  layout: DocumentLayout,
  doc: DocumentOf<'convenio_pago'>,
): void {
  layout.titleBlock(doc, 'Facilidades de pago');
  const n = doc.schedule.length;
  layout.paragraph([
    `En ${doc.place}, a ${longDate(doc.date)}, comparecen: por una parte, `,
    { bold: doc.issuer.legalName },
    `, con RUC ${doc.issuer.ruc}, representada por ${doc.signatory.name}, ${doc.signatory.position}; y, por otra, `,
    { bold: doc.debtor.name },
    `, con ${identificationLabel(doc.debtor.id)}, domiciliado/a en ${doc.debtor.address}, titular de la cuenta N.º ${doc.accountNumber}, `,
    'quienes celebran el presente convenio de pago al tenor de las siguientes cláusulas:',
  ]);

  layout.heading('Primera. Antecedentes');
  layout.paragraph([
    'El/la deudor/a adeuda a la empresa, por servicios de agua potable y alcantarillado, las planillas que se detallan, ',
    'que con recargos y cargos de servicio suman una deuda total de ',
    { bold: usd(doc.balanceCents) },
    ':',
  ]);
  invoiceTable(layout, doc.invoices);

  layout.heading('Segunda. Forma de pago');
  layout.paragraph([
    'El/la deudor/a paga una entrada de ',
    { bold: usd(doc.downPaymentCents) },
    ` el ${longDate(doc.downPaymentDueOn)}, y el saldo financiado de `,
    { bold: usd(doc.financedCents) },
    ' en ',
    { bold: `${n} cuota(s) mensual(es)` },
    ', con un interés anual de ',
    { bold: percent(doc.annualRateBp) },
    ` (${RATE_BASIS[doc.legalRoute]}) sobre el saldo pendiente, según la siguiente tabla:`,
  ]);
  const principal = doc.downPaymentCents + doc.schedule.reduce((s, r) => s + r.principalCents, 0);
  layout.table(
    [
      { header: 'Cuota', width: 0.14, align: 'center' },
      { header: 'Vencimiento', width: 0.2, align: 'center' },
      { header: 'Capital', width: 0.22, align: 'right' },
      { header: 'Interés', width: 0.2, align: 'right' },
      { header: 'Valor a pagar', width: 0.24, align: 'right' },
    ],
    [
      [
        'Entrada',
        shortDate(doc.downPaymentDueOn),
        usd(doc.downPaymentCents),
        usd(0),
        usd(doc.downPaymentCents),
      ],
      ...doc.schedule.map((r) => [
        String(r.number),
        shortDate(r.dueOn),
        usd(r.principalCents),
        usd(r.interestCents),
        usd(r.amountCents),
      ]),
    ],
    ['Total', '', usd(principal), usd(doc.interestCents), usd(doc.totalCents)],
  );

  layout.heading('Tercera. Incumplimiento');
  layout.paragraph([
    'Si una cuota no se paga en su totalidad dentro de ',
    { bold: term(doc.instalmentGrace) },
    ' posteriores a su vencimiento, el convenio queda incumplido de pleno derecho: el saldo pendiente se vuelve exigible ',
    'de inmediato y la empresa continúa el procedimiento de cobro desde la etapa en que se encontraba, incluida la ',
    'suspensión del servicio, la emisión del título de crédito y la ejecución coactiva.',
  ]);

  layout.heading('Cuarta. Efectos');
  layout.paragraph(
    'Mientras el convenio esté vigente y al día, la empresa suspende las acciones de cobro de la deuda convenida y, si el ' +
      'servicio estuviera suspendido, ordena su reconexión. Las planillas de consumo que se emitan desde la fecha de este ' +
      'convenio deben pagarse a su vencimiento. Los pagos se aplican primero a la entrada y luego a las cuotas en orden.',
  );

  layout.heading('Quinta. Aceptación');
  layout.paragraph(
    'Las partes aceptan el contenido de este convenio y lo firman en dos ejemplares de igual valor.' +
      (doc.needsNotarisedSignature
        ? ' Por su cuantía, las firmas de este convenio deben reconocerse ante notario público.'
        : ''),
  );
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([issuerSignature(doc.issuer, doc.signatory), debtorSignature(doc.debtor)]);
}
