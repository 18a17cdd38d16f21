/**
 * Notices of a case that closed or was paid while they waited are withdrawn, never sent: by the
 * dispatcher at claim time (real PostgreSQL, an in-process SMTP server) and by
 * `withdrawQueuedNotices` from the case-closing step (a pg pool, a pg transaction, a Prisma
 * transaction), each with its `notice_withdrawn` event, once; a closing that races a send in
 * flight waits for it instead of deadlocking.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNoticeActivities } from '../../activities/notices.js';
import { createNoticeDispatcher, type DispatcherDeps } from '../../notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../notifications/mailer.js';
import { createFileSmsSender } from '../../notifications/sms.js';
import { WITHDRAWAL_REASONS, withdrawQueuedNotices } from '../../notifications/withdraw.js';
import { freshDatabase, type TestDatabase } from '../support/env.js';
import { seedCase } from '../support/workflow-env.js';

const FROM = '"Aguas Machala EP" <cartera@aguasmachala.test>';

/** An SMTP server that accepts everything and keeps the recipients of each message. */
class RecordingSmtp {
  received: string[][] = [];
  private server: SMTPServer | undefined;
  port = 0;
  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 200,
      onData: (stream, session, cb) => {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          this.received.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as net.AddressInfo).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

describe('withdrawing notices of closed or paid cases', () => {
  let db: TestDatabase;
  let smtp: RecordingSmtp;
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

  /** A case with an aviso de cobro queued by the production activity (e-mail, SMS, letter). */
  async function queued(opts: { phone?: boolean } = {}) {
    const email = `titular-${randomUUID().slice(0, 8)}@example.ec`;
    const seeded = await seedCase(db.prisma, { email });
    if (opts.phone === false)
      await db.prisma.account.update({ where: { id: seeded.accountId }, data: { phone: null } });
    await createNoticeActivities({ prisma: db.prisma }).queueNotice({
      key: `case-${seeded.caseId}:aviso_cobro`,
      caseId: seeded.caseId,
      kind: 'aviso_cobro',
      stage: 'reminder',
      facts: { 'Saldo vencido (USD)': '120.00' },
    });
    return { ...seeded, email };
  }

  const rows = (caseId: string) =>
    db.prisma.notice.findMany({ where: { caseId }, orderBy: { channel: 'asc' } });
  const withdrawnEvents = (caseId: string) =>
    db.prisma.caseEvent.findMany({
      where: { caseId, type: 'notice_withdrawn' },
      orderBy: { eventKey: 'asc' },
    });
  const closeCase = (caseId: string) =>
    db.prisma.case.update({
      where: { id: caseId },
      data: { status: 'closed', stage: 'closed', openKey: null, closedAt: new Date() },
    });
  const smsLines = () =>
    existsSync(smsFile) ? readFileSync(smsFile, 'utf8').trim().split('\n').filter(Boolean) : [];

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    smtp = new RecordingSmtp();
    await smtp.start();
    mailer = createSmtpMailer(
      {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        requireTls: false,
        auth: undefined,
        from: FROM,
      },
      { timeoutSeconds: 3 },
    );
    dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-withdrawal-'));
    smsFile = path.join(dir, 'sms.jsonl');
    await db.prisma.notice.deleteMany({});
  });
  afterEach(async () => {
    mailer.close();
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the dispatcher withdraws the e-mail and SMS of a closed case and of a paid one, sends the open one, and records each withdrawal once', async () => {
    const open = await queued();
    const closed = await queued();
    const paid = await queued();
    await closeCase(closed.caseId);
    await db.prisma.case.update({ where: { id: paid.caseId }, data: { balanceCents: 0 } });

    const pass = await dispatcher().runOnce();
    expect(pass).toMatchObject({ sent: 2, withdrawn: 4, failed: 0, retrying: 0 });
    // Only the open case's notices went out.
    expect(smtp.received).toEqual([[open.email]]);
    expect(smsLines()).toHaveLength(1);
    expect(
      (await rows(open.caseId)).map((n) => [n.channel, n.status, n.deliveredAt !== null]),
    ).toEqual([
      ['email', 'sent', true],
      ['sms', 'sent', true],
      ['letter', 'queued', false],
    ]);
    expect(await withdrawnEvents(open.caseId)).toHaveLength(0);

    for (const [c, reason, stage] of [
      [closed, WITHDRAWAL_REASONS.case_closed, 'closed'],
      [paid, WITHDRAWAL_REASONS.debt_paid, 'reminder'],
    ] as const) {
      const ns = await rows(c.caseId);
      // Letters wait for the print batch: the dispatcher leaves them alone.
      expect(ns.map((n) => [n.channel, n.status, n.attempts, n.sentAt, n.deliveredAt])).toEqual([
        ['email', 'withdrawn', 0, null, null],
        ['sms', 'withdrawn', 0, null, null],
        ['letter', 'queued', 0, null, null],
      ]);
      for (const n of ns.filter((x) => x.channel !== 'letter')) expect(n.lastError).toBe(reason);
      const events = await withdrawnEvents(c.caseId);
      const mine = ns.filter((n) => n.channel !== 'letter');
      expect(events.map((e) => e.eventKey)).toEqual(
        mine.map((n) => `notice:${n.id}:withdrawn`).sort(),
      );
      for (const e of events) {
        const n = mine.find((x) => e.eventKey === `notice:${x.id}:withdrawn`)!;
        expect(e).toMatchObject({ reason, stage, actor: 'system' });
        expect(e.data).toEqual({ kind: 'aviso_cobro', channel: n.channel, noticeId: n.id });
      }
    }

    // Nothing is left for a second pass; nothing is recorded twice.
    expect(await dispatcher().runOnce()).toMatchObject({ sent: 0, withdrawn: 0 });
    expect(await withdrawnEvents(closed.caseId)).toHaveLength(2);
    expect(smtp.received).toHaveLength(1);
  });

  it('withdrawQueuedNotices (pg pool) withdraws queued and printed notices of every channel, once, and leaves sent ones', async () => {
    const c = await queued();
    await dispatcher().runOnce(); // e-mail and SMS sent; the letter waits
    await createNoticeActivities({ prisma: db.prisma }).queueNotice({
      key: `case-${c.caseId}:aviso_previo_suspension`,
      caseId: c.caseId,
      kind: 'aviso_previo_suspension',
      stage: 'suspension',
      facts: { 'Saldo vencido (USD)': '120.00' },
    });
    const letter = (await rows(c.caseId)).find(
      (n) => n.channel === 'letter' && n.kind === 'aviso_cobro',
    )!;
    await db.prisma.notice.update({ where: { id: letter.id }, data: { status: 'printed' } });

    const got = await withdrawQueuedNotices(db.pool, c.caseId, 'case_closed');
    const after = await rows(c.caseId);
    const expected = after.filter(
      (n) => n.kind === 'aviso_previo_suspension' || n.id === letter.id,
    );
    expect(got.map((n) => n.id).sort()).toEqual(expected.map((n) => n.id).sort());
    expect(got.map((n) => n.channel).sort()).toEqual(['email', 'letter', 'letter', 'sms']);
    for (const n of after) {
      const withdrawn = expected.some((x) => x.id === n.id);
      expect(n.status).toBe(withdrawn ? 'withdrawn' : 'sent');
      if (withdrawn) expect(n.lastError).toBe(WITHDRAWAL_REASONS.case_closed);
    }
    const events = await withdrawnEvents(c.caseId);
    expect(events.map((e) => e.eventKey)).toEqual(
      expected.map((n) => `notice:${n.id}:withdrawn`).sort(),
    );

    // A second call finds nothing and records nothing.
    expect(await withdrawQueuedNotices(db.pool, c.caseId, 'case_closed')).toEqual([]);
    expect(await withdrawnEvents(c.caseId)).toHaveLength(4);
    // Withdrawn notices are never sent afterwards.
    expect(await dispatcher().runOnce()).toMatchObject({ sent: 0, withdrawn: 0 });
    expect(smtp.received).toHaveLength(1);
  });

  it("withdrawQueuedNotices runs in the caller's transaction: a pg one that rolls back, a Prisma one that closes the case", async () => {
    const a = await queued();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      expect(await withdrawQueuedNotices(client, a.caseId, 'debt_paid')).toHaveLength(3);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await rows(a.caseId)).map((n) => n.status)).toEqual(['queued', 'queued', 'queued']);
    expect(await withdrawnEvents(a.caseId)).toHaveLength(0);

    const got = await db.prisma.$transaction(async (tx) => {
      await tx.case.update({
        where: { id: a.caseId },
        data: { status: 'closed', stage: 'closed', openKey: null, closedAt: new Date() },
      });
      return withdrawQueuedNotices(
        tx,
        a.caseId,
        'Retirado: el caso se cerró por error de facturación',
      );
    });
    expect(got).toHaveLength(3);
    const ns = await rows(a.caseId);
    expect(ns.map((n) => [n.status, n.lastError])).toEqual(
      ns.map(() => ['withdrawn', 'Retirado: el caso se cerró por error de facturación']),
    );
    expect((await withdrawnEvents(a.caseId)).map((e) => e.stage)).toEqual([
      'closed',
      'closed',
      'closed',
    ]);
    await expect(withdrawQueuedNotices(db.pool, 'no-es-un-uuid', 'case_closed')).rejects.toThrow();
  });

  it('a closing that races a send in flight waits for it (no deadlock): the e-mail stays sent, the rest is withdrawn', async () => {
    const c = await queued({ phone: false }); // e-mail and letter
    let sending!: () => void;
    const started = new Promise<void>((resolve) => (sending = resolve));
    const slow: Mailer = {
      async send(m) {
        sending();
        await new Promise((r) => setTimeout(r, 1_500)); // longer than deadlock_timeout (1 s)
        return mailer.send(m);
      },
      close: () => undefined,
    };
    const pass = dispatcher({ mailer: slow }).runOnce();
    await started;
    // The case-closing step, as the closing activity will run it: the case row (openKey freed:
    // a FOR UPDATE lock) and the withdrawal in one transaction, while the e-mail is on its way.
    const closing = db.prisma.$transaction(
      async (tx) => {
        await tx.case.update({
          where: { id: c.caseId },
          data: { status: 'closed', stage: 'closed', openKey: null, closedAt: new Date() },
        });
        return withdrawQueuedNotices(tx, c.caseId, 'case_closed');
      },
      { timeout: 15_000 },
    );
    const [result, withdrawn] = await Promise.all([pass, closing]);
    expect(result).toMatchObject({ sent: 1, failed: 0, retrying: 0 });
    expect(withdrawn.map((n) => n.channel)).toEqual(['letter']);
    expect((await rows(c.caseId)).map((n) => [n.channel, n.status])).toEqual([
      ['email', 'sent'],
      ['letter', 'withdrawn'],
    ]);
    expect(smtp.received).toEqual([[c.email]]);
    expect(
      await db.prisma.caseEvent.count({ where: { caseId: c.caseId, type: 'notice_delivered' } }),
    ).toBe(1);
  });
});
