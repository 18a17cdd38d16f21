/** Razón de notificación: the notifier's certificate that a document reached the debtor, and how. */
import type { NotificationMethod } from '../../domain/credit-title.js';
import { identificationLabel, longDate, longDateTime, term } from '../format.js';
import type { DocumentLayout, Run, SignatureLine } from '../layout.js';
import { DOCUMENT_TITLES, type DocumentOf } from '../types.js';
import { issuerSignature, legalBasisSection } from './common.js';

const METHODS: Record<NotificationMethod, string> = {
  in_person: 'En persona',
  boleta: 'Por boleta',
  publication: 'Por publicación en la prensa',
};

function howRuns(doc: DocumentOf<'razon_notificacion'>): Run[] {
  const receiver = doc.receivedBy
    ? `${doc.receivedBy.name}${doc.receivedBy.id ? `, con ${identificationLabel(doc.receivedBy.id)}` : ''}`
    : '';
  switch (doc.method) {
    case 'in_person':
      return [' en persona, en ', { bold: doc.where }, `, entregando el documento a ${receiver}.`];
    case 'boleta':
      return [
        ' mediante boleta dejada en ',
        { bold: doc.where },
        receiver ? `, entregada a ${receiver},` : '',
        ' por no haberle encontrado personalmente.',
      ];
    case 'publication':
      return [
        ' por la prensa, mediante publicación en ',
        { bold: doc.where },
        ', por no haberle encontrado ni conocerse su domicilio.',
      ];
  }
}

export function writeNotificationRecord(
  layout: DocumentLayout,
  doc: DocumentOf<'razon_notificacion'>,
): void {
  layout.titleBlock(doc);
  const notified = doc.notifiedDocument;
  const notifiedTitle = DOCUMENT_TITLES[notified.kind];
  layout.paragraph([
    'Siento por tal que el ',
    { bold: longDateTime(doc.notifiedAt) },
    ' notifiqué a ',
    { bold: doc.debtor.name },
    `, con ${identificationLabel(doc.debtor.id)}, titular de la cuenta N.º ${doc.accountNumber}, con el documento `,
    { bold: `${notifiedTitle} N.º ${notified.number}` },
    ` de ${longDate(notified.date)},`,
    ...howRuns(doc),
  ]);
  const facts: [string, string][] = [
    [
      'Documento notificado',
      `${notifiedTitle} N.º ${notified.number}, de ${longDate(notified.date)}`,
    ],
    ['Notificado/a', `${doc.debtor.name} (${identificationLabel(doc.debtor.id)})`],
    ['Forma de notificación', METHODS[doc.method]],
    ['Fecha y hora', longDateTime(doc.notifiedAt)],
    ['Lugar', doc.where],
  ];
  if (doc.receivedBy) facts.push(['Recibido por', doc.receivedBy.name]);
  facts.push(
    ['Término que corre', `${term(doc.term)}, contados desde el día siguiente a la notificación`],
    ['Finalidad del término', doc.termPurpose],
    ['El término vence el', longDate(doc.termEndsOn)],
  );
  layout.facts(facts);
  layout.paragraph([
    'Con esta notificación empieza a correr el término de ',
    { bold: term(doc.term) },
    ` para ${doc.termPurpose}, que vence el `,
    { bold: longDate(doc.termEndsOn) },
    '. En el cómputo no se cuentan sábados, domingos ni días de descanso obligatorio.',
  ]);
  if (doc.remarks) layout.paragraph(`Observaciones: ${doc.remarks}`);
  layout.paragraph('Lo certifico.');
  legalBasisSection(layout, doc.legalBasis);
  const signers: SignatureLine[] = [
    { ...issuerSignature(doc.issuer, doc.signatory), caption: 'El/la notificador/a' },
  ];
  if (doc.receivedBy && doc.method !== 'publication') {
    signers.push({
      name: doc.receivedBy.name,
      position: 'Recibí la notificación',
      caption: 'Quien recibe',
    });
  }
  layout.signatures(signers);
}
