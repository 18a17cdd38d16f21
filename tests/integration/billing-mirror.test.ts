/**
 * The bundled billing simulator plays the commercial system whose export was imported, so it
 * must know every imported account: through the real intake path (and the API upload) the
 * committed rows reach it, in this process or over HTTP (`npm run simulators`), its ledger file
 * keeps them, a fee for an imported account is accepted and an account never imported is still
 * refused. A real billing system (no `GET /simulator`) gets no mirror.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBillingAdapter } from '../../activities/billing/http.js';
import { BillingRejectedError, type BillingAdapter } from '../../activities/billing/port.js';
import {
  HttpSimulatorMirror,
  startBillingSimulator,
} from '../../activities/billing/simulator-server.js';
import { BillingSimulator, simulatorMirror } from '../../activities/billing/simulator.js';
import { billingMirrorFor } from '../../activities/simulators.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { runIntake } from '../../intake/intake.js';
import { startTestApi, csvFile, EXPORT_HEADER } from '../api/support.js';
import {
  eventually,
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  type TestDatabase,
} from '../support/env.js';

const policy = { policy: DEFAULT_POLICY, version: 1 };
const asOf = '2026-11-28';

describe('billing mirror', () => {
  let db: TestDatabase;
  let client: Client;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-mirror-'));
  const prefix = `M${Date.now().toString(36).slice(-6)}`;
  let seq = 0;

  /** Two overdue invoices per account (enough to open a case under the default policy). */
  function exportLines(accounts: string[]): string[] {
    return accounts.flatMap((acct, i) => {
      const ced = makeCedula(7, String(300000 + seq++ * 10 + i));
      const holder = `${acct},${ced},Carmen Loor,"Av. Bolívar y Olmedo, Mz 4",Centro,R-05-01,residencial,0991234567,,`;
      return [
        `${holder}F-${acct}-1,2026-07-01,2026-07-31,18.40,18.40,`,
        `${holder}F-${acct}-2,2026-08-01,2026-08-31,21.10,21.10,`,
      ];
    });
  }
  function exportFile(name: string, accounts: string[]): string {
    const file = path.join(tmp, name);
    writeFileSync(file, `${[EXPORT_HEADER, ...exportLines(accounts)].join('\n')}\n`);
    return file;
  }
  const fee = (accountNumber: string, key: string) => ({
    idempotencyKey: `${key}:fee`,
    accountNumber,
    caseId: key,
    kind: 'suspension' as const,
    amountCents: 250,
  });
  const refusedAsUnknown = async (billing: BillingAdapter, accountNumber: string) => {
    const err = await billing.postFee(fee(accountNumber, `nunca-${accountNumber}`)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BillingRejectedError);
    expect((err as BillingRejectedError).status).toBe(404);
  };

  beforeAll(async () => {
    db = await freshDatabase();
    client = await temporalClient();
  });
  afterAll(async () => {
    await db?.close();
    await client?.connection.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an import through the intake teaches the simulator in this process every account, in its ledger file too', async () => {
    const ledger = path.join(tmp, 'in-process.json');
    const sim = new BillingSimulator({ file: ledger });
    const server = await startBillingSimulator(sim, { port: 0 });
    const overHttp = new HttpBillingAdapter({ baseUrl: server.url });
    try {
      const [a, b] = [`${prefix}A1`, `${prefix}A2`];
      // Before the import billing does not know them: the fee would fail the case.
      await refusedAsUnknown(sim, a);

      const report = await runIntake(
        { pool: db.pool, temporal: client, taskQueue: uniqueTaskQueue('mirror') },
        { filePath: exportFile('in-process.csv', [a, b]), fileName: 'in-process.csv' },
        { createdBy: 'test', policy, asOf, billingMirror: simulatorMirror(sim) },
      );
      expect(report.import.status).toBe('succeeded');
      expect(report.import.billingMirror).toMatchObject({ rows: 4, failure: null });
      expect(report.cases?.opened).toBe(2);

      // In process and over HTTP, as the worker reaches it.
      await expect(sim.postFee(fee(a, `${prefix}-case-a`))).resolves.toMatchObject({
        created: true,
      });
      await expect(overHttp.postFee(fee(b, `${prefix}-case-b`))).resolves.toMatchObject({
        created: true,
      });
      await refusedAsUnknown(sim, `${prefix}X9`);
      await refusedAsUnknown(overHttp, `${prefix}X9`);
      expect((await overHttp.getAccount(a))?.balanceCents).toBe(3_950);

      // The next start reads the ledger file: it still knows the imported accounts.
      const restarted = new BillingSimulator({ file: ledger });
      expect(restarted.accountCount).toBe(2);
      expect((await restarted.getAccount(b))?.invoices.map((i) => i.number)).toEqual([
        `F-${b}-1`,
        `F-${b}-2`,
      ]);
      expect(restarted.effects().filter((e) => e.kind === 'fee')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('reaches a simulator run as its own process over HTTP, in chunks, persisted once at the end', async () => {
    const ledger = path.join(tmp, 'own-process.json');
    const sim = new BillingSimulator({ file: ledger });
    const server = await startBillingSimulator(sim, { port: 0 });
    try {
      const mirror = await billingMirrorFor({ billingUrl: server.url });
      expect(mirror).toBeInstanceOf(HttpSimulatorMirror);
      const accounts = [1, 2, 3].map((n) => `${prefix}B${n}`);
      const billing = new HttpBillingAdapter({ baseUrl: server.url });
      await refusedAsUnknown(billing, accounts[0]!);

      const report = await runIntake(
        { pool: db.pool, temporal: client, taskQueue: uniqueTaskQueue('mirror') },
        { filePath: exportFile('own-process.csv', accounts), fileName: 'own-process.csv' },
        {
          createdBy: 'test',
          policy,
          asOf,
          // Two rows per request: six rows, three requests.
          billingMirror: new HttpSimulatorMirror({ baseUrl: server.url, chunkRows: 2 }),
        },
      );
      expect(report.import.billingMirror).toMatchObject({ rows: 6, failure: null });
      for (const acct of accounts)
        await expect(billing.postFee(fee(acct, `${prefix}-${acct}`))).resolves.toMatchObject({
          created: true,
        });
      await refusedAsUnknown(billing, `${prefix}X8`);
      expect(new BillingSimulator({ file: ledger }).accountCount).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('refuses a malformed body on the simulator endpoint and loads nothing from it', async () => {
    const sim = new BillingSimulator();
    const server = await startBillingSimulator(sim, { port: 0 });
    try {
      const res = await fetch(`${server.url}/simulator/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          rows: [{ accountNumber: `${prefix}Z1`, invoiceNumber: 'F-1', amountCents: '12.50' }],
        }),
      });
      expect(res.status).toBe(400);
      expect(sim.accountCount).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('leaves a real billing system alone: no mirror when the URL is not the simulator', async () => {
    const app = express();
    app.get('/accounts/:n', (_req, res) => void res.status(404).json({ error: 'unknown' }));
    const real = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const address = real.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      expect(await billingMirrorFor({ billingUrl: `http://127.0.0.1:${port}` })).toBeNull();
    } finally {
      await new Promise<void>((resolve) => real.close(() => resolve()));
    }
  });

  it('an upload through POST /api/imports reaches the simulator wired into the app', async () => {
    const sim = new BillingSimulator();
    const api = await startTestApi({ billingMirror: simulatorMirror(sim) });
    try {
      const acct = `${prefix}C1`;
      await refusedAsUnknown(sim, acct);
      const started = await api.call<{ id: string }>('post', '/api/imports/portfolio', {
        token: api.tokens.manager,
        form: csvFile('subida.csv', [EXPORT_HEADER, ...exportLines([acct])]),
      });
      expect(started.status).toBe(202);
      const done = await eventually(
        () =>
          api.call<{ status: string }>('get', `/api/imports/${started.body.id}`, {
            token: api.tokens.manager,
          }),
        (r) => r.body.status !== 'running',
      );
      expect(done.body.status).toBe('succeeded');
      await expect(sim.postFee(fee(acct, `${prefix}-upload`))).resolves.toMatchObject({
        created: true,
      });
      await refusedAsUnknown(sim, `${prefix}X7`);
    } finally {
      await api.close();
    }
  });
});
