/**
 * Legal documents: each one is rendered from a realistic fixture, its text is extracted back with
 * pdfjs, and the elements the law requires are looked for. Also: reproducible bytes, and inputs
 * the schemas must refuse.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { planAgreement } from '../../domain/agreement.js';
import { buildCreditTitle } from '../../domain/credit-title.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import {
  DEFAULT_ISSUER,
  DocumentInputError,
  agreementFigures,
  documentInputSchema,
  parseDocumentInput,
  renderDocument,
  type DocumentInput,
  type DocumentKind,
  type Invoice,
} from '../../documents/index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: one account in Machala, four overdue invoices

const debtor = {
  name: 'María Fernanda Quezada Aguilar',
  id: '0701234569',
  address: 'Barrio Las Brisas, calle Guayas 412 y Av. Las Palmeras, Machala',
};
const accountNumber = '104-2231-07';
const collector = { name: 'Carlos Andrés Romero Loayza', position: 'Gestionador de Cartera' };
const executor = {
  name: 'Ab. Diana Patricia Espinoza Ramírez',
  position: 'Funcionaria Ejecutora de Coactiva',
};
const invoices: Invoice[] = [
  { number: '001-001-000184522', period: '2025-09', dueOn: '2025-10-20', amountCents: 1_875 },
  { number: '001-001-000197310', period: '2025-10', dueOn: '2025-11-20', amountCents: 2_140 },
  { number: '001-001-000210044', period: '2025-11', dueOn: '2025-12-22', amountCents: 1_962 },
  { number: '001-001-000223871', period: '2025-12', dueOn: '2026-01-20', amountCents: 2_311 },
];
const channels = [
  'Ventanillas de recaudación de Aguas Machala EP',
  'Bancos y cooperativas autorizados, con el número de cuenta',
];

const title = buildCreditTitle(
  {
    holderName: debtor.name,
    holderId: debtor.id,
    address: debtor.address,
    accountNumber,
    balanceCents: 9_460,
    interestFrom: '2025-10-21',
  },
  { series: 'TC', year: 2026, sequence: 123 },
  '2026-03-10',
  DEFAULT_POLICY,
);

const plan = (() => {
  const check = planAgreement(
    { downPaymentCents: 2_000, instalments: 6, firstDueOn: '2026-03-10' },
    9_460,
    DEFAULT_POLICY,
    new Date('2026-02-10T15:00:00Z'),
  );
  if (!check.ok) throw new Error(check.reason);
  return check.plan;
})();

const FIXTURES: Record<DocumentKind, DocumentInput> = {
  aviso_cobro: {
    kind: 'aviso_cobro',
    number: 'AC-2026-000871',
    date: '2026-02-02',
    debtor,
    accountNumber,
    signatory: collector,
    noticeOrdinal: 2,
    invoices,
    payBy: '2026-02-16',
    paymentChannels: channels,
  },
  aviso_previo_suspension: {
    kind: 'aviso_previo_suspension',
    number: 'AS-2026-000412',
    date: '2026-02-18',
    debtor,
    accountNumber,
    signatory: collector,
    invoices,
    priorNotice: DEFAULT_POLICY.suspension.priorNotice,
    earliestCutAt: '2026-02-20T15:00:00.000Z',
    suspensionFeeCents: DEFAULT_POLICY.suspension.suspensionFeeCents,
    reconnectionFeeCents: DEFAULT_POLICY.suspension.reconnectionFeeCents,
    paymentChannels: channels,
  },
  orden_suspension: {
    kind: 'orden_suspension',
    number: 'OS-2026-000305',
    date: '2026-02-23',
    debtor,
    accountNumber,
    signatory: { name: 'Ing. Jorge Luis Cedeño Maza', position: 'Supervisor de Cartera' },
    serviceAddress: debtor.address,
    sector: 'Sector 7 – Las Brisas',
    route: 'Ruta 12',
    meterNumber: 'MED-0098231',
    balanceCents: 8_874,
    overdueInvoices: 4,
    priorNoticeNumber: 'AS-2026-000412',
    priorNoticeSentAt: '2026-02-18T15:00:00.000Z',
    executeWithin: DEFAULT_POLICY.suspension.fieldTaskSla,
  },
  orden_reconexion: {
    kind: 'orden_reconexion',
    number: 'OR-2026-000188',
    date: '2026-03-02',
    debtor,
    accountNumber,
    signatory: { name: 'Ing. Jorge Luis Cedeño Maza', position: 'Supervisor de Cartera' },
    serviceAddress: debtor.address,
    sector: 'Sector 7 – Las Brisas',
    route: 'Ruta 12',
    meterNumber: 'MED-0098231',
    reason: 'convenio_de_pago',
    reference: 'CP-2026-000077',
    triggeredAt: '2026-03-02T16:20:00.000Z',
    reconnectWithin: DEFAULT_POLICY.suspension.reconnectionDeadline,
    reconnectBy: '2026-03-03T16:20:00.000Z',
    suspendedOn: '2026-02-24',
    sealNumber: 'S-44120',
    reconnectionFeeCents: DEFAULT_POLICY.suspension.reconnectionFeeCents,
  },
  convenio_pago: {
    kind: 'convenio_pago',
    number: 'CP-2026-000077',
    date: '2026-02-10',
    debtor,
    accountNumber,
    signatory: collector,
    invoices,
    legalRoute: DEFAULT_POLICY.legalRoute,
    instalmentGrace: DEFAULT_POLICY.agreement.instalmentGrace,
    ...agreementFigures(plan, '2026-02-10'),
  },
  titulo_credito: {
    kind: 'titulo_credito',
    title,
    invoices,
    voluntaryPaymentTerm: DEFAULT_POLICY.creditTitle.voluntaryPaymentTerm,
    signatory: executor,
  },
  razon_notificacion: {
    kind: 'razon_notificacion',
    number: 'RN-2026-000064',
    date: '2026-03-12',
    debtor,
    accountNumber,
    signatory: { name: 'Luis Alberto Pineda Sánchez', position: 'Notificador de Coactiva' },
    notifiedDocument: { kind: 'titulo_credito', number: title.number, date: title.issuedOn },
    method: 'in_person',
    notifiedAt: '2026-03-12T15:40:00.000Z',
    where: debtor.address,
    receivedBy: { name: debtor.name, id: debtor.id },
    term: DEFAULT_POLICY.creditTitle.voluntaryPaymentTerm,
    termEndsOn: '2026-03-26',
    termPurpose: 'pagar voluntariamente la obligación',
  },
  orden_pago_inmediato: {
    kind: 'orden_pago_inmediato',
    number: 'OPI-2026-000031',
    date: '2026-03-30',
    debtor,
    accountNumber,
    signatory: executor,
    procedureNumber: 'PC-AMEP-2026-0031',
    creditTitle: { number: title.number, issuedOn: title.issuedOn, notifiedOn: '2026-03-12' },
    principalCents: 9_460,
    interestCents: 41,
    costsCents: 500,
    interestFrom: '2025-10-21',
    term: DEFAULT_POLICY.coactiva.paymentOrderTerm,
    precautionaryMeasures: [
      'retención de fondos en cuentas de bancos y cooperativas hasta por el total adeudado',
    ],
    secretary: {
      name: 'Ab. Ricardo Mauricio Ochoa Vera',
      position: 'Secretario del procedimiento',
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Reading a PDF back

async function pdfText(bytes: Buffer): Promise<{ text: string; pages: string[] }> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    let text = '';
    for (const item of content.items) {
      if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
    }
    pages.push(text.replace(/\s+/g, ' ').trim());
  }
  await pdf.destroy();
  return { text: pages.join(' '), pages };
}

async function rendered(kind: DocumentKind) {
  const doc = await renderDocument(FIXTURES[kind]);
  return { doc, ...(await pdfText(doc.bytes)) };
}

const SAMPLES = path.join(os.tmpdir(), 'cartera-docs');

// ---------------------------------------------------------------------------------------------

describe('every document', () => {
  it.each(Object.keys(FIXTURES) as DocumentKind[])(
    '%s: a numbered A4 PDF with the letterhead, debtor, account and signature',
    async (kind) => {
      const { doc, text, pages } = await rendered(kind);
      mkdirSync(SAMPLES, { recursive: true });
      writeFileSync(path.join(SAMPLES, doc.fileName), doc.bytes);

      expect(doc.bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(doc.fileName).toMatch(/^[A-Z]{2,3}-2026-\d{6}-[a-z-]+\.pdf$/);
      expect(pages).toHaveLength(doc.pages);
      expect(text).toContain(DEFAULT_ISSUER.legalName.toUpperCase());
      expect(text).toContain(`RUC ${DEFAULT_ISSUER.ruc}`);
      expect(text).toContain(`N.º ${doc.number}`);
      expect(text).toContain(debtor.name);
      expect(text).toContain(debtor.id);
      expect(text).toContain(accountNumber);
      expect(text).toContain('BASE LEGAL');
      pages.forEach((page, i) => expect(page).toContain(`Página ${i + 1} de ${doc.pages}`));
    },
  );
});

describe('título de crédito', () => {
  it('prints every element of COA art. 268 / Código Tributario art. 150', async () => {
    const { doc, text } = await rendered('titulo_credito');
    expect(doc.title).toBe('Título de crédito TC-2026-000123');
    expect(doc.fileName).toBe('TC-2026-000123-titulo-de-credito.pdf');
    // Issuing body
    expect(text).toContain('Órgano emisor');
    expect(text).toContain(`${DEFAULT_ISSUER.legalName} (RUC ${DEFAULT_ISSUER.ruc})`);
    // Debtor's name and ID
    expect(text).toMatch(/Deudor\/a María Fernanda Quezada Aguilar/);
    expect(text).toContain('Cédula del deudor 0701234569');
    // Place, date and number
    expect(text).toContain('Lugar y fecha de emisión Machala, 10 de marzo de 2026');
    expect(text).toContain('Número del título TC-2026-000123');
    // Concept and origin
    expect(text).toContain('Concepto Servicio de agua potable y alcantarillado');
    expect(text).toContain('Origen de la obligación Planillas de consumo');
    // Amount, in figures and words
    expect(text).toContain('Valor adeudado $94,60');
    expect(text).toContain('NOVENTA Y CUATRO CON 60/100 DÓLARES');
    // Interest from
    expect(text).toContain('Intereses desde 21 de octubre de 2025');
    // Voluntary payment term and legal basis
    expect(text).toContain('10 días hábiles');
    expect(text).toContain('art. 267');
    expect(text).toContain('art. 268');
    expect(text).toContain('Código Tributario, art. 150');
    // Signature
    expect(text).toContain(executor.name);
    expect(text).toContain(executor.position);
    // Invoice detail
    for (const inv of invoices) expect(text).toContain(inv.number);
    expect(text).toContain('$82,88');
  });

  it('a title without signatory name gets a blank name line under the official position', async () => {
    const { signatory: _omit, ...input } = FIXTURES.titulo_credito as Extract<
      DocumentInput,
      { kind: 'titulo_credito' }
    >;
    const { text } = await pdfText((await renderDocument(input)).bytes);
    expect(text).toContain('Nombre: ______');
    expect(text).toContain(title.signature.title);
  });
});

describe('convenio de pago', () => {
  it('prints every instalment row, the down payment and the totals row', async () => {
    const { text } = await rendered('convenio_pago');
    expect(plan.schedule).toHaveLength(6);
    expect(text).toContain('Entrada 10/02/2026 $20,00 $0,00 $20,00');
    for (const row of plan.schedule) {
      const due = new Date(new Date(row.dueAt).getTime() - 5 * 3_600_000)
        .toISOString()
        .slice(0, 10);
      const [y, m, d] = due.split('-');
      const cells = [
        String(row.number),
        `${d}/${m}/${y}`,
        `$${(row.principalCents / 100).toFixed(2).replace('.', ',')}`,
        `$${(row.interestCents / 100).toFixed(2).replace('.', ',')}`,
        `$${(row.amountCents / 100).toFixed(2).replace('.', ',')}`,
      ];
      expect(text).toContain(cells.join(' '));
    }
    const money = (c: number) => `$${(c / 100).toFixed(2).replace('.', ',')}`;
    expect(text).toContain(
      `Total ${money(plan.balanceCents)} ${money(plan.interestCents)} ${money(plan.totalCents)}`,
    );
    expect(text).toContain('6 cuota(s) mensual(es)');
    expect(text).toContain('5 días hábiles'); // grace period before the agreement breaks
    expect(text).toContain('arts. 274 a 278');
    expect(text).toContain('El/la deudor/a');
  });

  it('refuses an instalment due before the previous one; the same day is allowed (training policy)', () => {
    const input = FIXTURES.convenio_pago as Extract<DocumentInput, { kind: 'convenio_pago' }>;
    const [first, second, ...rest] = input.schedule;
    const withSecondDue = (dueOn: string) =>
      parseDocumentInput({ ...input, schedule: [first!, { ...second!, dueOn }, ...rest] });
    const earlier = withSecondDue('2026-01-01');
    expect(earlier.ok).toBe(false);
    if (!earlier.ok)
      expect(earlier.issues).toContain('schedule.1: cuota 2: vence antes que la anterior');
    expect(withSecondDue(first!.dueOn).ok).toBe(true);
  });

  it('refuses a table that does not add up', () => {
    const input = FIXTURES.convenio_pago as Extract<DocumentInput, { kind: 'convenio_pago' }>;
    const [first, ...rest] = input.schedule;
    const result = parseDocumentInput({
      ...input,
      schedule: [
        {
          ...first!,
          principalCents: first!.principalCents + 1,
          amountCents: first!.amountCents + 1,
        },
        ...rest,
      ],
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues).toContain(
        'schedule: el capital de las cuotas no suma el saldo financiado',
      );
  });
});

describe('orden de pago inmediato', () => {
  it('gives the term in días hábiles under COA art. 279 and protects exempt funds', async () => {
    const { text } = await rendered('orden_pago_inmediato');
    expect(text).toContain('en el término de 3 días hábiles');
    expect(text).toContain('artículo 279 del Código Orgánico Administrativo');
    expect(text).toContain('art. 281');
    expect(text).toContain('Procedimiento de ejecución coactiva N.º PC-AMEP-2026-0031');
    expect(text).toContain('Título de crédito N.º TC-2026-000123');
    expect(text).toContain('Total a pagar $100,01');
    expect(text).toContain('sueldos y salarios, pensiones jubilares, pensiones alimenticias');
    expect(text).toContain('Ab. Ricardo Mauricio Ochoa Vera');
  });
});

describe('notices and field orders', () => {
  it('aviso de cobro: the invoices, the total and the date to pay by', async () => {
    const { text } = await rendered('aviso_cobro');
    expect(text).toContain('Segundo aviso');
    expect(text).toContain('Total adeudado $82,88');
    expect(text).toContain('16 de febrero de 2026');
    expect(text).toContain('convenio de pago');
  });

  it('aviso previo de suspensión: the 48-hour term, the earliest cut and the fees', async () => {
    const { text } = await rendered('aviso_previo_suspension');
    expect(text).toContain('48 horas');
    expect(text).toContain('20 de febrero de 2026, 10:00');
    expect(text).toContain('Cargo por suspensión $5,86');
    expect(text).toContain('Recibí conforme');
  });

  it('orden de suspensión: the prior notice it follows and the crew report', async () => {
    const { text } = await rendered('orden_suspension');
    expect(text).toContain('N.º AS-2026-000412, entregado el 18 de febrero de 2026, 10:00');
    expect(text).toContain('2 días hábiles');
    expect(text).toContain('N.º de sello');
    expect(text).toContain('Coordenadas GPS');
  });

  it('orden de suspensión of a protected user needs an authorisation', () => {
    const result = parseDocumentInput({ ...FIXTURES.orden_suspension, protection: 'hospital' });
    expect(result).toEqual({
      ok: false,
      issues: [
        'authorisedBy: usuario protegido: la suspensión requiere la autorización expresa de la supervisión',
      ],
    });
  });

  it('orden de reconexión: the trigger, the 24-hour deadline and the seal to remove', async () => {
    const { text } = await rendered('orden_reconexion');
    expect(text).toContain('Convenio de pago suscrito');
    expect(text).toContain('24 horas');
    expect(text).toContain('3 de marzo de 2026, 11:20');
    expect(text).toContain('S-44120');
  });

  it('razón de notificación: who, when, how, and the term that starts', async () => {
    const { text } = await rendered('razon_notificacion');
    expect(text).toContain('12 de marzo de 2026, 10:40');
    expect(text).toContain('Título de crédito N.º TC-2026-000123');
    expect(text).toContain('Forma de notificación En persona');
    expect(text).toContain('10 días hábiles');
    expect(text).toContain('26 de marzo de 2026');
    expect(text).toContain('Lo certifico.');
  });
});

describe('reproducible bytes', () => {
  it('the same input gives the same bytes and sha256', async () => {
    for (const kind of ['titulo_credito', 'convenio_pago'] as const) {
      const a = await renderDocument(FIXTURES[kind]);
      const b = await renderDocument(structuredClone(FIXTURES[kind]));
      expect(b.sha256).toBe(a.sha256);
      expect(b.bytes.equals(a.bytes)).toBe(true);
    }
  });

  it('a different input gives a different hash', async () => {
    const a = await renderDocument(FIXTURES.aviso_cobro);
    const b = await renderDocument({
      ...FIXTURES.aviso_cobro,
      payBy: '2026-02-17',
    } as DocumentInput);
    expect(b.sha256).not.toBe(a.sha256);
  });
});

describe('invalid input is refused', () => {
  it('a cédula with a wrong check digit', async () => {
    const input = { ...FIXTURES.aviso_cobro, debtor: { ...debtor, id: '0701234560' } };
    await expect(renderDocument(input as DocumentInput)).rejects.toThrow(DocumentInputError);
    const result = parseDocumentInput(input);
    expect(result).toEqual({ ok: false, issues: ['debtor.id: dígito verificador incorrecto'] });
  });

  it('a negative amount', () => {
    const input = {
      ...FIXTURES.aviso_cobro,
      invoices: [{ ...invoices[0]!, amountCents: -1_875 }],
    };
    const parsed = documentInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain(
      'el valor de la planilla no puede ser negativo',
    );
  });

  it('a título lacking a legal element (CT art. 151: void)', async () => {
    const input = { ...FIXTURES.titulo_credito, title: { ...title, concept: ' ' } };
    const error = await renderDocument(input as DocumentInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentInputError);
    expect((error as DocumentInputError).type).toBe('DocumentInputError');
    expect((error as DocumentInputError).issues).toEqual([
      'title: falta el concepto u origen de la deuda',
    ]);
  });

  it('a number from another series', () => {
    const result = parseDocumentInput({ ...FIXTURES.aviso_cobro, number: 'TC-2026-000871' });
    expect(result).toEqual({
      ok: false,
      issues: ['number: el número de aviso de cobro debe ser de la serie AC'],
    });
  });
});
