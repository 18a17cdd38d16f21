/** Orden de suspensión: the field order to the crew, with the report the crew fills in. */
import { identificationKind, longDateTime, term, usd } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf } from '../types.js';
import { issuerSignature, legalBasisSection } from './common.js';

const PROTECTION_LABELS = {
  none: 'Ninguna',
  vulnerable: 'Hogar vulnerable',
  hospital: 'Hospital o centro de salud',
  escuela: 'Establecimiento educativo',
} as const;

export function writeSuspensionOrder(
  layout: DocumentLayout,
  doc: DocumentOf<'orden_suspension'>,
): void {
  layout.titleBlock(doc, 'Operaciones de campo');
  const facts: [string, string][] = [
    ['Cuenta N.º', doc.accountNumber],
    ['Titular', doc.debtor.name],
    [identificationKind(doc.debtor.id), doc.debtor.id],
    ['Dirección del servicio', doc.serviceAddress],
  ];
  if (doc.sector || doc.route)
    facts.push(['Sector / ruta', [doc.sector, doc.route].filter(Boolean).join(' / ')]);
  if (doc.meterNumber) facts.push(['Medidor N.º', doc.meterNumber]);
  facts.push(
    ['Saldo adeudado', usd(doc.balanceCents)],
    ['Planillas vencidas', String(doc.overdueInvoices)],
    [
      'Aviso previo',
      `N.º ${doc.priorNoticeNumber}, entregado el ${longDateTime(doc.priorNoticeSentAt)}`,
    ],
    ['Plazo de ejecución', term(doc.executeWithin)],
    ['Protección del usuario', PROTECTION_LABELS[doc.protection]],
  );
  if (doc.authorisedBy) facts.push(['Suspensión autorizada por', doc.authorisedBy]);
  layout.facts(facts);
  layout.paragraph([
    'Vencido el plazo del aviso previo sin que se haya pagado la deuda ni suscrito un convenio de pago, ',
    'se ordena al personal de operaciones de campo ',
    { bold: `suspender el servicio de agua potable de la cuenta N.º ${doc.accountNumber}` },
    ' dentro de ',
    { bold: term(doc.executeWithin) },
    ' desde la emisión de esta orden.',
  ]);
  layout.heading('Instrucciones');
  layout.list(
    [
      'Verifique la dirección y el número de medidor antes de actuar.',
      'No ejecute la suspensión si el usuario presenta un comprobante de pago total o un convenio firmado: registre el hecho y el número del documento.',
      'No suspenda a usuarios protegidos (hogares vulnerables, hospitales, escuelas) sin autorización expresa de la supervisión.',
      'Coloque el sello numerado, tome fotografía del medidor y del sello, y registre las coordenadas GPS.',
    ],
    true,
  );
  layout.heading('Informe de ejecución (a completar por la cuadrilla)');
  layout.blanks([
    'Fecha y hora de ejecución',
    'N.º de sello',
    'Lectura del medidor',
    'Coordenadas GPS',
    'Fotografías (referencia)',
    'Observaciones',
  ]);
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([
    issuerSignature(doc.issuer, doc.signatory),
    { name: null, position: 'Responsable de la cuadrilla', caption: 'Ejecutado por' },
  ]);
}
