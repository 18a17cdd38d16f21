/**
 * Notarías: large payment agreements are signed before a notary. Cartera asks a notary for a
 * signing appointment; the request carries an idempotency key (workflow id + step), so a
 * retried activity gets the same appointment instead of booking a second one. Three pieces:
 * the port, an in-memory simulator (the demo and the tests), and an HTTP adapter.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { deadlineAfter, localDateToInstant, toLocalDate } from '../domain/calendar.js';
import type { Policy } from '../domain/policy.js';

export const signingAppointmentRequestSchema = z.object({
  idempotencyKey: z.string().min(1),
  caseId: z.string().min(1),
  agreementId: z.string().min(1),
  accountNumber: z.string().min(1),
  /** Who signs for the debtor. */
  holderName: z.string().min(1),
  /** The agreement's total, in cents (notarial fees depend on it). */
  amountCents: z.number().int().positive(),
});
export type SigningAppointmentRequest = z.infer<typeof signingAppointmentRequestSchema>;

export const signingAppointmentSchema = z.object({
  /** The notary's name, e.g. "Notaría Primera del Cantón Machala". */
  notary: z.string().min(1),
  /** ISO instant of the appointment. */
  appointmentAt: z.iso.datetime({ offset: true }),
  /** False when the key had already booked this appointment (nothing new happened). */
  created: z.boolean(),
});
export type SigningAppointment = z.infer<typeof signingAppointmentSchema>;

export interface NotaryAdapter {
  /** Books (or returns the already booked) signing appointment for the key. */
  requestSigningAppointment(req: SigningAppointmentRequest): Promise<SigningAppointment>;
}

/** The notary refused the request (bad data, no service): retrying will not help. */
export class NotaryRejectedError extends Error {
  override name = 'NotaryRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator

/** One appointment booked, as the simulator recorded it. */
export interface NotaryEffect {
  key: string;
  caseId: string;
  agreementId: string;
  notary: string;
  appointmentAt: string;
  at: string;
}

export interface NotariesSimulatorOptions {
  /** @default () => new Date() */
  now?: () => Date;
  /** Notaries taking appointments, in turn. @default the three notarías of Machala */
  notaries?: string[];
  /** Holidays and decreed days off for choosing the appointment day. @default none extra */
  calendar?: Policy['calendar'];
  /** Hour of day (Guayaquil) of every appointment. @default 10 */
  hour?: number;
}

const MACHALA_NOTARIES = [
  'Notaría Primera del Cantón Machala',
  'Notaría Segunda del Cantón Machala',
  'Notaría Tercera del Cantón Machala',
];

/**
 * Books appointments on the next business day, at a fixed hour, with the notaries in turn.
 * Records every booking by key; `failNext` makes the next calls fail like an outage, after
 * booking when `afterEffect` is set (the answer was lost), to test retries.
 */
export class NotariesSimulator implements NotaryAdapter {
  private readonly booked: NotaryEffect[] = [];
  private readonly byKey = new Map<string, NotaryEffect>();
  private failures: { remaining: number; afterEffect: boolean } = {
    remaining: 0,
    afterEffect: false,
  };

  constructor(private readonly opts: NotariesSimulatorOptions = {}) {}

  /** Every appointment booked, oldest first. */
  effects(): readonly NotaryEffect[] {
    return this.booked;
  }

  /** The next `times` requests fail with a temporary error. */
  failNext(times: number, opts: { afterEffect?: boolean } = {}): void {
    this.failures = { remaining: times, afterEffect: opts.afterEffect ?? false };
  }

  private maybeFail(stage: 'before' | 'after'): void {
    if (this.failures.remaining <= 0) return;
    if (this.failures.afterEffect !== (stage === 'after')) return;
    this.failures.remaining -= 1;
    throw new Error('notaría: servicio no disponible (simulated outage)');
  }

  async requestSigningAppointment(req: SigningAppointmentRequest): Promise<SigningAppointment> {
    this.maybeFail('before');
    const existing = this.byKey.get(req.idempotencyKey);
    if (existing) {
      return { notary: existing.notary, appointmentAt: existing.appointmentAt, created: false };
    }
    const now = this.opts.now?.() ?? new Date();
    const notaries = this.opts.notaries ?? MACHALA_NOTARIES;
    const notary = notaries[this.booked.length % notaries.length] ?? 'Notaría Primera';
    const day = toLocalDate(
      deadlineAfter(now, { amount: 1, unit: 'businessDays' }, this.opts.calendar),
    );
    const appointmentAt = new Date(
      localDateToInstant(day, 'start').getTime() + (this.opts.hour ?? 10) * 3_600_000,
    ).toISOString();
    const effect: NotaryEffect = {
      key: req.idempotencyKey,
      caseId: req.caseId,
      agreementId: req.agreementId,
      notary,
      appointmentAt,
      at: now.toISOString(),
    };
    this.booked.push(effect);
    this.byKey.set(req.idempotencyKey, effect);
    this.maybeFail('after');
    return { notary, appointmentAt, created: true };
  }
}

/**
 * Adds the simulator's routes to `router`, under `/notaries`: `POST /notaries/appointments`
 * (a {@link SigningAppointmentRequest}; 400 when invalid) and `GET /notaries/effects`. Point
 * {@link HttpNotaryAdapter} at `<server>/notaries`.
 */
export function mountNotariesSimulator(router: Router, sim: NotariesSimulator): Router {
  router.post('/notaries/appointments', express.json(), async (req, res) => {
    const parsed = signingAppointmentRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.message });
      return;
    }
    try {
      res.json(await sim.requestSigningAppointment(parsed.data));
    } catch (err) {
      res.status(503).json({ error: (err as Error).message });
    }
  });
  router.get('/notaries/effects', (_req, res) => {
    res.json(sim.effects());
  });
  return router;
}

// ---------------------------------------------------------------------------------------------
// HTTP adapter

export interface HttpNotaryOptions {
  baseUrl: string;
  apiKey?: string;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** NotaryAdapter over HTTP+JSON (a notaries' booking service, or the simulator's routes). */
export class HttpNotaryAdapter implements NotaryAdapter {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: HttpNotaryOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  async requestSigningAppointment(req: SigningAppointmentRequest): Promise<SigningAppointment> {
    const res = await this.doFetch(`${this.base}/appointments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: JSON.stringify(req),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw new NotaryRejectedError(
        `notaría POST /appointments: ${res.status} ${await res.text()}`,
        res.status,
      );
    }
    if (!res.ok) throw new Error(`notaría POST /appointments: ${res.status} (temporary)`);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new Error(`notaría POST /appointments: answer is not JSON (${res.status})`);
    }
    const parsed = signingAppointmentSchema.safeParse(body);
    if (!parsed.success) {
      throw new Error(`notaría answered an unexpected shape: ${parsed.error.message}`);
    }
    return parsed.data;
  }
}
