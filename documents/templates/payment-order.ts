/**
 * Orden de pago inmediato (COA art. 279): the executor orders the debtor to pay, or declare assets,
 * within the policy term; medidas cautelares (art. 281) never reach wages, pensions or alimony.
 */
import { EXEMPT_FUND_KINDS, type ExemptFundKind } from '../../domain/coactiva.js';
import {
  amountInWords,
  identificationKind,
  identificationLabel,
  longDate,
  term,
  usd,
} from '../format.js';
import type { DocumentLayout, Run } from '../layout.js';
import type { DocumentOf } from '../types.js';
import { issuerSignature, legalBasisSection } from './common.js';

const EXEMPT_LABELS: Record<ExemptFundKind, string> = {
  wages: 'sueldos y salarios',
  pensions: 'pensiones jubilares',
  alimony: 'pensiones alimenticias',
};

export function writePaymentOrder(
  layout: DocumentLayout,
  doc: DocumentOf<'orden_pago_inmediato'>,
): void {
  layout.titleBlock(doc, `Procedimiento de ejecución coactiva N.º ${doc.procedureNumber}`);
  const total = doc.principalCents + doc.interestCents + doc.costsCents;
  const ct = doc.creditTitle;
  layout.facts([
    ['Coactivado/a', doc.debtor.name],
    [identificationKind(doc.debtor.id), doc.debtor.id],
    ['Dirección', doc.debtor.address],
    ['Cuenta N.º', doc.accountNumber],
    [
      'Título de crédito',
      `N.º ${ct.number}, emitido el ${longDate(ct.issuedOn)}, notificado el ${longDate(ct.notifiedOn)}`,
    ],
    ['Intereses desde', longDate(doc.interestFrom)],
  ]);
  layout.paragraph([
    `${doc.signatory.name}, ${doc.signatory.position} de ${doc.issuer.legalName}, en ejercicio de la jurisdicción coactiva: `,
    `visto el título de crédito N.º ${ct.number}, cuyo término de pago voluntario ha vencido sin que la obligación se haya pagado `,
    'ni se hayan concedido facilidades de pago, conforme al ',
    { bold: 'artículo 279 del Código Orgánico Administrativo' },
    ', DISPONE:',
  ]);
  const items: Run[][] = [
    [
      `Que ${doc.debtor.name}, con ${identificationLabel(doc.debtor.id)}, pague en el término de `,
      { bold: term(doc.term) },
      ', contados desde el día siguiente al de la notificación de esta orden, la cantidad de ',
      { bold: usd(total) },
      ` (${amountInWords(total)}), más los intereses que se generen hasta la fecha de pago total; `,
      'o que, dentro del mismo término, dimita bienes equivalentes al total de la deuda, bajo prevención de que, ',
      'si no lo hace, se embargarán bienes suficientes para cubrirla (art. 282).',
    ],
  ];
  if (doc.precautionaryMeasures.length > 0) {
    items.push([
      'Como medidas cautelares (art. 281) se ordena: ',
      { bold: doc.precautionaryMeasures.join('; ') },
      '.',
    ]);
  } else {
    items.push([
      'Se advierte que, de no pagarse en el término concedido, se podrán ordenar medidas cautelares (art. 281), ',
      'como la retención de fondos en cuentas de bancos y cooperativas y la prohibición de enajenar bienes.',
    ]);
  }
  items.push([
    `En ningún caso se retendrán ni embargarán ${EXEMPT_FUND_KINDS.map((k) => EXEMPT_LABELS[k]).join(', ')}, que son inembargables.`,
  ]);
  items.push(['Notifíquese al coactivado/a con esta orden y con copia del título de crédito.']);
  layout.list(items, true);
  layout.heading('Liquidación de la deuda');
  layout.table(
    [
      { header: 'Concepto', width: 0.7 },
      { header: 'Valor (USD)', width: 0.3, align: 'right' },
    ],
    [
      [`Capital según título de crédito N.º ${ct.number}`, usd(doc.principalCents)],
      [
        `Intereses desde el ${longDate(doc.interestFrom)} hasta el ${longDate(doc.date)}`,
        usd(doc.interestCents),
      ],
      ['Costas del procedimiento', usd(doc.costsCents)],
    ],
    ['Total a pagar', usd(total)],
  );
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([
    issuerSignature(doc.issuer, doc.signatory),
    doc.secretary
      ? { name: doc.secretary.name, position: doc.secretary.position, caption: 'Certifico' }
      : { name: null, position: 'Secretario/a del procedimiento', caption: 'Certifico' },
  ]);
}
