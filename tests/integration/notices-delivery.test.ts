/**
 * Delivery of queued notices to a real SMTP server (smtp-server, in process) over the real
 * PostgreSQL outbox: recipients, subject, attachment; SMTP down then up → exactly one delivery
 * per notice; two dispatchers at once never send a notice twice; SMS lines in the file; the
 * delivery instant and the outcome told to the queuing workflow; several notices in flight and
 * passes back to back while there is a backlog; the Spanish templates of every notice kind.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNoticeActivities } from '../../activities/notices.js';
import type { SmtpConfig } from '../../config/index.js';
import { NOTICE_KINDS } from '../../domain/notices.js';
import type { Logger } from 'pino';
import type { NoticeOutcomeReport } from '../../notifications/delivery.js';
import {
  createNoticeDispatcher,
  runDispatcherLoop,
  type DispatcherDeps,
} from '../../notifications/dispatcher.js';
import { createSmtpMailer, noticeMessageId, type Mailer } from '../../notifications/mailer.js';
import { createFileSmsSender } from '../../notifications/sms.js';
import { DEFAULT_UTILITY, NOTICE_SUBJECTS, renderNotice } from '../../notifications/templates.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import { seedCase } from '../support/workflow-env.js';

const FROM = '"Aguas Machala EP" <cartera@aguasmachala.test>';
const USER = 'cartera';
const PASSWORD = 'clave-smtp-de-prueba';

interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

/** An SMTP server that requires auth, keeps every message and can reject some recipients. */
class TestSmtp {
  received: Received[] = [];
  /** Recipients answered with 550. */
  rejects = new Set<string>();
  /** Recipients answered, for now, with this 4xx code (450 mailbox busy, 421 shutting down). */
  deferrals = new Map<string, number>();
  /** Milliseconds to wait before accepting each message (to make dispatchers overlap). */
  delayMs = 0;
  private server: SMTPServer | undefined;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      // The mailer keeps pooled connections open: stopping answers them 421 and closes them
      // after this long (30 s by default).
      closeTimeout: 200,
      onAuth: (auth, _s, cb) =>
        auth.username === USER && auth.password === PASSWORD
          ? cb(null, { user: USER })
          : cb(new Error('bad credentials')),
      onRcptTo: (addr, _s, cb) => {
        const deferred = this.deferrals.get(addr.address);
        const code = this.rejects.has(addr.address) ? 550 : deferred;
        if (!code) return cb();
        const err = new Error(
          code === 550
            ? 'Mailbox unavailable'
            : code === 421
              ? 'Server shutting down'
              : 'Try later',
        ) as Error & { responseCode: number };
        err.responseCode = code;
        cb(err);
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then(async (mail) => {
            if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
            this.received.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              mail,
            });
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A pass that found nothing to do. */
const NOTHING = { sent: 0, retrying: 0, failed: 0, withdrawn: 0, backlog: false };

const smtpConfig = (port: number): SmtpConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: false,
  auth: { user: USER, password: PASSWORD },
  from: FROM,
});

describe('notice delivery over SMTP', () => {
  let db: TestDatabase;
  let smtp: TestSmtp;
  let mailer: Mailer;
  let dir: string;
  let smsFile: string;

  const dispatcher = (over: Partial<DispatcherDeps> = {}) =>
    createNoticeDispatcher({
      pool: db.pool,
      mailer,
      sms: createFileSmsSender(smsFile),
      from: FROM,
      backoffSeconds: 0,
      ...over,
    });

  /** Queues `kind` for a new case through the production activity (e-mail, SMS and letter). */
  async function queue(
    kind: 'aviso_cobro' | 'aviso_previo_suspension' | 'notificacion_titulo' = 'aviso_cobro',
    email: string | null = `titular-${randomUUID().slice(0, 8)}@example.ec`,
  ) {
    const seeded = await seedCase(db.prisma, { email });
    const facts: Record<string, string> =
      kind === 'notificacion_titulo'
        ? { 'Título de crédito': 'TC-2026-000123', Valor: 'USD 120,00' }
        : { 'Saldo vencido (USD)': '120.00', Cuenta: seeded.accountNumber };
    await createNoticeActivities({ prisma: db.prisma }).queueNotice({
      key: `case-${seeded.caseId}:${kind}`,
      caseId: seeded.caseId,
      kind,
      stage: 'reminder',
      facts,
    });
    return { ...seeded, email };
  }

  const notices = (caseId: string) =>
    db.prisma.notice.findMany({ where: { caseId }, orderBy: { channel: 'asc' } });
  const events = (caseId: string, type: string) =>
    db.prisma.caseEvent.findMany({ where: { caseId, type } });
  const messageIdsOf = () => smtp.received.map((r) => r.mail.messageId);

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    smtp = new TestSmtp(await freePort());
    await smtp.start();
    mailer = createSmtpMailer(smtpConfig(smtp.port), { timeoutSeconds: 3 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-notices-'));
    smsFile = path.join(dir, 'sms', 'sms.jsonl');
    // Each test sees only its own notices.
    await db.prisma.notice.deleteMany({});
  });
  afterEach(async () => {
    mailer.close();
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the mailer delivers to the recipients with subject, HTML, a PDF attachment and the given Message-ID', async () => {
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.from(randomUUID()),
      Buffer.from('\n%%EOF\n'),
    ]);
    const receipt = await mailer.send({
      to: ['gerencia@aguasmachala.test', 'supervisora@aguasmachala.test'],
      subject: 'Informe mensual de cartera — noviembre 2026',
      text: 'Adjunto el informe.',
      html: '<p>Adjunto el <b>informe</b>.</p>',
      attachments: [
        { filename: 'informe-2026-11.pdf', content: pdf, contentType: 'application/pdf' },
      ],
      messageId: '<informe-2026-11@aguasmachala.test>',
    });
    expect(receipt.accepted.sort()).toEqual([
      'gerencia@aguasmachala.test',
      'supervisora@aguasmachala.test',
    ]);
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got.envelopeTo.sort()).toEqual([
      'gerencia@aguasmachala.test',
      'supervisora@aguasmachala.test',
    ]);
    expect(got.mail.subject).toBe('Informe mensual de cartera — noviembre 2026');
    expect(got.mail.from?.value[0]?.address).toBe('cartera@aguasmachala.test');
    expect(got.mail.messageId).toBe('<informe-2026-11@aguasmachala.test>');
    expect(got.mail.html).toContain('<b>informe</b>');
    expect(got.mail.attachments).toHaveLength(1);
    const att = got.mail.attachments[0]!;
    expect(att.filename).toBe('informe-2026-11.pdf');
    expect(att.contentType).toBe('application/pdf');
    expect(att.content.equals(pdf)).toBe(true);
  });

  it('wrong SMTP credentials are an outage of the server, not a rejection of the notice', async () => {
    const bad = createSmtpMailer({
      ...smtpConfig(smtp.port),
      auth: { user: USER, password: 'otra' },
    });
    try {
      await expect(
        bad.send({ to: 'x@example.ec', subject: 's', text: 't', messageId: '<m@x>' }),
      ).rejects.toMatchObject({ type: 'smtp_unavailable' });
    } finally {
      bad.close();
    }
  });

  it('delivers e-mail and SMS once, records them on the timeline and leaves letters for printing', async () => {
    const c = await queue('aviso_previo_suspension');
    const first = await dispatcher().runOnce();
    expect(first).toEqual({ sent: 2, retrying: 0, failed: 0, withdrawn: 0, backlog: false });
    expect(await dispatcher().runOnce()).toEqual(NOTHING);

    const rows = await notices(c.caseId);
    expect(rows.map((n) => [n.channel, n.status, n.attempts])).toEqual([
      ['email', 'sent', 1],
      ['sms', 'sent', 1],
      ['letter', 'queued', 0],
    ]);
    const email = rows.find((n) => n.channel === 'email')!;
    expect(email.sentAt).toBeInstanceOf(Date);

    expect(smtp.received).toHaveLength(1);
    const m = smtp.received[0]!;
    expect(m.envelopeTo).toEqual([c.email]);
    expect(m.mail.subject).toBe('Aviso previo de suspensión del servicio de agua potable');
    expect(m.mail.messageId).toBe(noticeMessageId(email.id, FROM));
    expect(m.mail.text).toContain('ROMERO AGUILAR JUAN CARLOS');
    expect(m.mail.text).toContain('Aguas Machala EP');
    expect(m.mail.html).toContain('Cómo pagar');
    expect(m.mail.html).toContain(c.accountNumber);
    // The signed aviso previo the step stored goes with the e-mail.
    const stored = await db.pool.query<{ fileName: string }>(
      `SELECT "fileName" FROM "Document" WHERE "sourceEventKey" = $1`,
      [`case-${c.caseId}:aviso_previo_suspension:notice`],
    );
    expect(stored.rows).toHaveLength(1);
    expect(m.mail.attachments.map((x) => x.filename)).toEqual(stored.rows.map((d) => d.fileName));
    expect(m.mail.attachments[0]?.contentType).toBe('application/pdf');

    const sms = readFileSync(smsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({
      to: '0991234567',
      reference: rows.find((n) => n.channel === 'sms')!.id,
    });
    expect(sms[0]!.text).toContain(c.accountNumber);

    const delivered = await events(c.caseId, 'notice_delivered');
    expect(delivered.map((e) => e.eventKey).sort()).toEqual(
      rows
        .filter((n) => n.status === 'sent')
        .map((n) => `notice:${n.id}:sent`)
        .sort(),
    );
  });

  it('attaches the PDF stored for the step that queued the notice', async () => {
    const c = await queue('notificacion_titulo');
    const pdf = Buffer.from(`%PDF-1.7\n${randomUUID()}\n%%EOF\n`);
    await db.pool.query(
      `INSERT INTO "Document" (id, "caseId", kind, number, "fileName", title, sha256, bytes, "sizeBytes", pages, "sourceEventKey")
       VALUES ($1, $2, 'notificacion_titulo', 'TC-2026-000123', 'titulo-TC-2026-000123.pdf', 'Título de crédito', 'x', $3, $4, 1, $5)`,
      [randomUUID(), c.caseId, pdf, pdf.length, `case-${c.caseId}:notificacion_titulo:notice`],
    );
    await dispatcher().runOnce();
    expect(smtp.received).toHaveLength(1);
    const m = smtp.received[0]!.mail;
    expect(m.subject).toBe('Notificación de título de crédito');
    expect(m.text).toContain('TC-2026-000123');
    expect(m.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['titulo-TC-2026-000123.pdf', 'application/pdf'],
    ]);
    expect(m.attachments[0]!.content.equals(pdf)).toBe(true);
  });

  it('SMTP down then up: notices stay queued with the error, then go out exactly once each', async () => {
    const cases = [await queue(), await queue('notificacion_titulo'), await queue()];
    await smtp.stop();
    const d = dispatcher({ sms: { send: async () => undefined } });

    // One attempt per pass while the server is down (the pass stops at the outage).
    for (let i = 0; i < 3; i++) expect(await d.runOnce()).toMatchObject({ retrying: 1, failed: 0 });
    const down = await db.prisma.notice.findMany({ where: { channel: 'email' } });
    expect(down).toHaveLength(3);
    for (const n of down) {
      expect(n.status).toBe('queued');
      expect(n.attempts).toBe(1);
      expect(n.lastError).toMatch(/Servidor SMTP no disponible/);
    }
    expect(smtp.received).toHaveLength(0);

    await smtp.start();
    await d.runOnce();
    expect(await d.runOnce()).toEqual(NOTHING);

    const emails = await db.prisma.notice.findMany({ where: { channel: 'email' } });
    expect(emails.map((n) => [n.status, n.attempts, n.lastError])).toEqual(
      emails.map(() => ['sent', 2, null]),
    );
    expect(smtp.received).toHaveLength(3);
    expect(new Set(messageIdsOf())).toEqual(
      new Set(emails.map((n) => noticeMessageId(n.id, FROM))),
    );
    expect(smtp.received.map((r) => r.envelopeTo[0]).sort()).toEqual(
      cases.map((c) => c.email).sort(),
    );
    for (const c of cases) {
      const email = emails.find((n) => n.caseId === c.caseId)!;
      expect(
        (await events(c.caseId, 'notice_delivered')).filter(
          (e) => e.eventKey === `notice:${email.id}:sent`,
        ),
      ).toHaveLength(1);
      expect(await events(c.caseId, 'notice_failed')).toHaveLength(0);
    }
  });

  it('two dispatchers at once never send a notice twice', async () => {
    const cases = [];
    for (let i = 0; i < 8; i++) cases.push(await queue());
    smtp.delayMs = 40;
    // Two processes: separate pools, as two workers would have.
    const other = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const [a, b] = await Promise.all([
        dispatcher({ sms: { send: async () => undefined } }).runOnce(),
        dispatcher({ pool: other, sms: { send: async () => undefined } }).runOnce(),
      ]);
      expect(a.sent + b.sent).toBe(16);
      // Both did work: the overlap was real.
      expect(a.sent).toBeGreaterThan(0);
      expect(b.sent).toBeGreaterThan(0);
    } finally {
      await other.end();
    }
    expect(smtp.received).toHaveLength(8);
    expect(new Set(messageIdsOf()).size).toBe(8);
    expect(
      await db.prisma.notice.count({
        where: { channel: { in: ['email', 'sms'] }, status: 'sent' },
      }),
    ).toBe(16);
    for (const c of cases) expect(await events(c.caseId, 'notice_delivered')).toHaveLength(2);
  });

  it('a crash between send and commit resends with the same Message-ID and records the delivery once', async () => {
    const c = await queue();
    let crashes = 1;
    const crashing: Mailer = {
      async send(m) {
        const r = await mailer.send(m);
        if (crashes-- > 0) throw new Error('worker died before commit');
        return r;
      },
      close: () => undefined,
    };
    const d = dispatcher({ mailer: crashing, sms: { send: async () => undefined } });
    await d.runOnce();
    await d.runOnce();
    const email = (await notices(c.caseId)).find((n) => n.channel === 'email')!;
    expect(email.status).toBe('sent');
    expect(smtp.received).toHaveLength(2);
    expect(messageIdsOf()).toEqual([
      noticeMessageId(email.id, FROM),
      noticeMessageId(email.id, FROM),
    ]);
    expect(await events(c.caseId, 'notice_delivered')).toHaveLength(2); // e-mail + SMS
  });

  it('PostgreSQL dropping the connection while a message is sent fails the pass, not the process, and the notice goes out again', async () => {
    const c = await queue();
    let drops = 1;
    const dropping: Mailer = {
      async send(m) {
        const r = await mailer.send(m);
        if (drops-- > 0) {
          // The dispatcher holds the notice's row lock on an idle-in-transaction connection.
          await db.pool.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
          );
          await new Promise((resolve) => setTimeout(resolve, 300)); // the FATAL reaches the client
        }
        return r;
      },
      close: () => undefined,
    };
    const d = dispatcher({ mailer: dropping, sms: { send: async () => undefined } });
    await expect(d.runOnce()).rejects.toThrow();
    const email = () => notices(c.caseId).then((ns) => ns.find((n) => n.channel === 'email')!);
    expect((await email()).status).toBe('queued');
    await d.runOnce();
    expect((await email()).status).toBe('sent');
    const id = noticeMessageId((await email()).id, FROM);
    expect(messageIdsOf()).toEqual([id, id]);
    expect(await events(c.caseId, 'notice_delivered')).toHaveLength(2); // e-mail + SMS
  });

  it('marks failed, with the reason on the timeline: no valid address, a rejected mailbox, too many attempts', async () => {
    const noAddress = await queue('aviso_cobro', 'sin-correo');
    const rejected = await queue();
    smtp.rejects.add(rejected.email!);
    const d = dispatcher({ sms: { send: async () => undefined } });
    await d.runOnce();

    const a = (await notices(noAddress.caseId)).find((n) => n.channel === 'email')!;
    expect(a).toMatchObject({ status: 'failed', attempts: 1 });
    expect(a.lastError).toMatch(/no tiene un correo electrónico válido/);
    const b = (await notices(rejected.caseId)).find((n) => n.channel === 'email')!;
    expect(b).toMatchObject({ status: 'failed', attempts: 1 });
    expect(b.lastError).toMatch(/550/);
    for (const [c, n] of [
      [noAddress, a],
      [rejected, b],
    ] as const) {
      const failed = await events(c.caseId, 'notice_failed');
      expect(failed.map((e) => e.eventKey)).toEqual([`notice:${n.id}:failed:1`]);
      expect(failed[0]!.reason).toBe(n.lastError);
    }
    expect(smtp.received).toHaveLength(0);

    const down = await queue();
    await smtp.stop();
    const limited = dispatcher({ maxAttempts: 2, sms: { send: async () => undefined } });
    await limited.runOnce();
    await limited.runOnce();
    const n = (await notices(down.caseId)).find((x) => x.channel === 'email')!;
    expect(n).toMatchObject({ status: 'failed', attempts: 2 });
    expect(n.lastError).toMatch(/\(2 intentos\)/);
    expect(await events(down.caseId, 'notice_failed')).toHaveLength(1);
    await limited.runOnce();
    expect(await events(down.caseId, 'notice_failed')).toHaveLength(1);
  });

  it('a 4xx answer (mailbox busy, server shutting down) is temporary: the notice waits and goes out later', async () => {
    const d = dispatcher({ backoffSeconds: 1, sms: { send: async () => undefined } });
    for (const code of [450, 421]) {
      const c = await queue();
      smtp.deferrals.set(c.email!, code);
      await d.runOnce();
      const deferred = (await notices(c.caseId)).find((x) => x.channel === 'email')!;
      expect(deferred).toMatchObject({ status: 'queued', attempts: 1 });
      expect(deferred.lastError).toMatch(
        new RegExp(`^Error temporal|^Servidor SMTP no disponible`),
      );
      expect(deferred.lastError).toContain(String(code));
      expect(await events(c.caseId, 'notice_failed')).toHaveLength(0);

      smtp.deferrals.clear();
      const before = smtp.received.length;
      await new Promise((r) => setTimeout(r, 1_100)); // the backoff
      await d.runOnce();
      const sent = (await notices(c.caseId)).find((x) => x.channel === 'email')!;
      expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
      expect(smtp.received).toHaveLength(before + 1);
    }
  });

  /** Every notice of the case as if queued by workflow `workflowId` (outside Temporal it is null). */
  const queuedBy = (caseId: string, workflowId: string) =>
    db.prisma.notice.updateMany({ where: { caseId }, data: { workflowId } });

  it('sets deliveredAt with sentAt on acceptance and reports each delivery once, with the queue key', async () => {
    const c = await queue();
    await queuedBy(c.caseId, `case-${c.accountNumber}`);
    const reports: NoticeOutcomeReport[] = [];
    const d = dispatcher({ onOutcome: async (r) => void reports.push(r) });
    expect(await d.runOnce()).toMatchObject({ sent: 2 });
    await d.runOnce();
    await d.settle();

    const rows = await notices(c.caseId);
    const sent = rows.filter((n) => n.channel !== 'letter');
    for (const n of sent) {
      expect(n.deliveredAt).toBeInstanceOf(Date);
      expect(n.deliveredAt).toEqual(n.sentAt);
      expect(Math.abs(n.deliveredAt!.getTime() - Date.now())).toBeLessThan(60_000);
    }
    expect(rows.find((n) => n.channel === 'letter')!.deliveredAt).toBeNull();
    expect([...reports].sort((a, b) => a.channel.localeCompare(b.channel))).toEqual(
      sent.map((n) => ({
        workflowId: `case-${c.accountNumber}`,
        key: `case-${c.caseId}:aviso_cobro`,
        channel: n.channel,
        outcome: 'delivered',
        at: n.deliveredAt!.toISOString(),
      })),
    );
  });

  it('reports a final failure once, with its reason; a temporary one is not reported; neither sets deliveredAt', async () => {
    const rejected = await queue();
    const deferred = await queue();
    smtp.rejects.add(rejected.email!);
    smtp.deferrals.set(deferred.email!, 450);
    const reports: NoticeOutcomeReport[] = [];
    const d = dispatcher({
      sms: { send: async () => undefined },
      onOutcome: async (r) => void reports.push(r),
    });
    await d.runOnce();
    await d.runOnce(); // the deferred one again (backoff 0): still deferred
    await d.settle();

    const failed = (await notices(rejected.caseId)).find((n) => n.channel === 'email')!;
    const waiting = (await notices(deferred.caseId)).find((n) => n.channel === 'email')!;
    expect(failed).toMatchObject({ status: 'failed', deliveredAt: null, sentAt: null });
    expect(waiting).toMatchObject({ status: 'queued', attempts: 2, deliveredAt: null });
    const emailReports = reports.filter((r) => r.channel === 'email');
    expect(emailReports).toEqual([
      {
        workflowId: null,
        key: `case-${rejected.caseId}:aviso_cobro`,
        channel: 'email',
        outcome: 'failed',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        reason: failed.lastError,
      },
    ]);
    // The SMS of both cases went out, and were reported as such.
    expect(reports.filter((r) => r.channel === 'sms').map((r) => r.outcome)).toEqual([
      'delivered',
      'delivered',
    ]);
  });

  it('a report that fails or never ends neither breaks nor holds up the dispatcher', async () => {
    const cases = [await queue(), await queue()];
    const warnings: string[] = [];
    const noop = () => undefined;
    const log = {
      info: noop,
      error: noop,
      warn: (_o: unknown, msg: string) => void warnings.push(msg),
    } as unknown as Logger;
    let calls = 0;
    const d = dispatcher({
      log,
      sms: { send: async () => undefined },
      onOutcome: (r) => {
        calls++;
        if (r.channel === 'sms') throw new Error('Temporal no responde'); // thrown at once
        return new Promise<void>(() => undefined); // never settles
      },
    });
    const pass = await Promise.race([
      d.runOnce(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('pass held up')), 10_000)),
    ]);
    expect(pass).toMatchObject({ sent: 4, failed: 0 });
    expect(calls).toBe(4);
    expect(warnings.filter((w) => w === 'notice outcome not reported')).toHaveLength(2);
    for (const c of cases)
      expect((await notices(c.caseId)).map((n) => n.status)).toEqual(['sent', 'sent', 'queued']);
  });

  it('sends several notices at once, each exactly once', async () => {
    for (let i = 0; i < 12; i++) await queue();
    smtp.delayMs = 100;
    let inFlight = 0;
    let most = 0;
    const counting: Mailer = {
      async send(m) {
        most = Math.max(most, ++inFlight);
        try {
          return await mailer.send(m);
        } finally {
          inFlight--;
        }
      },
      close: () => undefined,
    };
    const r = await dispatcher({
      mailer: counting,
      sms: { send: async () => undefined },
      concurrency: 4,
    }).runOnce();
    expect(r).toMatchObject({ sent: 24, failed: 0, retrying: 0 });
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(smtp.received).toHaveLength(12);
    expect(new Set(messageIdsOf()).size).toBe(12);
  });

  it('the loop runs passes back to back while they come back full, then waits the interval', async () => {
    for (let i = 0; i < 3; i++) await queue();
    const d = dispatcher({ sms: { send: async () => undefined }, batchSize: 2 });
    // An hour between passes: only back-to-back passes can send the six notices in time.
    const stop = runDispatcherLoop(d, 3600);
    try {
      const sent = await eventually(
        () => db.prisma.notice.count({ where: { status: 'sent' } }),
        (n) => n === 6,
        15_000,
      );
      expect(sent).toBe(6);
    } finally {
      await stop();
    }
    expect(smtp.received).toHaveLength(3);
  });

  it('waits for the backoff before trying a failed notice again', async () => {
    await queue();
    await smtp.stop();
    const d = dispatcher({ backoffSeconds: 3600, sms: { send: async () => undefined } });
    await d.runOnce();
    await d.runOnce();
    const email = await db.prisma.notice.findFirstOrThrow({ where: { channel: 'email' } });
    expect(email.attempts).toBe(1);
  });
});

describe('notice templates', () => {
  const facts = { 'Valor adeudado': 'USD 1.234,50', Vence: '2026-12-04', Nota: 'a < b & "c"' };

  it.each(NOTICE_KINDS)('%s: subject, greeting, every fact, the utility and how to pay', (kind) => {
    const r = renderNotice({
      kind,
      level: 1,
      holderName: 'MARÍA PÉREZ',
      accountNumber: '01-02-0003',
      facts,
    });
    expect(r.subject).toBe(NOTICE_SUBJECTS[kind]);
    for (const part of [r.text, r.html]) {
      expect(part).toContain('MARÍA PÉREZ');
      expect(part).toContain('01-02-0003');
      expect(part).toContain('USD 1.234,50');
      expect(part).toContain(DEFAULT_UTILITY.name);
      expect(part).toContain('Cómo pagar');
    }
    expect(r.text).toContain('  Nota: a < b & "c"');
    // Facts are escaped in the HTML version.
    expect(r.html).toContain('a &#60; b &#38; &#34;c&#34;');
    expect(r.html).not.toContain('a < b');
    expect(r.sms.length).toBeLessThanOrEqual(200);
    expect(r.sms).toContain('USD 1.234,50');
  });

  it('reminders get sterner with the level', () => {
    const at = (level: number) =>
      renderNotice({ kind: 'recordatorio', level, holderName: 'X', accountNumber: '1', facts: {} })
        .text;
    expect(at(1)).not.toMatch(/nuevamente|Último/);
    expect(at(2)).toMatch(/nuevamente/);
    expect(at(3)).toMatch(/Último recordatorio/);
  });
});
