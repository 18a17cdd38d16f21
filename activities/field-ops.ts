/**
 * Field operations (operaciones de campo): the crews that cut and reconnect service. Cartera
 * only places and withdraws orders here; the crew's report comes back as a human task. Two
 * implementations of the port: HttpFieldOpsAdapter (a live system, or the simulator over HTTP)
 * and FieldOpsSimulator in process. Every order carries an idempotency key (workflow id +
 * step), so a retried activity never sends a crew twice.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';

export const fieldOrderRequestSchema = z.object({
  idempotencyKey: z.string().min(1),
  caseId: z.string().min(1),
  accountNumber: z.string().min(1),
  /** Absent for reconnections ordered without it. */
  holderName: z.string().min(1).optional(),
  address: z.string().min(1),
  /** ISO instant by which the crew should have acted. */
  dueBy: z.iso.datetime({ offset: true }),
  note: z.string().max(2000).optional(),
});
/** A suspension or reconnection order for one account. */
export type FieldOrderRequest = z.infer<typeof fieldOrderRequestSchema>;

export const cancelFieldOrderSchema = z.object({
  idempotencyKey: z.string().min(1),
  orderId: z.string().min(1),
  reason: z.string().min(1).max(2000),
});
/** Withdraws an order the crew has not carried out (the case moved on). */
export type CancelFieldOrder = z.infer<typeof cancelFieldOrderSchema>;

export const fieldOrderResultSchema = z.object({
  orderId: z.string().min(1),
  /** False when the idempotency key had been seen already (nothing new happened). */
  created: z.boolean(),
});
export type FieldOrderResult = z.infer<typeof fieldOrderResultSchema>;

export interface FieldOpsAdapter {
  /** Orders the crew to cut service (after the prior notice ran out). */
  orderSuspension(req: FieldOrderRequest): Promise<FieldOrderResult>;
  /** Orders the crew to restore service (payment or agreement). */
  orderReconnection(req: FieldOrderRequest): Promise<FieldOrderResult>;
  /** Withdraws an open order; cancelling it again changes nothing. */
  cancelOrder(req: CancelFieldOrder): Promise<FieldOrderResult>;
}

/** Field operations refused the request (bad data, unknown order): retrying will not help. */
export class FieldOpsRejectedError extends Error {
  override name = 'FieldOpsRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator

/** One effect field operations received, as the simulator recorded it. */
export interface FieldOpsEffect {
  kind: 'suspension' | 'reconnection' | 'cancellation';
  key: string;
  orderId: string;
  accountNumber: string;
  /** ISO instant. */
  at: string;
  detail: unknown;
}

/** Faults to inject, to test retries without double effects. Counters go down as they fire. */
export interface FieldOpsFaults {
  /** The next n requests fail before doing anything (a transient outage). */
  failNext?: number;
  /** The next n requests take effect, then fail (the answer is lost on the way back). */
  loseNextAnswers?: number;
  /** Orders for these accounts are refused (e.g. unknown to the crews' system). */
  rejectAccounts?: string[];
}

interface SimOrder {
  orderId: string;
  kind: 'suspension' | 'reconnection';
  accountNumber: string;
  status: 'open' | 'cancelled';
}

export class FieldOpsSimulator implements FieldOpsAdapter {
  private readonly log: FieldOpsEffect[] = [];
  private readonly byKey = new Map<string, FieldOpsEffect>();
  private readonly orders = new Map<string, SimOrder>();
  private seq = 0;
  faults: FieldOpsFaults;

  constructor(private readonly opts: { now?: () => Date; faults?: FieldOpsFaults } = {}) {
    this.faults = { ...opts.faults };
  }

  /** Every effect received, oldest first. */
  effects(): readonly FieldOpsEffect[] {
    return this.log;
  }

  /** The order's state, for tests and the demo. */
  order(orderId: string): Readonly<SimOrder> | undefined {
    return this.orders.get(orderId);
  }

  private beforeRequest(): void {
    if ((this.faults.failNext ?? 0) > 0) {
      this.faults.failNext! -= 1;
      throw new Error('field operations: simulated outage');
    }
  }

  private afterEffect<T>(result: T): T {
    if ((this.faults.loseNextAnswers ?? 0) > 0) {
      this.faults.loseNextAnswers! -= 1;
      throw new Error('field operations: simulated lost answer');
    }
    return result;
  }

  private record(effect: Omit<FieldOpsEffect, 'at'>): void {
    const full = { ...effect, at: (this.opts.now?.() ?? new Date()).toISOString() };
    this.log.push(full);
    this.byKey.set(`${effect.kind}:${effect.key}`, full);
  }

  private async place(kind: SimOrder['kind'], req: FieldOrderRequest): Promise<FieldOrderResult> {
    this.beforeRequest();
    const existing = this.byKey.get(`${kind}:${req.idempotencyKey}`);
    if (existing) return { orderId: existing.orderId, created: false };
    if (this.faults.rejectAccounts?.includes(req.accountNumber)) {
      throw new FieldOpsRejectedError(
        `account ${req.accountNumber} is not served by field operations`,
        422,
      );
    }
    this.seq += 1;
    const orderId = `${kind === 'suspension' ? 'OC' : 'OR'}-${String(this.seq).padStart(6, '0')}`;
    this.orders.set(orderId, { orderId, kind, accountNumber: req.accountNumber, status: 'open' });
    this.record({
      kind,
      key: req.idempotencyKey,
      orderId,
      accountNumber: req.accountNumber,
      detail: req,
    });
    return this.afterEffect({ orderId, created: true });
  }

  orderSuspension(req: FieldOrderRequest): Promise<FieldOrderResult> {
    return this.place('suspension', req);
  }

  orderReconnection(req: FieldOrderRequest): Promise<FieldOrderResult> {
    return this.place('reconnection', req);
  }

  async cancelOrder(req: CancelFieldOrder): Promise<FieldOrderResult> {
    this.beforeRequest();
    const order = this.orders.get(req.orderId);
    if (!order) throw new FieldOpsRejectedError(`unknown order ${req.orderId}`, 404);
    if (this.byKey.has(`cancellation:${req.idempotencyKey}`) || order.status === 'cancelled') {
      return { orderId: order.orderId, created: false };
    }
    order.status = 'cancelled';
    this.record({
      kind: 'cancellation',
      key: req.idempotencyKey,
      orderId: order.orderId,
      accountNumber: order.accountNumber,
      detail: req,
    });
    return this.afterEffect({ orderId: order.orderId, created: true });
  }
}

/**
 * Adds the simulator's routes to `router` under `/field-ops`: `POST /field-ops/suspensions`,
 * `POST /field-ops/reconnections`, `POST /field-ops/orders/:orderId/cancel`,
 * `GET /field-ops/effects`. HttpFieldOpsAdapter's `baseUrl` is where `router` is mounted.
 */
export function mountFieldOpsSimulator(router: Router, sim: FieldOpsSimulator): Router {
  router.use('/field-ops', express.json({ limit: '100kb' }));

  const handle =
    <T>(
      schema: z.ZodType<T>,
      fn: (body: T) => Promise<FieldOrderResult>,
      bodyOf: (req: Request) => unknown = (req) => req.body,
    ) =>
    async (req: Request, res: Response) => {
      const parsed = schema.safeParse(bodyOf(req));
      if (!parsed.success) {
        res.status(400).json({ error: parsed.error.message });
        return;
      }
      try {
        res.json(await fn(parsed.data));
      } catch (err) {
        if (err instanceof FieldOpsRejectedError)
          res.status(err.status).json({ error: err.message });
        else res.status(503).json({ error: (err as Error).message });
      }
    };

  router.post(
    '/field-ops/suspensions',
    handle(fieldOrderRequestSchema, (b) => sim.orderSuspension(b)),
  );
  router.post(
    '/field-ops/reconnections',
    handle(fieldOrderRequestSchema, (b) => sim.orderReconnection(b)),
  );
  router.post(
    '/field-ops/orders/:orderId/cancel',
    handle(
      cancelFieldOrderSchema,
      (b) => sim.cancelOrder(b),
      (req) => ({ ...(req.body as object), orderId: req.params.orderId }),
    ),
  );
  router.get('/field-ops/effects', (_req, res) => {
    res.json(sim.effects());
  });
  return router;
}

// ---------------------------------------------------------------------------------------------
// HTTP adapter

export interface HttpFieldOpsOptions {
  /** Where the field-ops routes live (the simulator server's root, or the live system). */
  baseUrl: string;
  apiKey?: string;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class HttpFieldOpsAdapter implements FieldOpsAdapter {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: HttpFieldOpsOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  private async post(path: string, body: unknown): Promise<FieldOrderResult> {
    const what = `field operations POST ${path}`;
    const res = await this.doFetch(`${this.base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      throw new FieldOpsRejectedError(`${what}: ${res.status} ${await res.text()}`, res.status);
    }
    if (res.status >= 500 || res.status === 429)
      throw new Error(`${what}: ${res.status} (temporary)`);
    let answer: unknown;
    try {
      answer = await res.json();
    } catch {
      throw new Error(`${what}: answer is not JSON (${res.status})`);
    }
    const parsed = fieldOrderResultSchema.safeParse(answer);
    if (!parsed.success) throw new Error(`${what}: unexpected answer: ${parsed.error.message}`);
    return parsed.data;
  }

  orderSuspension(req: FieldOrderRequest) {
    return this.post('/field-ops/suspensions', req);
  }
  orderReconnection(req: FieldOrderRequest) {
    return this.post('/field-ops/reconnections', req);
  }
  cancelOrder(req: CancelFieldOrder) {
    return this.post(`/field-ops/orders/${encodeURIComponent(req.orderId)}/cancel`, req);
  }
}
