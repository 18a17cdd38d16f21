/**
 * How fast the notice dispatcher drains the outbox, next to a bare nodemailer loop.
 *
 *   npm run bench:notices -- [--notices 2000] [--cases 4000] [--runs 3] [--slow 300]
 *                            [--max-seconds 45] [--concurrency N]
 *
 * One run, on a scratch database (DATABASE_URL's server, else the local 127.0.0.1:5432; created,
 * migrated with Prisma Migrate and dropped at the end) and an SMTP server in this process
 * (smtp-server, accepting everything). The outbox holds N queued aviso de cobro e-mails of real
 * cases (4,000 open cases; each notice with its letter, its `notice_queued` event and its stored
 * PDF, as queueNotice leaves them). Phases:
 *   bare, new connection     nodemailer's default transport (one connection per message), one
 *                            message after another: what the mailer did before (--slow messages)
 *   bare, pooled (Nagle on)  nodemailer `pool: true`, one connection, one after another (--slow)
 *   bare loop                the mailer's own transport (createSmtpTransport: pooled, Nagle off),
 *                            N messages one after another: THE reference for the ratio
 *   bare, 4 in flight        the same transport with 4 messages in flight (its ceiling here)
 *   dispatcher before        the dispatcher as it was: one notice at a time, a new connection per
 *                            message, 50 per pass, CARTERA_NOTICE_INTERVAL between passes
 *                            (stopped after --max-seconds)
 *   dispatcher               the dispatcher as `npm start` runs it (runDispatcherLoop, defaults)
 *                            draining the N notices
 *   2 dispatchers            two of them (separate pools and mailers, as two worker processes)
 *                            draining the same N notices at once
 *   dispatcher, no SMTP      the dispatcher with a mailer that takes every message at once: the
 *                            database's share alone
 * The bare loop and the dispatcher run --runs times, alternately, and each dispatcher run is
 * compared with the bare loop just before it (the machine's load changes between runs); the
 * ratio printed is the median of those paired ratios.
 * Every message is the e-mail the dispatcher sends (subject, text, HTML, the PDF). A rate is
 * messages received by the SMTP server per second, from the first message received to the last.
 * The dispatcher runs that drain the outbox are checked: every notice sent and reported once,
 * exactly one message per notice, each with the notice's Message-ID. The machine's load
 * (os.loadavg) is printed before and after each phase, with the CPU time this process used.
 */
import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { loadConfig, type SmtpConfig } from '../config/index.js';
import { renderDocument } from '../documents/index.js';
import type { NoticeOutcomeReport } from '../notifications/delivery.js';
import {
  createNoticeDispatcher,
  runDispatcherLoop,
  type DispatcherDeps,
} from '../notifications/dispatcher.js';
import {
  createSmtpMailer,
  createSmtpTransport,
  noticeMessageId,
  type Mailer,
} from '../notifications/mailer.js';
import { renderNotice } from '../notifications/templates.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';

const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';
const FROM = '"Aguas Machala EP - Cartera" <cartera@aguasmachala.local>';

const count = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^[1-9]\d*$/, `--${name} must be a positive whole number`)
    .transform(Number)
    .default(fallback);

const argsSchema = z.object({
  notices: count('notices', 2000),
  cases: count('cases', 4000),
  slow: count('slow', 300),
  /** Notices in flight per dispatcher (unset: the dispatcher's default). */
  concurrency: z
    .string()
    .regex(/^[1-9]\d*$/, '--concurrency must be a positive whole number')
    .transform(Number)
    .optional(),
  'max-seconds': count('max-seconds', 45),
  runs: count('runs', 3),
});

/** An SMTP server that accepts every message and keeps only its arrival time and Message-ID. */
class SinkSmtp {
  arrivals: number[] = [];
  messageIds: string[] = [];
  private server: SMTPServer;
  port = 0;
  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 200,
      onData: (stream, _session, cb) => {
        // Only the header block is read: the Message-ID the sender set.
        let head = '';
        stream.on('data', (chunk: Buffer) => {
          if (head.length < 8192) head += chunk.toString('latin1');
        });
        stream.on('end', () => {
          this.arrivals.push(performance.now());
          const m = /^message-id:\s*(<[^>]+>)/im.exec(head);
          this.messageIds.push(m?.[1] ?? '?');
          cb();
        });
      },
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as net.AddressInfo).port;
  }
  reset(): void {
    this.arrivals = [];
    this.messageIds = [];
  }
  /** Messages per second from the first arrival to the last. */
  rate(): number {
    const n = this.arrivals.length;
    if (n < 2) return 0;
    return ((n - 1) * 1000) / (this.arrivals[n - 1]! - this.arrivals[0]!);
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Seeded {
  /** One sample notice as the dispatcher will send it, for the bare loops. */
  sample: { to: string; subject: string; text: string; html: string };
  pdf: { fileName: string; bytes: Buffer };
}

/** `cases` open cases (accounts with e-mail and mobile), `notices` aviso de cobro queued on them. */
async function seed(pool: pg.Pool, cases: number, notices: number): Promise<Seeded> {
  await pool.query(
    `INSERT INTO "Account" (id, number, "holderName", "holderId", address, sector, route, category, phone, email)
     SELECT gen_random_uuid(), 'B' || lpad(g::text, 7, '0'), 'TITULAR DE PRUEBA ' || g, '0701234569',
            'Av. 25 de Junio ' || g || ' y Guayas', 'Sector ' || (g % 40), 'R-01-01', 'residencial',
            '0991234567', 'titular' || g || '@example.ec'
       FROM generate_series(1, $1::int) g`,
    [cases],
  );
  await pool.query(
    `INSERT INTO "Case" (id, "workflowId", "accountId", "openKey", priority, "balanceCents",
                         "openingBalanceCents", "overdueInvoices", "oldestDueOn", "policyVersion", "openedAt")
     SELECT gen_random_uuid(), 'case-' || a.number, a.id, a.id, 500, 12000, 12000, 2, '2026-07-01', 1, now()
       FROM "Account" a`,
  );
  const rendered = await renderDocument({
    kind: 'aviso_cobro',
    number: 'AC-2026-000001',
    date: '2026-11-28',
    debtor: {
      name: 'María Fernanda Quezada Aguilar',
      id: '0701234569',
      address: 'Barrio Las Brisas, calle Guayas 412 y Av. Las Palmeras, Machala',
    },
    accountNumber: '104-2231-07',
    signatory: { name: 'Carlos Andrés Romero Loayza', position: 'Gestionador de Cartera' },
    noticeOrdinal: 1,
    invoices: [
      { number: '001-001-000184522', period: '2026-09', dueOn: '2026-10-20', amountCents: 6_000 },
      { number: '001-001-000197310', period: '2026-10', dueOn: '2026-11-20', amountCents: 6_000 },
    ],
    payBy: '2026-12-12',
    paymentChannels: ['Ventanillas de recaudación de Aguas Machala EP'],
  });
  const caseRows = await pool.query<{
    id: string;
    workflowId: string;
    number: string;
    holderName: string;
    email: string;
    address: string;
  }>(
    `SELECT c.id, c."workflowId", a.number, a."holderName", a.email, a.address
       FROM "Case" c JOIN "Account" a ON a.id = c."accountId" ORDER BY a.number`,
  );
  const rows = caseRows.rows;
  let sample: Seeded['sample'] | undefined;
  const BATCH = 1000;
  for (let from = 0; from < notices; from += BATCH) {
    const cols = {
      caseId: [] as string[],
      key: [] as string[],
      workflowId: [] as string[],
      email: [] as string[],
      address: [] as string[],
      subject: [] as string[],
      body: [] as string[],
      data: [] as string[],
    };
    for (let i = from; i < Math.min(notices, from + BATCH); i++) {
      const c = rows[i % rows.length]!;
      const facts = {
        'Saldo vencido (USD)': '120.00',
        Cuenta: c.number,
        'Pagar hasta': '2026-12-12',
      };
      const n = renderNotice({
        kind: 'aviso_cobro',
        level: 1,
        holderName: c.holderName,
        accountNumber: c.number,
        facts,
      });
      sample ??= { to: c.email, subject: n.subject, text: n.text, html: n.html };
      cols.caseId.push(c.id);
      cols.key.push(`${c.workflowId}:bench-${i}:aviso_cobro`);
      cols.workflowId.push(c.workflowId);
      cols.email.push(c.email);
      cols.address.push(c.address);
      cols.subject.push(n.subject);
      cols.body.push(n.text);
      cols.data.push(
        JSON.stringify({ kind: 'aviso_cobro', level: 1, channels: ['email', 'letter'], facts }),
      );
    }
    const args = Object.values(cols);
    // As queueNotice leaves it: the PDF, the e-mail and letter rows, the notice_queued event.
    await pool.query(
      `INSERT INTO "Document" (id, "caseId", kind, number, "fileName", title, sha256, bytes, "sizeBytes", pages, "sourceEventKey")
       SELECT gen_random_uuid(), t.case_id, 'aviso_cobro', 'AC-2026-' || lpad(t.ord::text, 6, '0'), $10, 'Aviso de cobro',
              'x', $9::bytea, length($9::bytea), 1, t.key || ':notice'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              WITH ORDINALITY AS t(case_id, key, workflow_id, email, address, subject, body, data, ord)`,
      [...args, rendered.bytes, rendered.fileName],
    );
    await pool.query(
      `INSERT INTO "Notice" (id, key, "caseId", kind, channel, recipient, subject, body, "workflowId")
       SELECT gen_random_uuid(), t.key || ':' || ch.channel, t.case_id, 'aviso_cobro', ch.channel::"NoticeChannel",
              CASE ch.channel WHEN 'email' THEN t.email ELSE t.address END, t.subject, t.body, t.workflow_id
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS t(case_id, key, workflow_id, email, address, subject, body, data)
        CROSS JOIN (VALUES ('email'), ('letter')) AS ch(channel)`,
      args,
    );
    await pool.query(
      `INSERT INTO "CaseEvent" ("eventKey", "caseId", type, stage, "occurredAt", actor, reason, data)
       SELECT t.key || ':notice', t.case_id, 'notice_queued', 'reminder', now(), 'system', t.subject, t.data::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS t(case_id, key, workflow_id, email, address, subject, body, data)`,
      args,
    );
  }
  await pool.query('ANALYZE');
  if (!sample) throw new Error('no notice seeded');
  return { sample, pdf: { fileName: rendered.fileName, bytes: rendered.bytes } };
}

/** Puts every e-mail notice back in the queue, as seeded (between two dispatcher runs). */
async function requeue(pool: pg.Pool): Promise<void> {
  await pool.query(
    `UPDATE "Notice" SET status = 'queued', attempts = 0, "lastError" = NULL, "sentAt" = NULL,
            "deliveredAt" = NULL
      WHERE channel = 'email'`,
  );
  await pool.query(`DELETE FROM "CaseEvent" WHERE type <> 'notice_queued'`);
  await pool.query('VACUUM ANALYZE "Notice"');
}

interface Phase {
  name: string;
  messages: number;
  rate: number;
  wallSeconds: number;
  cpuSeconds: number;
  load: string;
  note?: string;
}

const load1 = () => os.loadavg()[0]!.toFixed(2);

async function measure(
  name: string,
  smtp: SinkSmtp,
  run: () => Promise<string | undefined>,
): Promise<Phase> {
  smtp.reset();
  const loadBefore = load1();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const note = await run();
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const phase: Phase = {
    name,
    messages: smtp.arrivals.length,
    rate: smtp.rate(),
    wallSeconds: wall,
    cpuSeconds: (used.user + used.system) / 1e6,
    load: `${loadBefore} → ${load1()}`,
    ...(note ? { note } : {}),
  };
  process.stderr.write(
    `${name}: ${phase.messages} messages, ${phase.rate.toFixed(1)}/s, load ${phase.load}${note ? ` (${note})` : ''}\n`,
  );
  return phase;
}

/** What the bare loops need of a nodemailer transport (pooled or not). */
interface Transport {
  sendMail(mail: nodemailer.SendMailOptions): Promise<unknown>;
  close(): void;
}

/** Sends n copies of the sample notice over `transport`, `inFlight` at a time. */
async function bareLoop(
  transport: Transport,
  seeded: Seeded,
  n: number,
  inFlight = 1,
): Promise<undefined> {
  let next = 0;
  const one = async () => {
    while (next < n) {
      next++;
      await transport.sendMail({
        from: FROM,
        to: seeded.sample.to,
        subject: seeded.sample.subject,
        text: seeded.sample.text,
        html: seeded.sample.html,
        attachments: [
          {
            filename: seeded.pdf.fileName,
            content: seeded.pdf.bytes,
            contentType: 'application/pdf',
          },
        ],
        messageId: `<bare-${randomUUID()}@aguasmachala.local>`,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, one));
  } finally {
    transport.close();
  }
  return undefined;
}

/** The mailer as it was: nodemailer's default transport, a new connection per message. */
function unpooledMailer(port: number): Mailer {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: FROM, ...mail });
      return {
        messageId: info.messageId,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
        response: info.response,
      };
    },
    close: () => transport.close(),
  };
}

/** Takes every message at once, sending nothing: the dispatcher's own cost. */
const nullMailer: Mailer = {
  send: async (m) => ({
    messageId: m.messageId,
    accepted: [String(m.to)],
    rejected: [],
    response: '250 OK',
  }),
  close: () => undefined,
};

/** Checks what the dispatchers left: every notice sent and reported once, one message each. */
async function checkExactlyOnce(
  pool: pg.Pool,
  smtp: SinkSmtp,
  n: number,
  reports: NoticeOutcomeReport[],
): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await pool.query<{ id: string; status: string; delivered: boolean }>(
    `SELECT id, status::text, "deliveredAt" IS NOT NULL AS delivered FROM "Notice" WHERE channel = 'email'`,
  );
  const sent = rows.filter((r) => r.status === 'sent');
  if (sent.length !== n) problems.push(`${sent.length} of ${n} notices sent`);
  if (sent.some((r) => !r.delivered)) problems.push('a sent notice has no deliveredAt');
  const ids = new Set(smtp.messageIds);
  if (ids.size !== smtp.messageIds.length)
    problems.push(`${smtp.messageIds.length - ids.size} messages received twice`);
  for (const r of sent)
    if (!ids.has(noticeMessageId(r.id, FROM))) problems.push(`notice ${r.id} sent, not received`);
  const letters = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Notice" WHERE channel = 'letter' AND status = 'queued'`,
  );
  if (letters.rows[0]!.n !== n) problems.push(`${letters.rows[0]!.n} of ${n} letters queued`);
  const events = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "CaseEvent" WHERE type = 'notice_delivered'`,
  );
  if (events.rows[0]!.n !== sent.length)
    problems.push(`${events.rows[0]!.n} delivery events for ${sent.length} notices`);
  const reported = new Set(reports.map((r) => `${r.key}:${r.channel}`));
  if (reports.length !== sent.length || reported.size !== reports.length)
    problems.push(
      `${reports.length} outcome reports (${reported.size} notices) for ${sent.length}`,
    );
  return problems.slice(0, 10);
}

/** Waits until no e-mail notice is queued, or the time is up; says which. */
async function untilDrained(pool: pg.Pool, maxSeconds: number): Promise<string> {
  const deadline = performance.now() + maxSeconds * 1000;
  let left = Infinity;
  while (performance.now() < deadline) {
    const r = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Notice" WHERE channel = 'email' AND status = 'queued'`,
    );
    left = r.rows[0]!.n;
    if (left === 0) return 'drained';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `stopped after ${maxSeconds} s, ${left} still queued`;
}

/** The dispatcher as it was: one notice at a time, 50 per pass, a pause between passes. */
async function drainAsBefore(
  pool: pg.Pool,
  smtp: SinkSmtp,
  intervalSeconds: number,
  maxSeconds: number,
): Promise<string> {
  const mailer = unpooledMailer(smtp.port);
  const dispatcher = createNoticeDispatcher({
    pool,
    mailer,
    sms: { send: async () => undefined },
    from: FROM,
    concurrency: 1,
    batchSize: 50,
  });
  let stop = false;
  const loop = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    while (!stop) {
      await dispatcher.runOnce();
      for (let waited = 0; waited < intervalSeconds * 1000 && !stop; waited += 100)
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    return await untilDrained(pool, maxSeconds);
  } finally {
    stop = true;
    await loop;
    mailer.close();
  }
}

/** `dispatchers` dispatcher loops (own pool and mailer each) until the outbox is drained. */
async function drain(
  url: string,
  smtp: SinkSmtp,
  intervalSeconds: number,
  maxSeconds: number,
  dispatchers: number,
  reports: NoticeOutcomeReport[],
  concurrency: number | undefined,
  over: Partial<DispatcherDeps> = {},
): Promise<string> {
  const running = Array.from({ length: dispatchers }, () => {
    // As many connections as `npm start` gives its raw pool.
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const mailer = createSmtpMailer(smtpConfig(smtp.port), { timeoutSeconds: 10 });
    const dispatcher = createNoticeDispatcher({
      pool,
      mailer,
      sms: { send: async () => undefined },
      from: FROM,
      onOutcome: async (r) => {
        reports.push(r);
      },
      ...(concurrency ? { concurrency } : {}),
      ...over,
    });
    return { pool, mailer, stop: runDispatcherLoop(dispatcher, intervalSeconds) };
  });
  try {
    return await untilDrained(running[0]!.pool, maxSeconds);
  } finally {
    for (const r of running) {
      await r.stop();
      r.mailer.close();
      await r.pool.end();
    }
  }
}

const smtpConfig = (port: number): SmtpConfig => ({
  host: '127.0.0.1',
  port,
  secure: false,
  requireTls: false,
  auth: undefined,
  from: FROM,
});

const loadAvg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

async function main(argv: string[]): Promise<number> {
  let args: z.infer<typeof argsSchema>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        notices: { type: 'string' },
        cases: { type: 'string' },
        slow: { type: 'string' },
        concurrency: { type: 'string' },
        runs: { type: 'string' },
        'max-seconds': { type: 'string' },
      },
    });
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
    args = parsed.data;
  } catch (err) {
    process.stderr.write(
      `error: ${(err as Error).message}\nusage: npm run bench:notices -- [--notices N] [--cases N] [--slow N] [--concurrency N] [--max-seconds S] [--runs N]\n`,
    );
    return 2;
  }
  const config = loadConfig();
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const dbName = `cartera_bench_notices_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, dbName);
  const url = withDatabase(adminUrl, dbName);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const smtp = new SinkSmtp();
  await smtp.start();
  const problems: string[] = [];
  try {
    await runPrisma(['migrate', 'deploy'], url);
    process.stderr.write(`seeding ${args.cases} cases, ${args.notices} notices…\n`);
    const seeded = await seed(pool, args.cases, args.notices);
    const n = args.notices;
    const slow = Math.min(args.slow, n);
    const interval = config.notices.intervalSeconds;
    const max = args['max-seconds'];

    const loadBefore = loadAvg();
    const phases: Phase[] = [];
    const plain = { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true };
    phases.push(
      await measure('bare, new connection each', smtp, () =>
        bareLoop(nodemailer.createTransport(plain), seeded, slow),
      ),
    );
    phases.push(
      await measure('bare, pooled (Nagle on)', smtp, () =>
        bareLoop(
          nodemailer.createTransport({ ...plain, pool: true, maxConnections: 1 }),
          seeded,
          slow,
        ),
      ),
    );
    const mailerTransport = () => createSmtpTransport(smtpConfig(smtp.port));
    phases.push(
      await measure('bare, 4 in flight', smtp, () => bareLoop(mailerTransport(), seeded, n, 4)),
    );
    phases.push(
      await measure(`dispatcher before (${interval} s)`, smtp, () =>
        drainAsBefore(pool, smtp, interval, max),
      ),
    );
    await requeue(pool);

    /** Drains the outbox with `dispatchers` dispatchers, checks it, puts it back. */
    const drained = async (name: string, dispatchers: number): Promise<Phase> => {
      const reports: NoticeOutcomeReport[] = [];
      const phase = await measure(name, smtp, () =>
        drain(url, smtp, interval, Math.max(max, 120), dispatchers, reports, args.concurrency),
      );
      const found =
        phase.note === 'drained'
          ? await checkExactlyOnce(pool, smtp, n, reports)
          : [phase.note ?? 'not drained'];
      problems.push(...found.map((p) => `${name}: ${p}`));
      await requeue(pool);
      return phase;
    };
    const pairs: { bare: Phase; dispatcher: Phase }[] = [];
    for (let run = 1; run <= args.runs; run++) {
      const bare = await measure(`bare loop (run ${run})`, smtp, () =>
        bareLoop(mailerTransport(), seeded, n),
      );
      const dispatcher = await drained(`dispatcher (run ${run})`, 1);
      pairs.push({ bare, dispatcher });
      phases.push(bare, dispatcher);
    }
    phases.push(await drained('2 dispatchers', 2));
    const nulled = await measure('dispatcher, no SMTP', smtp, async () => {
      const started = performance.now();
      const note = await drain(url, smtp, interval, Math.max(max, 120), 1, [], args.concurrency, {
        mailer: nullMailer,
      });
      const rate = (n * 1000) / (performance.now() - started - 1000);
      return `${note}; ${rate.toFixed(1)} notices/s after the first pass's 1 s wait`;
    });
    phases.push(nulled);
    await requeue(pool);
    const loadAfter = loadAvg();

    const median = (xs: number[]) => {
      const v = [...xs].sort((x, y) => x - y);
      const mid = Math.floor(v.length / 2);
      return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    };
    const bareRate = median(pairs.map((p) => p.bare.rate));
    const ratios = pairs.map((p) => p.dispatcher.rate / p.bare.rate);
    console.log(
      `\nNotice dispatch: ${n} e-mail notices (with their letters) of ${args.cases} open cases, PDF ${(seeded.pdf.bytes.length / 1024).toFixed(1)} KiB each`,
    );
    console.log(
      `${'phase'.padEnd(30)} ${'msgs'.padStart(6)} ${'msg/s'.padStart(8)} ${'× bare'.padStart(7)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(6)}  load 1 min`,
    );
    for (const p of phases)
      console.log(
        `${p.name.padEnd(30)} ${String(p.messages).padStart(6)} ${p.rate.toFixed(1).padStart(8)} ${(p.rate / bareRate).toFixed(2).padStart(7)} ${p.wallSeconds.toFixed(1).padStart(7)} ${p.cpuSeconds.toFixed(1).padStart(6)}  ${p.load}${p.note ? `  ${p.note}` : ''}`,
      );
    console.log(
      `× bare: over the median bare loop (${bareRate.toFixed(1)}/s: the mailer's transport, one message at a time)`,
    );
    console.log(
      `dispatcher ÷ the bare loop run just before it: ${ratios.map((r) => r.toFixed(2)).join(', ')} → median ${median(ratios).toFixed(2)} (target ≥ 0.5)`,
    );
    console.log(`load average (1/5/15 min): before ${loadBefore}, after ${loadAfter}`);
    console.log(`cores: ${os.cpus().length}, node ${process.version}`);
    console.log(
      problems.length
        ? `exactly-once check FAILED:\n  ${problems.join('\n  ')}`
        : 'exactly-once check: ok (every notice sent, delivered, reported and received once)',
    );
  } finally {
    await pool.end();
    await smtp.stop();
    await dropDatabase(adminUrl, dbName);
  }
  return problems.length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
