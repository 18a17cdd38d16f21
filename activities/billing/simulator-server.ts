/**
 * The billing simulator behind HTTP, speaking the protocol HttpBillingAdapter expects. Faults
 * (errors, slow answers) can be injected to test retries without double effects.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import { type z } from 'zod';
import { UnknownAccountError, type BillingSimulator } from './simulator.js';
import { postAgreementSchema, postFeeSchema, registerPaymentSchema } from './port.js';

export interface SimulatorFaults {
  /** Share of requests answered 503 (0–1). @default 0 */
  failureRate?: number;
  /** Share of requests delayed by `delayMs` before being handled (0–1). @default 0 */
  slowRate?: number;
  /** @default 15000 */
  delayMs?: number;
  /** Source of randomness for the faults (seeded in tests). @default Math.random */
  random?: () => number;
}

export function createBillingSimulatorApp(
  sim: BillingSimulator,
  opts: { apiKey?: string; faults?: SimulatorFaults } = {},
) {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  const faults = opts.faults ?? {};
  const random = faults.random ?? Math.random;

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      res.status(401).json({ error: 'unauthorised' });
      return;
    }
    if (req.path === '/effects') return next();
    if (random() < (faults.failureRate ?? 0)) {
      res.status(503).json({ error: 'simulated outage' });
      return;
    }
    if (random() < (faults.slowRate ?? 0)) {
      setTimeout(next, faults.delayMs ?? 15_000);
      return;
    }
    next();
  });

  const handle =
    <T>(schema: z.ZodType<T>, fn: (body: T) => Promise<unknown>) =>
    async (req: Request, res: Response) => {
      const parsed = schema.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: parsed.error.message });
        return;
      }
      try {
        res.json(await fn(parsed.data));
      } catch (err) {
        const unknown = err instanceof UnknownAccountError;
        res.status(unknown ? 404 : 500).json({ error: (err as Error).message });
      }
    };

  app.get('/accounts/:number', async (req, res) => {
    const account = await sim.getAccount(req.params.number);
    if (!account) res.status(404).json({ error: 'unknown account' });
    else res.json(account);
  });
  app.post(
    '/agreements',
    handle(postAgreementSchema, (b) => sim.postAgreement(b)),
  );
  app.post(
    '/fees',
    handle(postFeeSchema, (b) => sim.postFee(b)),
  );
  app.post(
    '/payments',
    handle(registerPaymentSchema, (b) => sim.registerPayment(b)),
  );
  app.get('/export.csv', async (_req, res) => {
    res.type('text/csv').send(await sim.exportOverdueInvoices());
  });
  app.get('/effects', (_req, res) => {
    res.json(sim.effects());
  });
  return app;
}

/** Starts the simulator on host:port; resolves once it listens. */
export async function startBillingSimulator(
  sim: BillingSimulator,
  opts: { host?: string; port: number; apiKey?: string; faults?: SimulatorFaults },
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = createBillingSimulatorApp(sim, opts);
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
