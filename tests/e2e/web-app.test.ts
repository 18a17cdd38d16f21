/**
 * The web app end to end, in a real Chromium, against the real stack (tests/e2e/stack.ts):
 * each role signs in; a manager imports a billing export with bad rows; a collector records a
 * contact and proposes an agreement; a manager approves it and reads the case timeline; a case
 * whose prior notice the dispatcher e-mailed (so its cut is lawful) reaches the título de
 * crédito, which a legal advisor validates, and then the coactiva, whose orden de pago the legal
 * advisor notifies. Screenshots of the main pages are saved in test-results/screenshots/ for a
 * reviewer.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../domain/roles.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import type { TaskType } from '../../domain/tasks.js';
import { EXPORT_HEADER, csvFile } from '../api/support.js';
import { eventually } from '../support/env.js';
import { startStack, type Stack } from './stack.js';

const SECTOR = 'Puerto Bolívar';

/**
 * A billing export line (intake/read.ts columns) of one overdue bill; the account's mobile phone
 * and e-mail are where its notices go.
 */
function line(
  account: string,
  id: string,
  holder: string,
  bill: string,
  dueOn: string,
  amount: string,
  contact: { phone?: string; email?: string } = { phone: '0991234567' },
) {
  return `${account},${id},${holder},Av. Bolívar y 9 de Mayo,${SECTOR},R-PB-01,residencial,${contact.phone ?? ''},${contact.email ?? ''},${bill},2026-06-01,${dueOn},${amount},${amount},`;
}

/**
 * Waiting periods of seconds, so a case reaches the título de crédito and then the coactiva in
 * a few seconds once each human step is done. The prior notice's term still runs from its
 * delivery.
 */
const FAST_TO_COACTIVA = {
  reminder: { notices: 1, interval: { amount: 1, unit: 'seconds' } },
  suspension: {
    afterReminderFor: { amount: 2, unit: 'seconds' },
    priorNotice: { amount: 1, unit: 'seconds' },
  },
  creditTitle: {
    afterSuspensionFor: { amount: 2, unit: 'seconds' },
    voluntaryPaymentTerm: { amount: 2, unit: 'seconds' },
  },
  notices: { deliveryCheckInterval: { amount: 5, unit: 'seconds' } },
};

describe('the web app in Chromium', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    // The test collector works the sector of the accounts below.
    await stack.api.db.prisma.portfolioAssignment.create({
      data: { sector: SECTOR, userId: stack.api.users.collector.id },
    });
  }, 240_000);
  afterAll(() => stack?.stop());

  const prisma = () => stack.api.db.prisma;

  /** The open task of `type` on the case of `account`, once the workflow has written it. */
  async function openTask(account: string, type: TaskType) {
    const task = await eventually(
      () =>
        prisma().task.findFirst({
          where: { type, status: 'open', case: { account: { number: account } } },
        }),
      (t) => t !== null,
      60_000,
    );
    if (!task) {
      const seen = await prisma().case.findMany({
        where: { account: { number: account } },
        select: {
          stage: true,
          status: true,
          policyVersion: true,
          tasks: { select: { type: true, status: true } },
          events: { select: { type: true, occurredAt: true }, orderBy: { occurredAt: 'asc' } },
        },
      });
      const h = await stack.api.temporal.workflow.getHandle(`case-${account}`).fetchHistory();
      const timers = (h.events ?? []).flatMap((e) =>
        e.timerStartedEventAttributes
          ? [JSON.stringify(e.timerStartedEventAttributes.startToFireTimeout)]
          : [],
      );
      throw new Error(
        `no open ${type} task for ${account}: ${JSON.stringify(seen)} timers ${timers.join(' ')}`,
      );
    }
    return task;
  }

  async function caseIdOf(account: string): Promise<string> {
    const c = await prisma().case.findFirstOrThrow({ where: { account: { number: account } } });
    return c.id;
  }

  /** Completes a task through the API as `role` (set-up steps the test is not about). */
  async function completeByApi(taskId: string, role: Role, form: Record<string, unknown>) {
    const r = await stack.api.call('post', `/api/tasks/${taskId}/complete`, {
      token: stack.api.tokens[role],
      json: { form },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }

  async function heading(page: Page, name: string | RegExp) {
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }

  it('signs in as each role and lands on its own page, in Spanish', async () => {
    const landing: Record<Role, string> = {
      collector: 'Mi bandeja',
      legal: 'Bandeja jurídica',
      manager: 'Tablero de cartera',
      admin: 'Tablero de cartera',
    };
    for (const role of ['collector', 'legal', 'manager', 'admin'] as const) {
      const page = await stack.signIn(role);
      await heading(page, landing[role]);
      expect(await page.locator('html').getAttribute('lang')).toBe('es-EC');
      const nav = page.getByRole('navigation', { name: 'Navegación principal' });
      // Role-aware navigation: only managers and admins see the manager pages.
      expect(await nav.getByRole('link', { name: 'Política' }).count()).toBe(
        role === 'manager' || role === 'admin' ? 1 : 0,
      );
      // Collectors print and confirm their own letters; the legal unit has none to print.
      expect(await nav.getByRole('link', { name: 'Cartas' }).count()).toBe(
        role === 'legal' ? 0 : 1,
      );
      await stack.screenshot(page, `landing-${role}`);
      if (role === 'collector') {
        // The English locale, kept across reloads.
        await page.getByLabel('Idioma').selectOption({ label: 'English' });
        await heading(page, 'My inbox');
        await page.reload();
        await heading(page, 'My inbox');
        expect(await page.locator('html').getAttribute('lang')).toBe('en');
      }
      await page.context().close();
    }
  }, 120_000);

  it('imports a billing export: bad rows are listed by line, good rows open cases', async () => {
    const page = await stack.signIn('manager');
    await page.getByRole('navigation').getByRole('link', { name: 'Importar cartera' }).click();
    await heading(page, 'Importar cartera');
    const csv = [
      EXPORT_HEADER,
      line('E2E001', makeCedula(7, '100001'), 'Ana Zambrano', 'F-E2E-1', '2026-08-31', '120.00'),
      line('E2E002', '0912', 'Cédula Corta', 'F-E2E-2', '2026-08-31', '40.00'),
      line('E2E003', makeCedula(7, '100003'), 'Luis Cedeño', 'F-E2E-3', '2026-07-31', '1850.00'),
      line('E2E004', makeCedula(7, '100004'), 'Valor Malo', 'F-E2E-4', '2026-08-31', 'doce'),
    ].join('\n');
    await page
      .getByLabel('Archivo de cartera (CSV o XLSX)')
      .setInputFiles({ name: 'cartera-e2e.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Importar', exact: true }).click();

    const errors = page.getByRole('table', { name: /Errores por línea/ });
    await errors.waitFor({ timeout: 30_000 });
    // One row per wrong field: line 3 (its cédula), line 5 (value and balance); the file's
    // header is line 1.
    const cells = errors.locator('tbody tr td:first-child');
    await expect.poll(() => cells.allInnerTexts()).toEqual(['3', '5', '5']);
    expect(await errors.innerText()).toMatch(/cedula_ruc/);
    await stack.screenshot(page, 'import-with-errors');

    // The two good rows opened their cases, with running workflows.
    const cases = await eventually(
      () => prisma().case.count({ where: { account: { number: { in: ['E2E001', 'E2E003'] } } } }),
      (n) => n === 2,
    );
    expect(cases).toBe(2);
    await stack.billingKnowsImportedAccounts();
    await page.context().close();
  }, 120_000);
  it('a collector records a promise to pay from the inbox and proposes an agreement', async () => {
    // A tablet in the field: the inbox and an open task fit 768 px without sideways scrolling.
    const tablet = await stack.signIn('collector', { tablet: true });
    await heading(tablet, 'Mi bandeja');
    await tablet
      .getByRole('table', { name: 'Tareas' })
      .getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E001$/ })
      .click();
    await tablet.getByRole('heading', { name: 'Resumen del caso' }).waitFor();
    const width = await tablet.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(768);
    await stack.screenshot(tablet, 'collector-inbox-tablet');
    await tablet.context().close();

    const page = await stack.signIn('collector');
    await heading(page, 'Mi bandeja');
    const tasks = page.getByRole('table', { name: 'Tareas' });
    await tasks.getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E001$/ }).click();
    await page.getByRole('heading', { name: 'Resumen del caso' }).waitFor();
    await page.getByRole('radio', { name: 'Promesa de pago' }).check();
    await page.getByLabel('Fecha prometida de pago').fill('2026-12-10');
    await page.getByLabel('Monto prometido (USD)').fill('60');
    await stack.screenshot(page, 'collector-contact-form');
    await page.getByRole('button', { name: 'Completar tarea' }).click();
    await page.getByText(/^Tarea completada: .*\(cuenta E2E001\)\.$/).waitFor();
    // The result shows at once: the task left the open list.
    await expect
      .poll(() =>
        tasks.getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E001$/ }).count(),
      )
      .toBe(0);
    const contact = await prisma().caseEvent.findFirst({
      where: { type: 'contact_recorded', case: { account: { number: 'E2E001' } } },
    });
    expect(contact?.data).toMatchObject({ outcome: 'promise_to_pay', amount: 6000 });
    await stack.screenshot(page, 'collector-inbox');

    // From the other case's task to its page, and an agreement above the collector's limit.
    await tasks.getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E003$/ }).click();
    await page.getByRole('link', { name: 'Ver el caso E2E003' }).click();
    await heading(page, 'Caso E2E003');
    await page.getByRole('button', { name: 'Proponer convenio' }).click();
    await page.getByLabel('Entrada (USD)').fill('370.00');
    await page.getByLabel('Número de cuotas').fill('6');
    const schedule = page.getByRole('table', { name: 'Tabla de cuotas' });
    // Live simulation: the down payment row and six instalments.
    await expect.poll(() => schedule.locator('tbody tr').count()).toBe(7);
    expect(await page.getByText(/requiere aprobación de supervisión/).count()).toBe(1);
    await stack.screenshot(page, 'collector-agreement-proposal');
    await page.getByRole('button', { name: 'Enviar propuesta de convenio' }).click();
    await page.getByText('Convenio propuesto.').first().waitFor();
    const caseId = await caseIdOf('E2E003');
    const agreement = await eventually(
      () => prisma().agreement.findFirst({ where: { caseId } }),
      (a) => a !== null,
    );
    expect(agreement).toMatchObject({ instalmentsCount: 6, downPaymentCents: 37_000 });
    await openTask('E2E003', 'approve_agreement');
    await page.context().close();
  }, 120_000);

  it('a manager approves the agreement and reads the case timeline', async () => {
    const page = await stack.signIn('manager');
    await heading(page, 'Tablero de cartera');
    await stack.screenshot(page, 'manager-dashboard');
    await page.getByRole('navigation').getByRole('link', { name: 'Bandeja', exact: true }).click();
    await heading(page, 'Bandeja de tareas');
    const tasks = page.getByRole('table', { name: 'Tareas' });
    await tasks.getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E003$/ }).click();
    await page.getByRole('radio', { name: 'Aprobar', exact: true }).check();
    await page.getByRole('button', { name: 'Completar tarea' }).click();
    await page.getByText(/^Tarea completada: .*\(cuenta E2E003\)\.$/).waitFor();
    const caseId = await caseIdOf('E2E003');
    const agreement = await eventually(
      () => prisma().agreement.findFirstOrThrow({ where: { caseId } }),
      (a) => a.status === 'active',
    );
    expect(agreement.status).toBe('active');

    // Find the case from the case list and read its story.
    await page.getByRole('navigation').getByRole('link', { name: 'Casos', exact: true }).click();
    await page.getByLabel('Buscar cuenta, titular o cédula').fill('E2E003');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await page.getByRole('link', { name: 'E2E003' }).click();
    await heading(page, 'Caso E2E003');
    await page.getByRole('heading', { name: 'Historial' }).waitFor();
    const history = page.locator('section', {
      has: page.getByRole('heading', { name: 'Historial' }),
    });
    await expect.poll(() => history.innerText()).toMatch(/Aprobar convenio/);
    await stack.screenshot(page, 'manager-case-timeline');
    await page.context().close();
  }, 120_000);

  it('a legal advisor validates a título de crédito and notifies the orden de pago', async () => {
    // A case under a policy of seconds, taken by the API to the título (steps not under test).
    // Its holder has an e-mail address and no mobile phone: the prior notice is e-mailed (and
    // printed as a letter, which waits for a print batch).
    await stack.usePolicy(FAST_TO_COACTIVA, 'browser test: fast to the coactiva');
    const email = 'rosa.aguilar@example.ec';
    const r = await stack.api.call<{ id: string }>('post', '/api/imports/portfolio', {
      token: stack.api.tokens.manager,
      form: csvFile('legal.csv', [
        EXPORT_HEADER,
        line(
          'E2E010',
          makeCedula(7, '100010'),
          'Rosa Aguilar',
          'F-E2E-10',
          '2026-06-30',
          '230.00',
          { email },
        ),
      ]),
    });
    expect(r.status).toBe(202);
    const imported = await eventually(
      () =>
        stack.api.call<{ status: string }>('get', `/api/imports/${r.body.id}`, {
          token: stack.api.tokens.manager,
        }),
      (d) => d.body.status !== 'running',
    );
    expect(imported.body).toMatchObject({ status: 'succeeded', goodRows: 1 });
    await stack.billingKnowsImportedAccounts();
    const contact = await openTask('E2E010', 'contact_debtor');
    await completeByApi(contact.id, 'collector', { outcome: 'contacted', note: 'no puede pagar' });

    // The cut waits for the prior notice's delivery: the dispatcher e-mails it, the SMTP server
    // (MailDev) accepts it, and the suspension step is told; the cut's term runs from then.
    const delivered = await eventually(
      () =>
        prisma().caseEvent.findFirst({
          where: { type: 'suspension_notice_delivered', case: { account: { number: 'E2E010' } } },
        }),
      (e) => e !== null,
      60_000,
    );
    expect(delivered, 'the prior notice was never delivered').not.toBeNull();
    const notice = await prisma().notice.findFirstOrThrow({
      where: { kind: 'aviso_previo_suspension', channel: 'email', caseId: delivered!.caseId },
    });
    expect(notice).toMatchObject({ status: 'sent', recipient: email });
    const facts = delivered!.data as {
      deliveredAt: string;
      channel: string;
      earliestCutAt: string;
    };
    expect(facts.channel).toBe('email');
    expect(facts.deliveredAt).toBe(notice.deliveredAt!.toISOString());
    expect(Date.parse(facts.earliestCutAt)).toBeGreaterThan(Date.parse(facts.deliveredAt));
    const mail = (await stack.caughtMail()).filter((m) => m.to.some((to) => to.address === email));
    expect(mail.map((m) => m.subject)).toContainEqual(notice.subject);
    const cut = await openTask('E2E010', 'suspension_field');
    // The crew was ordered once the prior notice's term had run from its delivery.
    const ordered = await prisma().caseEvent.findFirstOrThrow({
      where: { type: 'suspension_ordered', case: { account: { number: 'E2E010' } } },
    });
    expect(ordered.occurredAt.getTime()).toBeGreaterThanOrEqual(Date.parse(facts.earliestCutAt));
    await completeByApi(cut.id, 'collector', {
      outcome: 'done',
      performedAt: new Date().toISOString(),
      sealNumber: 'SELLO-E2E-10',
      gps: { lat: -3.2581, lng: -79.9554 },
    });
    const validate = await openTask('E2E010', 'validate_credit_title');
    expect(validate.role).toBe('legal');

    const page = await stack.signIn('legal');
    await heading(page, 'Bandeja jurídica');
    const legalTasks = page.getByRole('table', { name: 'Tareas jurídicas' });
    await legalTasks.getByRole('button', { name: /^Abrir tarea .* de la cuenta E2E010$/ }).click();
    await page.getByRole('radio', { name: 'Aprobar el título' }).check();
    await stack.screenshot(page, 'legal-validate-credit-title');
    await page.getByRole('button', { name: 'Completar tarea' }).click();
    await page.getByText(/^Tarea completada: .*\(cuenta E2E010\)\.$/).waitFor();
    const approved = await eventually(
      () =>
        prisma().caseEvent.findFirst({
          where: { type: 'credit_title_approved', case: { account: { number: 'E2E010' } } },
        }),
      (e) => e !== null,
    );
    expect(approved?.actor).toBe(stack.api.users.legal.id);
    // The legal inbox lists the case with its título once it is validated.
    await page.reload();
    await heading(page, 'Bandeja jurídica');
    await expect
      .poll(() => page.getByRole('table', { name: /Casos en/ }).innerText(), { timeout: 20_000 })
      .toMatch(/E2E010/);
    await stack.screenshot(page, 'legal-inbox');

    // The título is a document of the case: listed on its page and downloaded as the PDF stored.
    const apiCalls: string[] = [];
    page.on('request', (req) => apiCalls.push(new URL(req.url()).pathname));
    await page.getByRole('link', { name: 'E2E010' }).first().click();
    await heading(page, 'Caso E2E010');
    // The case's legal situation comes with the case itself (its workflow part): the service
    // is recorded as cut.
    await page.getByTestId('case-service').getByText('Suspendido').waitFor();
    expect(apiCalls.filter((p) => p.endsWith('/view'))).toEqual([]);
    const docs = page.getByRole('table', { name: 'Documentos emitidos en el caso' });
    const link = docs.getByRole('link', { name: /^Descargar PDF TC-/ });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const stored = await prisma().document.findFirstOrThrow({
      where: { kind: 'titulo_credito', caseId: await caseIdOf('E2E010') },
    });
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(stored.sha256);
    await stack.screenshot(page, 'legal-case-documents');

    // The título is notified and its voluntary term runs out (seconds here): the coactiva, which
    // the legal unit takes in house (steps not under test).
    const notifyTitle = await openTask('E2E010', 'notify_credit_title');
    await completeByApi(notifyTitle.id, 'collector', {
      method: 'in_person',
      result: 'notified',
      at: new Date().toISOString(),
    });
    const intake = await openTask('E2E010', 'coactiva_intake');
    await completeByApi(intake.id, 'legal', { handledBy: 'in_house' });

    // The orden de pago inmediato is notified like the título, from the legal inbox; its term
    // runs from the notification.
    const notifyOrder = await openTask('E2E010', 'notify_payment_order');
    expect(notifyOrder.role).toBe('legal');
    const issued = await prisma().caseEvent.findFirstOrThrow({
      where: { type: 'orden_pago_issued', case: { account: { number: 'E2E010' } } },
    });
    expect(issued.data).not.toHaveProperty('deadline');
    await page.getByRole('navigation').getByRole('link', { name: 'Bandeja jurídica' }).click();
    await heading(page, 'Bandeja jurídica');
    await legalTasks
      .getByRole('button', { name: /^Abrir tarea Notificar orden de pago .* de la cuenta E2E010$/ })
      .click();
    await page.getByLabel('Medio de notificación').selectOption({ label: 'En persona' });
    await page.getByLabel('Resultado de la notificación').selectOption({ label: 'Notificado' });
    await stack.screenshot(page, 'legal-notify-payment-order');
    await page.getByRole('button', { name: 'Completar tarea' }).click();
    await page.getByText(/^Tarea completada: .*\(cuenta E2E010\)\.$/).waitFor();
    const termStarted = await eventually(
      () =>
        prisma().caseEvent.findFirst({
          where: { type: 'orden_pago_term_started', case: { account: { number: 'E2E010' } } },
        }),
      (e) => e !== null,
    );
    const [attempt, notified] = await Promise.all(
      ['notification_attempt', 'orden_pago_notified'].map((type) =>
        prisma().caseEvent.findFirstOrThrow({
          where: { type, stage: 'coactiva', case: { account: { number: 'E2E010' } } },
        }),
      ),
    );
    expect(attempt!.actor).toBe(stack.api.users.legal.id);
    expect(attempt!.data).toMatchObject({ method: 'in_person', result: 'notified' });
    expect(notified!.data).toMatchObject({ method: 'in_person', attempts: 1 });
    const term = termStarted!.data as { notifiedAt: string; deadline: string };
    expect(term.notifiedAt).toBe(notified!.occurredAt.toISOString());
    expect(Date.parse(term.deadline)).toBeGreaterThan(Date.parse(term.notifiedAt));
    await page.context().close();
  }, 240_000);
  it('a manager changes a policy value and hands a sector to another collector', async () => {
    const page = await stack.signIn('manager');
    await page.getByRole('navigation').getByRole('link', { name: 'Política' }).click();
    await heading(page, 'Política de cobranza');
    const before = await prisma().policyVersion.count();
    await page.getByRole('button', { name: 'Editar política' }).click();
    await page.getByLabel('Número de avisos de cobro').fill('4');
    await page.getByLabel('Motivo del cambio').fill('Ordenanza 2027: un recordatorio más');
    await page.getByRole('button', { name: 'Guardar nueva versión' }).click();
    await page.getByText(/^Se guardó la versión \d+ de la política/).waitFor();
    const latest = await prisma().policyVersion.findFirstOrThrow({ orderBy: { version: 'desc' } });
    expect(await prisma().policyVersion.count()).toBe(before + 1);
    expect((latest.document as { reminder: { notices: number } }).reminder.notices).toBe(4);
    const audited = await prisma().auditLog.findFirst({ where: { action: 'policy.update' } });
    expect(audited?.actorId).toBe(stack.api.users.manager.id);
    await stack.screenshot(page, 'manager-policy');

    const carla = await prisma().user.create({
      data: {
        username: 'cromero',
        displayName: 'Carla Romero',
        role: 'collector',
        passwordHash: 'x',
      },
    });
    await page.getByRole('navigation').getByRole('link', { name: 'Carteras' }).click();
    await heading(page, 'Asignación de carteras');
    await page
      .getByLabel(`Gestor para el sector ${SECTOR}`, { exact: true })
      .selectOption({ label: 'Carla Romero' });
    const row = page.getByRole('row', { name: new RegExp(SECTOR) });
    await row.getByRole('button', { name: 'Guardar' }).click();
    await page
      .getByText(`Asignación guardada: sector ${SECTOR} → Carla Romero.`, { exact: false })
      .waitFor();
    const open = await prisma().case.findMany({
      where: { status: 'open', account: { sector: SECTOR } },
      select: { assignedCollectorId: true },
    });
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((c) => c.assignedCollectorId === carla.id)).toBe(true);
    await stack.screenshot(page, 'manager-portfolios');

    // The notice outbox, and the portfolio workbook downloaded from the dashboard.
    await page.getByRole('navigation').getByRole('link', { name: 'Avisos' }).click();
    await heading(page, 'Avisos enviados');
    const outbox = page.getByRole('table', { name: 'Bandeja de salida de avisos' });
    await expect.poll(() => outbox.locator('tbody tr').count()).toBeGreaterThan(0);
    await stack.screenshot(page, 'manager-notices');
    await page.getByRole('navigation').getByRole('link', { name: 'Tablero' }).click();
    await heading(page, 'Tablero de cartera');
    const [workbook] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('button', { name: 'Descargar Excel (Informe de cartera, todas las hojas)' })
        .click(),
    ]);
    expect(workbook.suggestedFilename()).toMatch(/\.xlsx$/);
    const xlsx = await readFile((await workbook.path())!);
    expect(xlsx.subarray(0, 2).toString()).toBe('PK'); // a zip, as every .xlsx

    // Printed letters: a batch of the first pending route, its delivery list confirmed.
    await page.getByRole('navigation').getByRole('link', { name: 'Cartas' }).click();
    await heading(page, 'Cartas');
    await page.getByTestId('letters-pending-row').first().waitFor();
    await stack.screenshot(page, 'manager-letters');
    await page.getByTestId('letters-print').first().click();
    await page.getByText(/^Lote LC-\d{4}-\d{6} creado con \d+ cartas?/).waitFor();
    await page.getByRole('link', { name: 'Ver el lote' }).click();
    await heading(page, /^Lote de cartas LC-/);
    await page.getByLabel('Notificador/a').fill('Pedro Notificador');
    await page.getByTestId('letters-all-delivered').click();
    await page.getByTestId('letters-confirm-submit').click();
    await page.getByText(/^Se registró el resultado de \d+ cartas?/).waitFor();
    expect(
      await prisma().notice.count({ where: { channel: 'letter', status: 'sent' } }),
    ).toBeGreaterThan(0);
    await stack.screenshot(page, 'manager-letter-batch');
    await page.context().close();
  }, 120_000);

  it('a manager switches the moratorium on cuts on, with its decree, and sees it first', async () => {
    const page = await stack.signIn('manager');
    await page.getByRole('navigation').getByRole('link', { name: 'Política' }).click();
    await heading(page, 'Política de cobranza');
    const banner = page.getByTestId('policy-moratorium');
    await banner.getByText('Sin moratoria de cortes.').waitFor();
    await page.getByRole('button', { name: 'Editar política' }).click();
    await page.getByRole('switch', { name: 'Moratoria de cortes vigente' }).check();
    await page.getByLabel('Motivo del cambio').fill('Decreto de emergencia por lluvias');
    await page.getByRole('button', { name: 'Guardar nueva versión' }).click();
    // Without the decree the form says what is missing and saves nothing.
    await page.getByText('Indique el decreto u orden que dispone la moratoria.').first().waitFor();
    await page
      .getByLabel('Decreto u orden que la dispone')
      .fill('Decreto Ejecutivo 123 (estado de excepción)');
    await page.getByRole('button', { name: 'Guardar nueva versión' }).click();
    await page.getByText(/^Se guardó la versión \d+ de la política/).waitFor();
    await banner
      .getByText('Moratoria de cortes vigente: no se ordena ningún corte nuevo.')
      .waitFor();
    await banner.getByText(/Decreto Ejecutivo 123/).waitFor();
    const latest = await prisma().policyVersion.findFirstOrThrow({ orderBy: { version: 'desc' } });
    expect(
      (latest.document as { suspension: { moratorium: unknown } }).suspension.moratorium,
    ).toEqual({ active: true, decree: 'Decreto Ejecutivo 123 (estado de excepción)' });
    await stack.screenshot(page, 'manager-policy-moratorium');
    await page.context().close();
  }, 60_000);
});
