/**
 * No personal data in logs. A realistic run with distinctive personal data — a billing export
 * imported through the API (holder names, cédula, RUC, e-mail, phone, address), sign-ins with
 * right and wrong passwords, case list and detail reads (search by name), a collector's contact
 * note quoting new details, validation errors whose input is personal data, an unhandled error
 * that embeds a row, the case workflows' activities on a real worker, and the notice dispatcher
 * delivering to an in-process SMTP server that refuses one recipient (its answer quotes the
 * address) — while every log line is captured: the app's and dispatcher's pino logger (built as
 * production builds it, `createLogger`), the Temporal Runtime logger (SDK, activity and Core
 * logs, `temporalRuntimeLogging`), console and the process's stdout/stderr. None of the values
 * may appear, and the capture must have seen each part of the flow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, temporalRuntimeLogging } from '../../api/logging.js';
import { makeCedula, makeRucNatural } from '../../domain/ecuador-id.js';
import { createNoticeDispatcher } from '../../notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../notifications/mailer.js';
import { createFileSmsSender } from '../../notifications/sms.js';
import { EXPORT_HEADER, TEST_API_KEY, csvFile, passwordOf, startTestApi } from '../api/support.js';
import type { TestApi } from '../api/support.js';
import { eventually, withWorker } from '../support/env.js';

// Distinctive values: none of them can appear in a log by chance.
const HOLDER = 'ZAMBRANO QUIÑÓNEZ EUFEMIA PETRONILA';
const HOLDER_2 = 'TENEMAZA CHUQUIMARCA SEGUNDO ANACLETO';
const CEDULA = makeCedula(7, '918273');
const RUC = makeRucNatural(makeCedula(9, '564738'));
const EMAIL = 'eufemia.zambrano.pii@example.ec';
const EMAIL_REFUSED = 'anacleto.tenemaza.pii@example.ec';
const PHONE = '0987650123';
const ADDRESS = 'Callejón Pirámide 77 y Malecón';
const NEW_PHONE = '0976543210';
const NEW_EMAIL = 'eufemia.nuevo.pii@example.ec';
const WRONG_PASSWORD = 'Clave-Equivocada-Pii-31';

const SECTOR = 'Sector Pii';
const FROM = '"Aguas Machala EP" <cartera@aguasmachala.test>';

/** Every line written to any log sink during the run. */
const captured: string[] = [];

/** Personal data and secrets to look for: each value, its digits without the leading 0, … */
function secrets(api: TestApi): Record<string, string> {
  const out: Record<string, string> = {
    HOLDER,
    HOLDER_2,
    'HOLDER (given names)': 'EUFEMIA PETRONILA',
    'HOLDER (title case)': 'Eufemia Petronila',
    CEDULA,
    RUC,
    EMAIL,
    EMAIL_REFUSED,
    'EMAIL (local part)': 'eufemia.zambrano.pii',
    PHONE,
    'PHONE (international)': PHONE.slice(1),
    ADDRESS,
    'ADDRESS (street)': 'Callejón Pirámide',
    NEW_PHONE,
    NEW_EMAIL,
    WRONG_PASSWORD,
    'API key': TEST_API_KEY,
  };
  for (const [role, token] of Object.entries(api.tokens)) {
    out[`password of ${role}`] = passwordOf(role as keyof typeof api.tokens);
    out[`session token of ${role}`] = token;
  }
  return out;
}

/** The names of the secrets found in `text` (also JSON-escaped, and case-insensitively). */
function findSecrets(text: string, values: Record<string, string>): string[] {
  const hay = text.toLowerCase();
  return Object.entries(values)
    .filter(([, v]) => {
      const escaped = JSON.stringify(v).slice(1, -1);
      return hay.includes(v.toLowerCase()) || hay.includes(escaped.toLowerCase());
    })
    .map(([name]) => name);
}

/** Every console method and direct write to stdout/stderr goes to `captured` as well. */
function captureConsole(): () => void {
  const restore: (() => void)[] = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[m];
    console[m] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original.apply(console, args);
    };
    restore.push(() => (console[m] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(),
      );
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  return () => restore.forEach((r) => r());
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** An SMTP server that accepts everything except `EMAIL_REFUSED` (550, quoting the address). */
async function startSmtp(port: number): Promise<{ received: string[]; stop(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (addr, _s, cb) => {
      if (addr.address !== EMAIL_REFUSED) return cb();
      const err = new Error(`<${addr.address}>: Recipient address rejected: mailbox unavailable`);
      (err as Error & { responseCode: number }).responseCode = 550;
      cb(err);
    },
    onData: (stream, session, cb) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// One run: the import and the notices it drives cannot be repeated against the same database.
describe('no personal data in logs', { retry: 0 }, () => {
  let api: TestApi;
  let mailer: Mailer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let tmp: string;
  let stopWorker!: () => void;
  let worker: Promise<void>;
  let restoreConsole: () => void;
  const log = createLogger(
    { level: 'trace' },
    {
      write: (line: string) => {
        captured.push(line);
      },
    },
  );

  beforeAll(async () => {
    restoreConsole = captureConsole();
    // As the worker process does, before any native connection exists.
    Runtime.install({ ...temporalRuntimeLogging(log), shutdownSignals: [] });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-pii-'));
    api = await startTestApi({
      log,
      // A dependency that fails with an error embedding a row, as a database error would.
      readiness: () => {
        const err = new Error(`duplicate key value: (${CEDULA}, ${HOLDER}, ${EMAIL})`);
        throw Object.assign(err, {
          detail: `Key ("holderId")=(${CEDULA}) already exists.`,
          row: { holderName: HOLDER, email: EMAIL, phone: PHONE, address: ADDRESS },
        });
      },
    });
    const smtpPort = await freePort();
    smtp = await startSmtp(smtpPort);
    mailer = createSmtpMailer({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      requireTls: false,
      auth: undefined,
      from: FROM,
    });
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker({ taskQueue: api.deps.taskQueue, prisma: api.db.prisma }, () => stopped);
    await api.db.prisma.portfolioAssignment.create({
      data: { sector: SECTOR, userId: api.users.collector.id },
    });
  });

  afterAll(async () => {
    const open = await api?.db.prisma.case.findMany({ select: { workflowId: true } });
    await Promise.all(
      (open ?? []).map((c) =>
        api.temporal.workflow
          .getHandle(c.workflowId)
          .terminate('fin de la prueba')
          .catch(() => undefined),
      ),
    );
    stopWorker?.();
    await worker;
    await mailer?.close();
    await smtp?.stop();
    await api?.close();
    restoreConsole?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('finds a value when it is there (the check itself works)', () => {
    const line = JSON.stringify({ msg: `contacto ${HOLDER.toLowerCase()}`, to: EMAIL });
    expect(findSecrets(line, { HOLDER, EMAIL, PHONE })).toEqual(['HOLDER', 'EMAIL']);
  });

  it('logs none of it through import, sign-in, reads, contact, errors, workflows and notices', async () => {
    const manager = api.tokens.manager;
    const collector = api.tokens.collector;
    const row = (n: number, id: string, holder: string, email: string, due: string) =>
      `PII00${n},${id},${holder},${ADDRESS},${SECTOR},R-01-01,residencial,${PHONE},${email},F-PII-${n}-${due},2026-0${n + 5}-01,${due},60.00,60.00,`;

    // 1. Import: two delinquent holders (two overdue bills each) and a line whose columns are
    //    shifted, so the report quotes personal data back (stored on the batch, never logged).
    const upload = await api.call<{ id: string }>('post', '/api/imports/portfolio', {
      token: manager,
      form: csvFile('cartera.csv', [
        EXPORT_HEADER,
        row(1, CEDULA, HOLDER, EMAIL, '2026-07-31'),
        row(1, CEDULA, HOLDER, EMAIL, '2026-08-31'),
        row(2, RUC, HOLDER_2, EMAIL_REFUSED, '2026-07-31'),
        row(2, RUC, HOLDER_2, EMAIL_REFUSED, '2026-08-31'),
        `PII003,${CEDULA},${HOLDER},${ADDRESS},${SECTOR},R-01-01,${EMAIL},${PHONE},,F-PII-3,2026-08-01,2026-08-31,10.00,10.00,`,
      ]),
    });
    expect(upload.status, JSON.stringify(upload.body)).toBe(202);
    const done = await eventually(
      () =>
        api.call<{ status: string; casesOpened: number; badRows: number }>(
          'get',
          `/api/imports/${upload.body.id}`,
          { token: manager },
        ),
      // The batch says succeeded once stored; the cases it opens are counted just after.
      (r) => r.body.status === 'failed' || r.body.casesOpened === 2,
      60_000,
    );
    expect(done.body).toMatchObject({ status: 'succeeded', casesOpened: 2, badRows: 1 });

    // 2. Sign-in: a wrong password (username an e-mail address), then a right one.
    const wrong = await api.call('post', '/api/auth/login', {
      json: { username: EMAIL, password: WRONG_PASSWORD },
    });
    expect(wrong.status).toBe(401);
    const wrongUser = await api.call('post', '/api/auth/login', {
      json: { username: 'collector', password: WRONG_PASSWORD },
    });
    expect(wrongUser.status).toBe(401);
    expect(typeof (await api.login('collector'))).toBe('string');

    // 3. Reads: the list searched by name and cédula (in the URL), and the case detail.
    // The workflow writes the case row and its collector just after it starts.
    const byName = await eventually(
      () =>
        api.call<{ items: { id: string; holderName: string }[] }>('get', '/api/cases', {
          token: collector,
          query: { q: 'EUFEMIA PETRONILA' },
        }),
      (r) => r.status !== 200 || r.body.items.length > 0,
      30_000,
    );
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((c) => c.holderName)).toEqual([HOLDER]);
    const caseId = byName.body.items[0]!.id;
    expect(
      (await api.call('get', '/api/cases', { token: manager, query: { q: CEDULA } })).status,
    ).toBe(200);
    const detail = await api.call<unknown>('get', `/api/cases/${caseId}`, { token: collector });
    expect(detail.status).toBe(200);
    expect(JSON.stringify(detail.body)).toContain(EMAIL);

    // 4. The collector records the contact: a bad form first (its input echoed back), then a
    //    note that quotes the holder's new phone and e-mail.
    const task = await eventually(
      () => api.db.prisma.task.findFirst({ where: { caseId, type: 'contact_debtor' } }),
      (t) => t !== null,
      30_000,
    );
    expect(task).not.toBeNull();
    const bad = await api.call('post', `/api/tasks/${task!.id}/complete`, {
      token: collector,
      json: { form: { outcome: 'promise_to_pay', promisedOn: NEW_EMAIL, amount: NEW_PHONE } },
    });
    expect(bad.status).toBe(400);
    const contact = await api.call('post', `/api/tasks/${task!.id}/complete`, {
      token: collector,
      json: {
        form: {
          outcome: 'wrong_data',
          note: `${HOLDER} dio nuevo celular ${NEW_PHONE} y correo ${NEW_EMAIL}`,
        },
      },
    });
    expect(contact.status, JSON.stringify(contact.body)).toBeLessThan(300);

    // 5. Validation errors whose input is personal data, a body that is not JSON, an API key
    //    that is wrong, and an unhandled error that embeds a row.
    const payment = await api.call('post', '/api/payments', {
      headers: { 'x-api-key': TEST_API_KEY },
      json: { accountNumber: CEDULA, amount: EMAIL, paidAt: HOLDER, reference: PHONE },
    });
    expect(payment.status).toBe(400);
    const wrongKey = await api.call('post', '/api/payments', {
      headers: { 'x-api-key': `${TEST_API_KEY}-${CEDULA}` },
      json: {},
    });
    expect(wrongKey.status).toBe(401);
    const portfolio = await api.call('put', '/api/portfolios', {
      token: manager,
      json: { sector: HOLDER, collectorId: EMAIL, reassignOpenCases: ADDRESS },
    });
    expect(portfolio.status).toBe(400);
    const notJson = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"username": "${EMAIL}", "password": "${WRONG_PASSWORD}" ${HOLDER}`,
    });
    expect(notJson.status).toBe(400);
    expect((await api.call('get', '/readyz')).status).toBe(500);

    // 6. Notices: the workflows queued them (activities on the worker); the dispatcher sends
    //    them, and the SMTP server refuses one recipient, quoting it.
    await eventually(
      () =>
        api.db.prisma.notice.count({
          where: { recipient: { in: [EMAIL, EMAIL_REFUSED] }, channel: 'email' },
        }),
      (n) => n === 2,
      30_000,
    );
    const dispatcher = createNoticeDispatcher({
      pool: api.db.pool,
      mailer,
      sms: createFileSmsSender(path.join(tmp, 'sms.jsonl')),
      from: FROM,
      log,
      backoffSeconds: 0,
    });
    const pass = await dispatcher.runOnce();
    expect(pass.sent).toBeGreaterThanOrEqual(1);
    expect(pass.failed).toBeGreaterThanOrEqual(1);
    expect(smtp.received).toContain(EMAIL);

    // Core's forwarded logs are buffered for 100 ms.
    await new Promise((r) => setTimeout(r, 500));
    const text = captured.join('\n');

    // The capture saw every part of the run (so an empty capture cannot pass).
    for (const seen of [
      'request completed', // pino-http
      'unhandled error', // the error mapper
      'notice sent', // the dispatcher
      'notice not sent',
      'Worker state changed', // the Temporal Runtime logger
      'Activity completed', // activity logs on the worker
    ])
      expect(text, `no "${seen}" line captured`).toContain(seen);

    const found = findSecrets(text, secrets(api));
    const where = found.map((name) => {
      const v = secrets(api)[name]!.toLowerCase();
      return `${name}: ${captured.find((l) => l.toLowerCase().includes(v))?.slice(0, 400)}`;
    });
    expect(where).toEqual([]);
  }, 180_000);
});
