/** Orden de reconexión: service back within policy.suspension.reconnectionDeadline. */
import { identificationKind, longDate, longDateTime, term, usd } from '../format.js';
import type { DocumentLayout } from '../layout.js';
import type { DocumentOf, ReconnectionReason } from '../types.js';
import { issuerSignature, legalBasisSection } from './common.js';

const REASONS: Record<ReconnectionReason, string> = {
  pago_total: 'Pago total de la deuda',
  convenio_de_pago: 'Convenio de pago suscrito',
  orden_administrativa: 'Disposición administrativa',
};

export function writeReconnectionOrder(
  layout: DocumentLayout,
  doc: DocumentOf<'orden_reconexion'>,
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
    ['Motivo', REASONS[doc.reason]],
    ['Referencia', doc.reference],
    ['Fecha del pago / convenio', longDateTime(doc.triggeredAt)],
    ['Servicio suspendido el', longDate(doc.suspendedOn)],
  );
  if (doc.sealNumber) facts.push(['Sello a retirar N.º', doc.sealNumber]);
  facts.push(
    ['Plazo de reconexión', term(doc.reconnectWithin)],
    ['Reconectar a más tardar', longDateTime(doc.reconnectBy)],
  );
  if (doc.reconnectionFeeCents > 0)
    facts.push(['Cargo por reconexión (se factura)', usd(doc.reconnectionFeeCents)]);
  layout.facts(facts);
  layout.paragraph([
    'Habiéndose cumplido la condición para restablecer el servicio, se ordena al personal de operaciones de campo ',
    { bold: `reconectar el servicio de agua potable de la cuenta N.º ${doc.accountNumber}` },
    ' dentro de ',
    { bold: term(doc.reconnectWithin) },
    ', es decir, a más tardar el ',
    { bold: longDateTime(doc.reconnectBy) },
    '.',
  ]);
  layout.heading('Informe de ejecución (a completar por la cuadrilla)');
  layout.blanks([
    'Fecha y hora de reconexión',
    'Sello retirado N.º',
    'Lectura del medidor',
    'Coordenadas GPS',
    'Observaciones',
  ]);
  legalBasisSection(layout, doc.legalBasis);
  layout.signatures([
    issuerSignature(doc.issuer, doc.signatory),
    { name: null, position: 'Responsable de la cuadrilla', caption: 'Ejecutado por' },
  ]);
}
