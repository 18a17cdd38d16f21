/**
 * The billing contract, run against both implementations of BillingAdapter: the simulator's
 * in-process ledger, and HttpBillingAdapter talking to that simulator over HTTP. Whatever the
 * workflows rely on (idempotent postings, oldest-first payments, an export in the import
 * format) must hold for both; the HTTP-only block covers what only a network can do wrong.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpBillingAdapter } from '../../activities/billing/http.js';
import { BillingRejectedError, type BillingAdapter } from '../../activities/billing/port.js';
import { startBillingSimulator } from '../../activities/billing/simulator-server.js';
import { BillingSimulator, type BillingEffect } from '../../activities/billing/simulator.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import {
  mapHeader,
  validatePortfolioRow,
  type PortfolioColumn,
  type PortfolioRow,
} from '../../domain/portfolio-row.js';

/** The simulator's clock: the export lists invoices due before this day. */
const NOW = new Date('2026-06-15T17:00:00.000Z');
const ACCOUNT_A = '0701-0001';
const ACCOUNT_B = '0701-0002';

function row(
  o: Partial<PortfolioRow> & Pick<PortfolioRow, 'invoiceNumber' | 'dueOn'>,
): PortfolioRow {
  return {
    accountNumber: ACCOUNT_A,
    holderId: makeCedula(7, '100001'),
    holderName: 'María Pérez Loor',
    address: 'Av. 25 de Junio y Sucre',
    sector: 'Centro',
    route: 'R-07',
    category: 'residencial',
    phone: '0991234567',
    email: 'maria@example.com',
    issuedOn: '2026-01-01',
    amountCents: 2_540,
    balanceCents: 2_540,
    protection: 'none',
    ...o,
  };
}

/** Fresh rows for each test; loaded out of due-date order on purpose. */
function fixtureRows(): PortfolioRow[] {
  return [
    row({
      invoiceNumber: 'A-03',
      issuedOn: '2026-03-01',
      dueOn: '2026-03-31',
      amountCents: 3_000,
      balanceCents: 3_000,
    }),
    row({
      invoiceNumber: 'A-01',
      issuedOn: '2026-01-01',
      dueOn: '2026-01-31',
      amountCents: 2_540,
      balanceCents: 1_500,
    }),
    row({ invoiceNumber: 'A-02', issuedOn: '2026-02-01', dueOn: '2026-02-28' }),
    // Paid in full: neither open nor exported.
    row({ invoiceNumber: 'A-00', issuedOn: '2025-12-01', dueOn: '2025-12-31', balanceCents: 0 }),
    row({
      accountNumber: ACCOUNT_B,
      holderId: makeCedula(7, '200002', 1),
      holderName: 'Hospital "San José", Machala',
      address: 'Calle Bolívar 12, entre Guayas y Ayacucho',
      category: 'comercial',
      phone: null,
      email: null,
      protection: 'hospital',
      invoiceNumber: 'B-05',
      issuedOn: '2026-05-01',
      dueOn: '2026-05-31',
      amountCents: 12_345,
      balanceCents: 12_345,
    }),
    // Open but not yet due on NOW: in the balance, not in the overdue export.
    row({
      accountNumber: ACCOUNT_B,
      holderId: makeCedula(7, '200002', 1),
      invoiceNumber: 'B-06',
      issuedOn: '2026-06-01',
      dueOn: '2026-06-30',
      amountCents: 1_000,
      balanceCents: 1_000,
    }),
  ];
}

const payment = (reference: string, accountNumber: string, amountCents: number) => ({
  reference,
  accountNumber,
  amountCents,
  paidAt: '2026-06-15T12:00:00-05:00',
});
const fee = (idempotencyKey: string, accountNumber = ACCOUNT_A) => ({
  idempotencyKey,
  accountNumber,
  caseId: 'case-A',
  kind: 'reconnection' as const,
  amountCents: 586,
});
const agreement = (idempotencyKey: string, accountNumber = ACCOUNT_A) => ({
  idempotencyKey,
  accountNumber,
  caseId: 'case-A',
  downPaymentCents: 1_408,
  instalments: [
    { dueOn: '2026-07-15', amountCents: 2_816 },
    { dueOn: '2026-08-15', amountCents: 2_816 },
  ],
});

/** Reads an export with the importer's own rules (header mapping + row validation). */
function readExport(csv: string): PortfolioRow[] {
  const [header, ...records] = parse(csv, { bom: true, skip_empty_lines: true }) as string[][];
  const mapped = mapHeader(header ?? []);
  if (!mapped.ok) throw new Error(`export header: ${JSON.stringify(mapped)}`);
  return records.map((cells, i) => {
    const values: Partial<Record<PortfolioColumn, string>> = {};
    mapped.columns.forEach((col, j) => {
      if (col) values[col] = cells[j] ?? '';
    });
    const result = validatePortfolioRow(values);
    if (!result.ok) throw new Error(`export line ${i + 2}: ${JSON.stringify(result.errors)}`);
    return result.row;
  });
}

const byInvoice = (rows: PortfolioRow[]) =>
  [...rows].sort((a, b) => a.invoiceNumber.localeCompare(b.invoiceNumber));

interface Harness {
  adapter: BillingAdapter;
  /** The effects billing recorded, as seen from outside. */
  effects(): Promise<readonly BillingEffect[]>;
  /** Asserts the call was refused for good (not a transient failure). */
  expectRejected(call: Promise<unknown>): Promise<void>;
  close(): Promise<void>;
}

const VARIANTS: { name: string; start(sim: BillingSimulator): Promise<Harness> }[] = [
  {
    name: 'BillingSimulator in-process',
    start: async (sim) => ({
      adapter: sim,
      effects: async () => sim.effects(),
      expectRejected: async (call) => {
        await expect(call).rejects.toThrow(/unknown account/);
      },
      close: async () => {},
    }),
  },
  {
    name: 'HttpBillingAdapter → simulator server',
    start: async (sim) => {
      const server = await startBillingSimulator(sim, { port: 0 });
      return {
        adapter: new HttpBillingAdapter({ baseUrl: `${server.url}/`, timeoutMs: 5_000 }),
        effects: async () =>
          (await (await fetch(`${server.url}/effects`)).json()) as BillingEffect[],
        expectRejected: async (call) => {
          const err: unknown = await call.then(
            () => {
              throw new Error('expected the call to be rejected');
            },
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(BillingRejectedError);
          expect((err as BillingRejectedError).status).toBe(404);
        },
        close: () => server.close(),
      };
    },
  },
];

describe.each(VARIANTS)('billing contract: $name', ({ start }) => {
  let rows: PortfolioRow[];
  let sim: BillingSimulator;
  let h: Harness;
  let billing: BillingAdapter;

  beforeEach(async () => {
    rows = fixtureRows();
    sim = new BillingSimulator({ now: () => NOW });
    sim.load(rows);
    h = await start(sim);
    billing = h.adapter;
  });
  afterEach(() => h.close());

  describe('accounts', () => {
    it('answers null for an account billing does not know', async () => {
      expect(await billing.getAccount('9999-9999')).toBeNull();
    });

    it('gives the balance and the open invoices, oldest first', async () => {
      expect(await billing.getAccount(ACCOUNT_A)).toEqual({
        accountNumber: ACCOUNT_A,
        balanceCents: 1_500 + 2_540 + 3_000,
        invoices: [
          {
            number: 'A-01',
            issuedOn: '2026-01-01',
            dueOn: '2026-01-31',
            amountCents: 2_540,
            balanceCents: 1_500,
          },
          {
            number: 'A-02',
            issuedOn: '2026-02-01',
            dueOn: '2026-02-28',
            amountCents: 2_540,
            balanceCents: 2_540,
          },
          {
            number: 'A-03',
            issuedOn: '2026-03-01',
            dueOn: '2026-03-31',
            amountCents: 3_000,
            balanceCents: 3_000,
          },
        ],
      });
    });

    it('counts invoices not yet due in the balance', async () => {
      const b = await billing.getAccount(ACCOUNT_B);
      expect(b?.balanceCents).toBe(12_345 + 1_000);
      expect(b?.invoices.map((i) => i.number)).toEqual(['B-05', 'B-06']);
    });
  });

  describe('payments', () => {
    it('apply to the oldest invoices first', async () => {
      expect(await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000))).toMatchObject({
        created: true,
      });
      const a = await billing.getAccount(ACCOUNT_A);
      expect(a?.balanceCents).toBe(7_040 - 2_000);
      // A-01 (1,500) is paid off, the remaining 500 comes off A-02; A-03 is untouched.
      expect(a?.invoices.map((i) => [i.number, i.balanceCents])).toEqual([
        ['A-02', 2_040],
        ['A-03', 3_000],
      ]);
    });

    it('are idempotent by reference', async () => {
      const first = await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000));
      const second = await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000));
      expect(first.created).toBe(true);
      expect(second).toEqual({ billingReference: first.billingReference, created: false });
      expect((await billing.getAccount(ACCOUNT_A))?.balanceCents).toBe(5_040);
      const payments = (await h.effects()).filter((e) => e.kind === 'payment');
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({
        key: 'TX-1',
        accountNumber: ACCOUNT_A,
        amountCents: 2_000,
      });
    });

    it('with another reference are applied again', async () => {
      await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000));
      await billing.registerPayment(payment('TX-2', ACCOUNT_A, 2_000));
      expect((await billing.getAccount(ACCOUNT_A))?.balanceCents).toBe(3_040);
    });

    it('that cover everything leave the account with no open invoices', async () => {
      await billing.registerPayment(payment('TX-1', ACCOUNT_A, 10_000));
      expect(await billing.getAccount(ACCOUNT_A)).toEqual({
        accountNumber: ACCOUNT_A,
        balanceCents: 0,
        invoices: [],
      });
    });

    it('do not change the rows the ledger was loaded from', async () => {
      const before = structuredClone(rows);
      await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000));
      expect(rows).toEqual(before);
    });

    it('to an unknown account are rejected and leave no effect', async () => {
      await h.expectRejected(billing.registerPayment(payment('TX-9', '9999-9999', 100)));
      expect(await h.effects()).toEqual([]);
    });
  });

  describe('fees and agreements', () => {
    it('post a fee once per idempotency key', async () => {
      const first = await billing.postFee(fee('wf-1:reconnection-fee'));
      const second = await billing.postFee(fee('wf-1:reconnection-fee'));
      expect(first.created).toBe(true);
      expect(second).toEqual({ billingReference: first.billingReference, created: false });
      const fees = (await h.effects()).filter((e) => e.kind === 'fee');
      expect(fees).toHaveLength(1);
      expect(fees[0]).toMatchObject({
        key: 'wf-1:reconnection-fee',
        accountNumber: ACCOUNT_A,
        amountCents: 586,
        at: NOW.toISOString(),
      });
    });

    it('post an agreement once per idempotency key, for its total', async () => {
      const first = await billing.postAgreement(agreement('wf-1:agreement-1'));
      const second = await billing.postAgreement(agreement('wf-1:agreement-1'));
      expect([first.created, second.created]).toEqual([true, false]);
      const agreements = (await h.effects()).filter((e) => e.kind === 'agreement');
      expect(agreements).toHaveLength(1);
      expect(agreements[0]).toMatchObject({
        key: 'wf-1:agreement-1',
        amountCents: 1_408 + 2 * 2_816,
      });
    });

    it('post separately under different keys', async () => {
      await billing.postFee(fee('wf-1:suspension-fee'));
      await billing.postFee(fee('wf-2:suspension-fee'));
      expect((await h.effects()).map((e) => e.key)).toEqual([
        'wf-1:suspension-fee',
        'wf-2:suspension-fee',
      ]);
    });

    it('for an unknown account are rejected and leave no effect', async () => {
      await h.expectRejected(billing.postFee(fee('k-1', '9999-9999')));
      await h.expectRejected(billing.postAgreement(agreement('k-2', '9999-9999')));
      expect(await h.effects()).toEqual([]);
    });
  });

  describe('overdue export', () => {
    it('round-trips through the import rules: same data for every overdue invoice', async () => {
      const exported = readExport(await billing.exportOverdueInvoices());
      const overdue = fixtureRows().filter((r) => r.balanceCents > 0 && r.dueOn < '2026-06-15');
      expect(overdue.map((r) => r.invoiceNumber).sort()).toEqual(['A-01', 'A-02', 'A-03', 'B-05']);
      expect(byInvoice(exported)).toEqual(byInvoice(overdue));
    });

    it('reflects payments: a paid-off invoice leaves, a partly paid one shows its new balance', async () => {
      await billing.registerPayment(payment('TX-1', ACCOUNT_A, 2_000));
      const exported = byInvoice(readExport(await billing.exportOverdueInvoices()));
      expect(exported.map((r) => [r.invoiceNumber, r.balanceCents])).toEqual([
        ['A-02', 2_040],
        ['A-03', 3_000],
        ['B-05', 12_345],
      ]);
    });
  });
});

describe('HttpBillingAdapter over the network', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function serve(opts: Parameters<typeof startBillingSimulator>[1]) {
    const sim = new BillingSimulator({ now: () => NOW });
    sim.load(fixtureRows());
    const server = await startBillingSimulator(sim, opts);
    closers.push(() => server.close());
    return { sim, url: server.url };
  }

  /** A tiny billing impostor answering every request with `status` and `body`. */
  async function fakeBilling(status: number, body: string, contentType = 'application/json') {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status, { 'content-type': contentType }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function failure(call: Promise<unknown>): Promise<Error> {
    return call.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: unknown) => e as Error,
    );
  }

  describe('outages', () => {
    it('throw a retryable error, not a rejection, and post nothing', async () => {
      const { sim, url } = await serve({ port: 0, faults: { failureRate: 1 } });
      const billing = new HttpBillingAdapter({ baseUrl: url });
      for (const call of [
        () => billing.getAccount(ACCOUNT_A),
        () => billing.registerPayment(payment('TX-1', ACCOUNT_A, 100)),
        () => billing.postFee(fee('k-1')),
        () => billing.exportOverdueInvoices(),
      ]) {
        const err = await failure(call());
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(BillingRejectedError);
        expect(err.message).toMatch(/503/);
      }
      expect(sim.effects()).toEqual([]);
    });

    it('time out a slow answer as a retryable error', async () => {
      const { url } = await serve({ port: 0, faults: { slowRate: 1, delayMs: 1_000 } });
      const billing = new HttpBillingAdapter({ baseUrl: url, timeoutMs: 100 });
      const err = await failure(billing.getAccount(ACCOUNT_A));
      expect(err).not.toBeInstanceOf(BillingRejectedError);
      expect(err.name).toBe('TimeoutError');
    });
  });

  describe('API key', () => {
    it('is sent as a bearer token and accepted when right', async () => {
      const { url } = await serve({ port: 0, apiKey: 's3cret' });
      const billing = new HttpBillingAdapter({ baseUrl: url, apiKey: 's3cret' });
      expect((await billing.getAccount(ACCOUNT_A))?.balanceCents).toBe(7_040);
    });

    it('is rejected (401, not retryable) when wrong or missing', async () => {
      const { sim, url } = await serve({ port: 0, apiKey: 's3cret' });
      for (const billing of [
        new HttpBillingAdapter({ baseUrl: url, apiKey: 'wrong' }),
        new HttpBillingAdapter({ baseUrl: url }),
      ]) {
        const err = await failure(billing.registerPayment(payment('TX-1', ACCOUNT_A, 100)));
        expect(err).toBeInstanceOf(BillingRejectedError);
        expect((err as BillingRejectedError).status).toBe(401);
      }
      expect(sim.effects()).toEqual([]);
    });
  });

  describe('answers of the wrong shape', () => {
    it('are refused at the edge with a clear error for an account', async () => {
      const url = await fakeBilling(
        200,
        JSON.stringify({ accountNumber: 42, balanceCents: '70.40' }),
      );
      const err = await failure(new HttpBillingAdapter({ baseUrl: url }).getAccount(ACCOUNT_A));
      expect(err.message).toMatch(/billing answered an unexpected shape/);
      expect(err.message).toMatch(/balanceCents/);
      expect(err).not.toBeInstanceOf(BillingRejectedError);
    });

    it('are refused for a negative balance', async () => {
      const url = await fakeBilling(
        200,
        JSON.stringify({ accountNumber: ACCOUNT_A, balanceCents: -5, invoices: [] }),
      );
      const err = await failure(new HttpBillingAdapter({ baseUrl: url }).getAccount(ACCOUNT_A));
      expect(err.message).toMatch(/billing answered an unexpected shape/);
    });

    it('are refused for a posting result', async () => {
      const url = await fakeBilling(200, JSON.stringify({ ok: true }));
      const err = await failure(new HttpBillingAdapter({ baseUrl: url }).postFee(fee('k-1')));
      expect(err.message).toMatch(/billing answered an unexpected shape/);
    });

    it('are refused with a clear error when the body is not JSON at all', async () => {
      const url = await fakeBilling(200, '<html>Mantenimiento</html>', 'text/html');
      const err = await failure(new HttpBillingAdapter({ baseUrl: url }).getAccount(ACCOUNT_A));
      expect(err.message).toMatch(/billing/);
      expect(err.message).toMatch(/GET \/accounts\/0701-0001/);
      expect(err).not.toBeInstanceOf(BillingRejectedError);
    });
  });
});
