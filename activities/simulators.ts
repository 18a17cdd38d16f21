/**
 * The outside systems that do not exist here (billing, field operations, notaries, banks),
 * simulated in one process and served over HTTP, so the worker talks to them exactly as it
 * would talk to the real ones. Used by `npm start` and by tests.
 */
import type { Server } from 'node:http';
import express from 'express';
import { BanksSimulator, HttpBanksAdapter, mountBanksSimulator } from './banks.js';
import { HttpBillingAdapter } from './billing/http.js';
import { BillingSimulator, simulatorMirror, type BillingMirror } from './billing/simulator.js';
import {
  HttpSimulatorMirror,
  createBillingSimulatorApp,
  simulatorInfo,
  type SimulatorFaults,
} from './billing/simulator-server.js';
import { FieldOpsSimulator, HttpFieldOpsAdapter, mountFieldOpsSimulator } from './field-ops.js';
import { HttpNotaryAdapter, NotariesSimulator, mountNotariesSimulator } from './notaries.js';
import { isPortOpen } from '../temporal/ports.js';
import type { ActivityDeps } from '../temporal/worker.js';

export interface OutsideSimulators {
  billing: BillingSimulator;
  fieldOps: FieldOpsSimulator;
  notaries: NotariesSimulator;
  banks: BanksSimulator;
}

export function createSimulators(opts: { billingFile?: string } = {}): OutsideSimulators {
  return {
    billing: new BillingSimulator(opts.billingFile ? { file: opts.billingFile } : {}),
    fieldOps: new FieldOpsSimulator(),
    notaries: new NotariesSimulator(),
    banks: new BanksSimulator(),
  };
}

/** Starts every simulator on one port; returns HTTP adapters pointing at them. */
export async function serveSimulators(
  sims: OutsideSimulators,
  opts: { host?: string; port: number; billingFaults?: SimulatorFaults },
): Promise<{ url: string; adapters: Omit<ActivityDeps, 'prisma'>; close(): Promise<void> }> {
  const app = express();
  const outside = express.Router();
  mountFieldOpsSimulator(outside, sims.fieldOps);
  mountNotariesSimulator(outside, sims.notaries);
  mountBanksSimulator(outside, sims.banks);
  app.use(outside);
  app.use(
    createBillingSimulatorApp(
      sims.billing,
      opts.billingFaults ? { faults: opts.billingFaults } : {},
    ),
  );
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${host}:${port}`;
  return {
    url,
    adapters: {
      billing: new HttpBillingAdapter({ baseUrl: url }),
      fieldOps: new HttpFieldOpsAdapter({ baseUrl: url }),
      notaries: new HttpNotaryAdapter({ baseUrl: `${url}/notaries` }),
      banks: new HttpBanksAdapter({ baseUrl: url }),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The billing simulator that must learn what Cartera imports, or null when billing is a real
 * system (the export came from it: it knows its own accounts). In order:
 * - `billingUrl` (BILLING_URL) set: a mirror over HTTP when `GET <url>/simulator` says it is
 *   the bundled simulator (`npm run simulators`), else null;
 * - `local`: the simulator running in this process (`npm start`);
 * - `localPort`: the simulator of a running `npm start` on 127.0.0.1, over HTTP; when nothing
 *   listens there `npm start` is stopped, and `ledgerFile` (the file it reads on its next
 *   start) is updated instead.
 */
export async function billingMirrorFor(opts: {
  billingUrl?: string | undefined;
  apiKey?: string | undefined;
  local?: BillingSimulator;
  localPort?: number;
  ledgerFile?: string;
}): Promise<BillingMirror | null> {
  const apiKey = opts.apiKey ? { apiKey: opts.apiKey } : {};
  if (opts.billingUrl) {
    const info = await simulatorInfo(opts.billingUrl, apiKey);
    return info ? new HttpSimulatorMirror({ baseUrl: opts.billingUrl, ...apiKey }) : null;
  }
  if (opts.local) return simulatorMirror(opts.local);
  if (opts.localPort !== undefined) {
    if (await isPortOpen(opts.localPort)) {
      const baseUrl = `http://127.0.0.1:${opts.localPort}`;
      // Something else on the port (or a simulator too busy to answer): write nothing.
      return (await simulatorInfo(baseUrl)) ? new HttpSimulatorMirror({ baseUrl }) : null;
    }
    if (opts.ledgerFile) return ledgerFileMirror(opts.ledgerFile);
  }
  return null;
}

/** Loads rows into a simulator's ledger file (read when called, so it is current). */
export function ledgerFileMirror(file: string): BillingMirror {
  return {
    target: file,
    accountCount: async () => new BillingSimulator({ file }).accountCount,
    mirrorRows: async (rows) => {
      new BillingSimulator({ file }).load(rows);
    },
  };
}
