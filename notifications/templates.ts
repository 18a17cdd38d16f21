/**
 * Spanish texts of the notices to users, one template per kind: subject, plain text, simple
 * HTML and a short SMS. The facts (amounts already formatted, dates, numbers) come from the
 * workflow step that queued the notice (activities/notices.ts).
 */
import type { NoticeKind } from '../domain/notices.js';

/** Who writes and how to pay; shown in every notice. */
export interface UtilityInfo {
  name: string;
  unit: string;
  /** Where and how a user can pay. */
  howToPay: string[];
  /** Phone, office or web for questions. */
  contact: string;
}

export const DEFAULT_UTILITY: UtilityInfo = {
  name: 'Aguas Machala EP',
  unit: 'Unidad de Cartera, Cobranzas y Coactivas',
  howToPay: [
    'En las ventanillas de recaudación de Aguas Machala EP (matriz y agencias).',
    'En bancos, cooperativas y puntos de pago autorizados, con su número de cuenta.',
    'Por transferencia o banca en línea, indicando su número de cuenta.',
  ],
  contact:
    'Para consultas o para acordar un convenio de pago acérquese a nuestras oficinas de atención al cliente.',
};

export interface NoticeTemplateInput {
  kind: NoticeKind;
  /** Escalation level of reminders (1 = first notice). */
  level: number;
  holderName: string;
  accountNumber: string;
  /** Label → value, already formatted. */
  facts: Record<string, string>;
}

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
  /** Short text for SMS (about 160 characters). */
  sms: string;
}

export const NOTICE_SUBJECTS: Record<NoticeKind, string> = {
  aviso_cobro: 'Aviso de cobro: valores pendientes de su servicio de agua potable',
  recordatorio: 'Recordatorio de pago de su servicio de agua potable',
  aviso_previo_suspension: 'Aviso previo de suspensión del servicio de agua potable',
  convenio_firmado: 'Su convenio de pago ha sido registrado',
  cuota_vencida: 'Cuota de convenio de pago vencida',
  notificacion_titulo: 'Notificación de título de crédito',
  orden_pago_inmediato: 'Orden de pago inmediato',
};

/** Opening paragraphs per kind (and level for reminders). */
function intro(kind: NoticeKind, level: number, account: string): string[] {
  switch (kind) {
    case 'aviso_cobro':
      return [
        `Le informamos que su cuenta ${account} mantiene valores vencidos por el servicio de agua potable y alcantarillado.`,
        'Le invitamos a cancelarlos a la brevedad para evitar recargos y la suspensión del servicio.',
      ];
    case 'recordatorio':
      return [
        level >= 3
          ? `Último recordatorio: su cuenta ${account} sigue con valores vencidos. Si no paga, se iniciará el proceso de suspensión del servicio.`
          : level === 2
            ? `Le recordamos nuevamente que su cuenta ${account} mantiene valores vencidos.`
            : `Le recordamos que su cuenta ${account} mantiene valores vencidos.`,
      ];
    case 'aviso_previo_suspension':
      return [
        `Por mantener valores vencidos en la cuenta ${account}, el servicio de agua potable podrá ser suspendido una vez cumplido el plazo que se indica.`,
        'Si paga o suscribe un convenio de pago antes de esa fecha, la suspensión no se realizará.',
      ];
    case 'convenio_firmado':
      return [
        `Se ha registrado el convenio de pago de la cuenta ${account} con las condiciones siguientes.`,
        'Pague cada cuota hasta su fecha de vencimiento: el incumplimiento deja sin efecto el convenio.',
      ];
    case 'cuota_vencida':
      return [
        `La cuota de su convenio de pago de la cuenta ${account} se encuentra vencida.`,
        'Pague el valor pendiente lo antes posible para mantener vigente su convenio.',
      ];
    case 'notificacion_titulo':
      return [
        `Se le notifica que se ha emitido un título de crédito por las obligaciones vencidas de la cuenta ${account}.`,
        'Dispone del plazo indicado para el pago voluntario; vencido este, se iniciará el procedimiento de ejecución coactiva.',
      ];
    case 'orden_pago_inmediato':
      return [
        `Dentro del procedimiento de ejecución coactiva por la cuenta ${account}, se le ordena pagar de inmediato la deuda o dimitir bienes dentro del plazo indicado.`,
        'De no hacerlo, se podrán ordenar medidas cautelares y el embargo de bienes conforme al Código Orgánico Administrativo.',
      ];
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The notice of `input.kind` in Spanish, from `utility`. */
export function renderNotice(
  input: NoticeTemplateInput,
  utility: UtilityInfo = DEFAULT_UTILITY,
): RenderedNotice {
  const subject = NOTICE_SUBJECTS[input.kind];
  const paragraphs = intro(input.kind, input.level, input.accountNumber);
  const facts = Object.entries(input.facts);
  const closing = 'Si ya realizó el pago, por favor ignore este aviso.';
  const text = [
    `Estimado/a ${input.holderName}:`,
    '',
    ...paragraphs,
    '',
    ...facts.map(([k, v]) => `  ${k}: ${v}`),
    '',
    'Cómo pagar:',
    ...utility.howToPay.map((p) => `  - ${p}`),
    '',
    utility.contact,
    closing,
    '',
    'Atentamente,',
    utility.unit,
    utility.name,
  ].join('\n');
  const html = `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;max-width:640px">
<h1 style="font-size:18px;color:#0b4f8a">${escapeHtml(utility.name)}</h1>
<h2 style="font-size:16px">${escapeHtml(subject)}</h2>
<p>Estimado/a ${escapeHtml(input.holderName)}:</p>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<table style="border-collapse:collapse;margin:12px 0">
${facts
  .map(
    ([k, v]) =>
      `<tr><th style="text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid #ddd">${escapeHtml(k)}</th><td style="padding:4px 0;border-bottom:1px solid #ddd">${escapeHtml(v)}</td></tr>`,
  )
  .join('\n')}
</table>
<h3 style="font-size:14px">Cómo pagar</h3>
<ul>${utility.howToPay.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
<p>${escapeHtml(utility.contact)}</p>
<p>${escapeHtml(closing)}</p>
<p>Atentamente,<br>${escapeHtml(utility.unit)}<br>${escapeHtml(utility.name)}</p>
</body></html>
`;
  const amount =
    input.facts['Saldo vencido (USD)'] ??
    input.facts['Valor adeudado'] ??
    input.facts['Valor pendiente'] ??
    input.facts.Valor ??
    input.facts['Total a pagar'];
  const sms = `${utility.name}: ${subject}. Cuenta ${input.accountNumber}${amount ? `, valor ${amount}` : ''}. Si ya pagó, ignore este mensaje.`;
  return { subject, text, html, sms };
}

/** HTML of a plain-text body (notices queued before templates carried their facts). */
export function htmlFromText(subject: string, text: string, utility = DEFAULT_UTILITY): string {
  const paras = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:640px">
<h1 style="font-size:18px;color:#0b4f8a">${escapeHtml(utility.name)}</h1>
${paras}
</body></html>
`;
}
