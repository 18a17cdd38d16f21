/**
 * Notices delivered as under `npm start`, for tests that run cases in real time: the notice
 * dispatcher (scripts/components.ts `startNoticeDispatcher`) sends the outbox's e-mail over SMTP
 * to a MailDev catcher and its SMS to a file, and tells the workflow that queued each notice how
 * it ended (notifications/delivery.ts), so terms that run from delivery (the prior notice before
 * a cut) start. Letters are left for a print batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../config/index.js';
import { startMailCatcher } from '../../notifications/catcher.js';
import { createSmtpMailer } from '../../notifications/mailer.js';
import { startNoticeDispatcher } from '../../scripts/components.js';
import { findFreePort } from '../../temporal/ports.js';

/** An e-mail as the MailDev catcher received it (its REST API, `GET /api/email`). */
export interface CaughtMail {
  id: string;
  subject: string;
  to: { address: string; name?: string }[];
  headers: Record<string, string | string[]>;
  attachments: { fileName?: string; contentType?: string }[];
}

export interface NoticeOutbox {
  /** MailDev's web page, where the e-mailed notices can be read. */
  mailUrl: string;
  /** The e-mails the SMTP catcher has accepted so far, oldest first. */
  caughtMail(): Promise<CaughtMail[]>;
  /** The SMS file (one JSON line per message). */
  smsFile: string;
  /** Stops the dispatcher (after its pass in flight), then the catcher. */
  stop(): Promise<void>;
}

/**
 * Starts MailDev on free loopback ports and the dispatcher over `pool`, signalling outcomes
 * through `client`.
 * @param opts.intervalSeconds seconds between dispatcher passes. @default 1
 */
export async function startNoticeOutbox(opts: {
  pool: pg.Pool;
  client: Client;
  log?: Logger;
  intervalSeconds?: number;
}): Promise<NoticeOutbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-outbox-'));
  const stops: (() => Promise<unknown>)[] = [
    async () => rmSync(dir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    const base = loadConfig();
    const smtpPort = await findFreePort();
    const catcher = await startMailCatcher({
      smtpPort,
      webPort: await findFreePort(),
      mailDir: path.join(dir, 'mail'),
    });
    stops.push(() => catcher.stop());
    // The local catcher as `npm start` uses it: no TLS, no login.
    const config = {
      ...base,
      smtp: {
        ...base.smtp,
        host: undefined,
        port: smtpPort,
        secure: false,
        requireTls: false,
        auth: undefined,
      },
      notices: { ...base.notices, intervalSeconds: opts.intervalSeconds ?? 1 },
    };
    const mailer = createSmtpMailer(config.smtp);
    stops.push(async () => mailer.close());
    const smsFile = path.join(dir, 'sms', 'sms.jsonl');
    const stopDispatcher = startNoticeDispatcher(config, {
      pool: opts.pool,
      mailer,
      log: opts.log ?? pino({ level: 'silent' }),
      smsFile,
      client: opts.client,
    });
    if (!stopDispatcher) throw new Error('the notice dispatcher did not start');
    stops.push(stopDispatcher);
    return {
      mailUrl: catcher.webUrl,
      smsFile,
      async caughtMail() {
        const r = await fetch(`${catcher.webUrl}/api/email?sort=asc`);
        if (!r.ok) throw new Error(`MailDev answered ${r.status}`);
        return (await r.json()) as CaughtMail[];
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
