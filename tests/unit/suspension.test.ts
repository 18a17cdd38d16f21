/**
 * Suspension and reconnection rules (domain/suspension.ts) and the field-operations port: the
 * simulator in process and the HTTP adapter talking to it through the mounted router.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTECTIONS } from '../../domain/case-opening.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';
import {
  earliestCutAt,
  mayCutService,
  priorNoticeFacts,
  protectionReason,
  reconnectionDueAt,
  reconnectionTimeliness,
  serviceChargeCents,
  suspensionFieldDueAt,
} from '../../domain/suspension.js';
import {
  FieldOpsRejectedError,
  FieldOpsSimulator,
  HttpFieldOpsAdapter,
  mountFieldOpsSimulator,
  type FieldOpsAdapter,
  type FieldOrderRequest,
} from '../../activities/field-ops.js';

function policyWith(overrides: unknown): Policy {
  const r = resolvePolicy(overrides);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

describe('who may be cut', () => {
  it('allows an unprotected account', () => {
    expect(mayCutService({ protection: 'none', protected: false })).toEqual({ allowed: true });
  });

  it.each(PROTECTIONS.filter((p) => p !== 'none'))('never cuts a %s account', (protection) => {
    expect(mayCutService({ protection, protected: false })).toEqual({
      allowed: false,
      reason: 'protected',
      protection,
    });
  });

  it('never cuts a case flagged protected even when billing lists no protection', () => {
    expect(mayCutService({ protection: 'none', protected: true })).toMatchObject({
      allowed: false,
      reason: 'protected',
    });
  });

  it('says why in Spanish', () => {
    expect(protectionReason('hospital')).toMatch(/hospital/);
    expect(protectionReason('none')).toMatch(/protegida/);
  });
});

describe('prior notice and field deadlines', () => {
  // Monday 2026-08-10 09:00 in Guayaquil.
  const monday9 = new Date('2026-08-10T14:00:00.000Z');

  it('cuts no earlier than 48 hours after the notice by default', () => {
    expect(earliestCutAt(monday9, DEFAULT_POLICY).toISOString()).toBe('2026-08-12T14:00:00.000Z');
  });

  it('counts a prior notice in business days over the weekend', () => {
    const policy = policyWith({ suspension: { priorNotice: { amount: 2, unit: 'businessDays' } } });
    // Friday 2026-08-14 → Tuesday 2026-08-18, end of day in Guayaquil.
    expect(earliestCutAt(new Date('2026-08-14T15:00:00Z'), policy).toISOString()).toBe(
      '2026-08-19T04:59:59.999Z',
    );
  });

  it('gives the crew the field SLA from the order', () => {
    // 2 business days after Monday: end of Wednesday.
    expect(suspensionFieldDueAt(monday9, DEFAULT_POLICY).toISOString()).toBe(
      '2026-08-13T04:59:59.999Z',
    );
  });
});

describe('reconnection deadline', () => {
  const paidAt = new Date('2026-08-10T14:00:00.000Z');

  it('is due 24 hours after the trigger by default', () => {
    expect(reconnectionDueAt(paidAt, DEFAULT_POLICY).toISOString()).toBe(
      '2026-08-11T14:00:00.000Z',
    );
  });

  it('is within the deadline up to and including the due instant', () => {
    expect(
      reconnectionTimeliness(paidAt, new Date('2026-08-11T14:00:00.000Z'), DEFAULT_POLICY),
    ).toEqual({ dueAt: '2026-08-11T14:00:00.000Z', withinDeadline: true, lateByMs: 0 });
  });

  it('reports how late a reconnection was', () => {
    expect(
      reconnectionTimeliness(paidAt, new Date('2026-08-11T16:30:00.000Z'), DEFAULT_POLICY),
    ).toEqual({ dueAt: '2026-08-11T14:00:00.000Z', withinDeadline: false, lateByMs: 9_000_000 });
  });

  it('follows the policy (training: one minute)', () => {
    const policy = policyWith({
      suspension: { reconnectionDeadline: { amount: 1, unit: 'minutes' } },
    });
    expect(
      reconnectionTimeliness(paidAt, new Date(paidAt.getTime() + 61_000), policy),
    ).toMatchObject({
      withinDeadline: false,
      lateByMs: 1_000,
    });
  });
});

describe('fees and fine', () => {
  it('come from the policy (Quito: USD 5.86 each way)', () => {
    expect(serviceChargeCents('suspension', DEFAULT_POLICY)).toBe(586);
    expect(serviceChargeCents('reconnection', DEFAULT_POLICY)).toBe(586);
    expect(serviceChargeCents('irregular_reconnection_fine', DEFAULT_POLICY)).toBe(5_000);
  });

  it('follow a changed policy', () => {
    const policy = policyWith({
      suspension: {
        suspensionFeeCents: 700,
        reconnectionFeeCents: 0,
        irregularReconnectionFineCents: 12_500,
      },
    });
    expect(serviceChargeCents('suspension', policy)).toBe(700);
    expect(serviceChargeCents('reconnection', policy)).toBe(0);
    expect(serviceChargeCents('irregular_reconnection_fine', policy)).toBe(12_500);
  });
});

describe('prior notice facts', () => {
  it('show the debt, the term, the earliest cut in local time and the fees', () => {
    expect(
      priorNoticeFacts({
        balanceCents: 123_450,
        address: 'Av. 25 de Junio y Guayas',
        noticeSentAt: new Date('2026-08-10T14:00:00.000Z'),
        policy: DEFAULT_POLICY,
      }),
    ).toEqual({
      'Valor adeudado': '$1.234,50',
      'Plazo para pagar antes de la suspensión': '48 horas',
      'Suspensión posible desde': '2026-08-12 09:00',
      'Dirección del servicio': 'Av. 25 de Junio y Guayas',
      'Cargo por suspensión': '$5,86',
      'Cargo por reconexión': '$5,86',
    });
  });

  it('leave out waived fees', () => {
    const policy = policyWith({ suspension: { suspensionFeeCents: 0, reconnectionFeeCents: 0 } });
    const facts = priorNoticeFacts({
      balanceCents: 5_000,
      address: 'x',
      noticeSentAt: new Date('2026-08-10T14:00:00.000Z'),
      policy,
    });
    expect(Object.keys(facts)).not.toContain('Cargo por suspensión');
    expect(Object.keys(facts)).not.toContain('Cargo por reconexión');
  });
});

// ---------------------------------------------------------------------------------------------

const order = (key: string, accountNumber = '0701-0001'): FieldOrderRequest => ({
  idempotencyKey: key,
  caseId: 'case-1',
  accountNumber,
  holderName: 'María Pérez Loor',
  address: 'Av. 25 de Junio y Sucre',
  dueBy: '2026-08-12T14:00:00.000Z',
});

function portContract(name: string, make: () => { port: FieldOpsAdapter; sim: FieldOpsSimulator }) {
  describe(`field operations port: ${name}`, () => {
    it('places one order per idempotency key', async () => {
      const { port, sim } = make();
      const a = await port.orderSuspension(order('wf-1:suspension-order'));
      const b = await port.orderSuspension(order('wf-1:suspension-order'));
      expect(a.created).toBe(true);
      expect(b).toEqual({ orderId: a.orderId, created: false });
      expect(sim.effects().filter((e) => e.key === 'wf-1:suspension-order')).toHaveLength(1);
    });

    it('keeps suspension and reconnection orders apart', async () => {
      const { port, sim } = make();
      const cut = await port.orderSuspension(order('wf-2:order'));
      const back = await port.orderReconnection(order('wf-2:order'));
      expect(cut.orderId).not.toBe(back.orderId);
      expect(sim.order(back.orderId)?.kind).toBe('reconnection');
    });

    it('cancels an order once', async () => {
      const { port, sim } = make();
      const { orderId } = await port.orderSuspension(order('wf-3:order'));
      const first = await port.cancelOrder({
        idempotencyKey: 'wf-3:cancel',
        orderId,
        reason: 'pagó',
      });
      const again = await port.cancelOrder({
        idempotencyKey: 'wf-3:cancel',
        orderId,
        reason: 'pagó',
      });
      expect(first).toEqual({ orderId, created: true });
      expect(again).toEqual({ orderId, created: false });
      expect(sim.order(orderId)?.status).toBe('cancelled');
      expect(sim.effects().filter((e) => e.kind === 'cancellation')).toHaveLength(1);
    });

    it('refuses to cancel an unknown order', async () => {
      const { port } = make();
      await expect(
        port.cancelOrder({ idempotencyKey: 'k', orderId: 'OC-999999', reason: 'x' }),
      ).rejects.toBeInstanceOf(FieldOpsRejectedError);
    });

    it('refuses an account the crews do not serve', async () => {
      const { port, sim } = make();
      sim.faults.rejectAccounts = ['0701-9999'];
      await expect(port.orderSuspension(order('wf-4:order', '0701-9999'))).rejects.toBeInstanceOf(
        FieldOpsRejectedError,
      );
      expect(sim.effects()).toHaveLength(0);
    });

    it('fails transiently during an outage, then places the order once', async () => {
      const { port, sim } = make();
      sim.faults.failNext = 1;
      const err = await port.orderSuspension(order('wf-5:order')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(FieldOpsRejectedError);
      expect((await port.orderSuspension(order('wf-5:order'))).created).toBe(true);
      expect(sim.effects()).toHaveLength(1);
    });

    it('does not send a second crew when the first answer was lost', async () => {
      const { port, sim } = make();
      sim.faults.loseNextAnswers = 1;
      await expect(port.orderSuspension(order('wf-6:order'))).rejects.not.toBeInstanceOf(
        FieldOpsRejectedError,
      );
      const retry = await port.orderSuspension(order('wf-6:order'));
      expect(retry.created).toBe(false);
      expect(sim.effects()).toHaveLength(1);
    });
  });
}

portContract('simulator in process', () => {
  const sim = new FieldOpsSimulator();
  return { port: sim, sim };
});

let server: Server;
let baseUrl = '';
let current: FieldOpsSimulator;
beforeAll(async () => {
  const app = express();
  // A fresh simulator per test behind one server: the router reads `current` on each request.
  app.use((req, res, next) => {
    const router = express.Router();
    mountFieldOpsSimulator(router, current);
    router(req, res, next);
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

portContract('HTTP adapter over the mounted simulator', () => {
  current = new FieldOpsSimulator();
  return { port: new HttpFieldOpsAdapter({ baseUrl }), sim: current };
});

describe('HTTP adapter: what only a network can do wrong', () => {
  it('rejects an answer of the wrong shape as a transient error', async () => {
    const port = new HttpFieldOpsAdapter({
      baseUrl: 'http://field.invalid',
      fetch: async () => Response.json({ id: 'x' }),
    });
    const err = await port.orderSuspension(order('k')).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(FieldOpsRejectedError);
    expect(String(err)).toMatch(/unexpected answer/);
  });

  it('treats 429 as temporary and 400 as a refusal', async () => {
    const status = (code: number) =>
      new HttpFieldOpsAdapter({
        baseUrl: 'http://field.invalid',
        fetch: async () => new Response('no', { status: code }),
      });
    await expect(status(429).orderReconnection(order('k'))).rejects.not.toBeInstanceOf(
      FieldOpsRejectedError,
    );
    await expect(status(400).orderReconnection(order('k'))).rejects.toBeInstanceOf(
      FieldOpsRejectedError,
    );
  });

  it('sends the API key and gives up after the timeout', async () => {
    let auth: string | null = null;
    const port = new HttpFieldOpsAdapter({
      baseUrl: 'http://field.invalid',
      apiKey: 'secret',
      timeoutMs: 50,
      fetch: async (_url, init) => {
        auth = new Headers(init?.headers).get('authorization');
        return new Promise<Response>((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
        );
      },
    });
    await expect(port.orderSuspension(order('k'))).rejects.toThrow();
    expect(auth).toBe('Bearer secret');
  });
});
