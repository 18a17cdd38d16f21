/**
 * The local mail catcher for `npm start` when no SMTP server is configured: MailDev on
 * 127.0.0.1 (SMTP + a web page to read the mail). If MailDev cannot start, mail is written as
 * .eml files instead, so notices still leave the outbox and can be opened.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { classifyMailError, type Mailer } from './mailer.js';

export interface MailCatcher {
  /** Web page to read the caught mail. */
  webUrl: string;
  stop(): Promise<void>;
}

/** Starts MailDev on 127.0.0.1 (`smtpPort`, `webPort`), keeping the mail in `mailDir`. */
export async function startMailCatcher(opts: {
  smtpPort: number;
  webPort: number;
  mailDir: string;
}): Promise<MailCatcher> {
  // A development tool: imported only when used.
  const { MailDev } = await import('maildev');
  const maildev = new MailDev({
    smtp: opts.smtpPort,
    web: opts.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: opts.mailDir,
    silent: true,
  });
  await maildev.start();
  return { webUrl: `http://127.0.0.1:${opts.webPort}`, stop: () => maildev.stop() };
}

/** A Mailer that writes each message as `<Message-ID>.eml` in `dir` (rewritten on resend). */
export function createEmlMailer(dir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
          messageId: mail.messageId,
        });
        await mkdir(dir, { recursive: true });
        const name = mail.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_');
        await writeFile(path.join(dir, `${name}.eml`), info.message as Buffer);
        const to = Array.isArray(mail.to) ? mail.to : [mail.to];
        return { messageId: mail.messageId, accepted: to, rejected: [], response: 'eml' };
      } catch (err) {
        throw classifyMailError(err);
      }
    },
    close: () => transport.close(),
  };
}
