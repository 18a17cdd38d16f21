/**
 * Outgoing e-mail over SMTP (nodemailer). One small `Mailer` interface for everything that
 * mails: notices to users (notifications/dispatcher.ts) and scheduled reports to managers.
 */
import net from 'node:net';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../config/index.js';

/** A file attached to a message. */
export interface MailAttachment {
  filename: string;
  content: Buffer;
  /** e.g. `application/pdf`. */
  contentType: string;
}

export interface OutgoingMail {
  /** One address or several. */
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /**
   * Message-ID header, `<local@domain>`. Derive it from the business key (see
   * `noticeMessageId`) so a message sent twice after a crash is recognisable as the same one.
   */
  messageId: string;
}

export interface MailReceipt {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's last answer, e.g. `250 Accepted`. */
  response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<MailReceipt>;
  /** Closes pooled connections. */
  close(): void;
}

/** Error `type`s the dispatcher branches on. */
export type MailErrorType = 'smtp_unavailable' | 'smtp_rejected' | 'smtp_transient';

/** A failed send, classified: the server could not be reached, refused for good, or for now. */
export class MailError extends Error {
  override name = 'MailError';
  constructor(
    readonly type: MailErrorType,
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** Connection-level failures of nodemailer: nothing reached the server. */
const UNREACHABLE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH']);

/** Maps a nodemailer error to a MailError with a short Spanish-readable reason. */
export function classifyMailError(err: unknown): MailError {
  if (err instanceof MailError) return err;
  const e = err as { code?: string; responseCode?: number; message?: string; response?: string };
  const detail = (e.response ?? e.message ?? String(err)).slice(0, 300);
  // A 4xx reply is temporary by definition (RFC 5321 §4.2.1), whichever command it answered:
  // 421 closes the channel (the server is going away), 450/451/452 ask to try later.
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500) {
    return e.responseCode === 421
      ? new MailError('smtp_unavailable', `Servidor SMTP no disponible: ${detail}`, 421)
      : new MailError('smtp_transient', `Error temporal de SMTP: ${detail}`, e.responseCode);
  }
  if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.code !== 'EAUTH')
    return new MailError(
      'smtp_rejected',
      `Rechazado por el servidor SMTP: ${detail}`,
      e.responseCode,
    );
  if (e.code === 'EENVELOPE')
    return new MailError('smtp_rejected', `Dirección de destino no válida: ${detail}`);
  if (e.code && UNREACHABLE.has(e.code))
    return new MailError('smtp_unavailable', `Servidor SMTP no disponible (${e.code}): ${detail}`);
  return new MailError('smtp_transient', `Error temporal de SMTP: ${detail}`, e.responseCode);
}

/** The host part of the sender address, for Message-IDs. */
export function senderDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'cartera.local';
}

/** Deterministic Message-ID of a notice: the same notice always carries the same one. */
export function noticeMessageId(noticeId: string, from: string): string {
  return `<notice-${noticeId}@${senderDomain(from)}>`;
}

export interface SmtpMailerOptions {
  /** Host to use when `smtp.host` is unset (the local catcher). @default '127.0.0.1' */
  fallbackHost?: string;
  /** Seconds to wait for the connection and each answer. @default 10 */
  timeoutSeconds?: number;
  /**
   * SMTP connections kept open and used at once (the dispatcher sends several notices at a
   * time). @default 4
   */
  maxConnections?: number;
}

/** nodemailer's codes for "nothing reached the server" (see UNREACHABLE). */
function connectErrorCode(err: NodeJS.ErrnoException): string {
  return err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'EDNS' : 'ESOCKET';
}

/**
 * Opens each SMTP connection for nodemailer with Nagle's algorithm off. nodemailer writes the
 * end of a message (`.` on its own line) as a small segment of its own; with Nagle on, that
 * segment waits for the ACK of the body, which the server delays (40 ms on Linux): 40 ms per
 * message on a kept connection, whatever the server's speed (measured by bench:notices).
 * Failures carry the codes nodemailer gives its own, so they classify the same way.
 */
function noDelaySocket(host: string, port: number, timeoutMs: number) {
  return (
    _options: unknown,
    callback: (err: Error | null, socket?: { connection: net.Socket }) => void,
  ): void => {
    const socket = net.connect({ host, port, noDelay: true });
    let settled = false;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      if (err) {
        socket.destroy();
        callback(err);
      } else callback(null, { connection: socket });
    };
    const onError = (err: NodeJS.ErrnoException) =>
      done(Object.assign(err, { code: connectErrorCode(err) }));
    const timer = setTimeout(
      () => done(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('error', onError);
    socket.once('connect', () => done(null));
  };
}

/**
 * The nodemailer transport of `createSmtpMailer`: pooled connections (kept open between
 * messages, `maxConnections` at once), Nagle off, implicit TLS or STARTTLS, optional auth.
 * Exported so bench:notices can time a bare loop over exactly the dispatcher's transport.
 */
export function createSmtpTransport(smtp: SmtpConfig, opts: SmtpMailerOptions = {}) {
  const host = smtp.host ?? opts.fallbackHost ?? '127.0.0.1';
  const ms = (opts.timeoutSeconds ?? 10) * 1000;
  return nodemailer.createTransport({
    host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    // The local catcher has no certificate; elsewhere STARTTLS is used when offered.
    ignoreTLS: smtp.host === undefined,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.password } } : {}),
    // One connection per message costs a TCP and SMTP handshake each (bench:notices).
    pool: true,
    maxConnections: opts.maxConnections ?? 4,
    // nodemailer upgrades the socket to TLS itself when `secure` (as for its own sockets).
    getSocket: noDelaySocket(host, smtp.port, ms),
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms * 3,
  });
}

/** A Mailer over SMTP from the config (see `createSmtpTransport`). */
export function createSmtpMailer(smtp: SmtpConfig, opts: SmtpMailerOptions = {}): Mailer {
  const transport = createSmtpTransport(smtp, opts);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: smtp.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          ...(mail.attachments?.length
            ? {
                attachments: mail.attachments.map((a) => ({
                  filename: a.filename,
                  content: a.content,
                  contentType: a.contentType,
                })),
              }
            : {}),
          messageId: mail.messageId,
        });
        const addr = (x: unknown) =>
          typeof x === 'string' ? x : (x as { address: string }).address;
        return {
          messageId: info.messageId,
          accepted: (info.accepted as unknown[]).map(addr),
          rejected: (info.rejected as unknown[]).map(addr),
          response: info.response,
        };
      } catch (err) {
        throw classifyMailError(err);
      }
    },
    close: () => transport.close(),
  };
}
