/**
 * The billing simulator behind HTTP, speaking the protocol HttpBillingAdapter expects. Faults
 * (errors, slow answers) can be injected to test retries without double effects.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import { z } from 'zod';
import { localDateSchema } from '../../domain/calendar.js';
import { ACCOUNT_CATEGORIES, PROTECTIONS } from '../../domain/case-opening.js';
import type { PortfolioRow } from '../../domain/portfolio-row.js';
import { UnknownAccountError, type BillingMirror, type BillingSimulator } from './simulator.js';
import { postAgreementSchema, postFeeSchema, registerPaymentSchema } from './port.js';

/**
 * One validated export row as Cartera's intake produced it (domain/portfolio-row.ts): money in
 * cents, dates as YYYY-MM-DD. The simulator checks it again: this is an HTTP edge.
 */
export const mirroredRowSchema = z.object({
  accountNumber: z.string().min(1).max(64),
  holderId: z.string().min(1).max(20),
  holderName: z.string().min(1).max(500),
  address: z.string().min(1).max(1000),
  sector: z.string().min(1).max(200),
  route: z.string().min(1).max(200),
  category: z.enum(ACCOUNT_CATEGORIES),
  phone: z.string().min(1).max(20).nullable(),
  email: z.string().min(1).max(320).nullable(),
  invoiceNumber: z.string().min(1).max(64),
  issuedOn: localDateSchema,
  dueOn: localDateSchema,
  amountCents: z.number().int().nonnegative(),
  balanceCents: z.number().int().nonnegative(),
  protection: z.enum(PROTECTIONS),
}) satisfies z.ZodType<PortfolioRow>;

/** Body of `POST /simulator/accounts`: the rows an import committed, in chunks. */
export const mirrorRequestSchema = z.object({
  rows: z.array(mirroredRowSchema).max(20_000),
  /**
   * Write the ledger file after this chunk. A client sends false on every chunk but the last,
   * so a 100,000-row import writes the file once. @default true
   */
  persist: z.boolean().default(true),
});
export type MirrorRequest = z.input<typeof mirrorRequestSchema>;

/** Answer of `GET /simulator`: tells the bundled simulator from a real billing system. */
export const simulatorInfoSchema = z.object({
  simulator: z.literal('cartera-billing'),
  accounts: z.number().int().nonnegative(),
});

/** Largest `POST /simulator/accounts` body; 20,000 rows are about 10 MB of JSON. */
const MIRROR_BODY_LIMIT = '32mb';

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
  const smallJson = express.json({ limit: '1mb' });
  const mirrorJson = express.json({ limit: MIRROR_BODY_LIMIT });
  // Only the simulator's own loading endpoint takes large bodies.
  app.use((req, res, next) =>
    (req.path.startsWith('/simulator/') ? mirrorJson : smallJson)(req, res, next),
  );
  const faults = opts.faults ?? {};
  const random = faults.random ?? Math.random;

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      res.status(401).json({ error: 'unauthorised' });
      return;
    }
    // Faults stand for billing's outages; the simulator's own endpoints are not billing.
    if (req.path === '/effects' || req.path === '/simulator' || req.path.startsWith('/simulator/'))
      return next();
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

  // Not part of the billing port: how the demo's simulator learns the exports Cartera imports.
  app.get('/simulator', (_req, res) => {
    res.json({ simulator: 'cartera-billing', accounts: sim.accountCount });
  });
  app.post('/simulator/accounts', (req, res) => {
    const parsed = mirrorRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: z.prettifyError(parsed.error) });
      return;
    }
    try {
      const loaded = sim.load(parsed.data.rows, { persist: parsed.data.persist });
      res.json({ loaded, accounts: sim.accountCount });
    } catch (err) {
      res.status(500).json({ error: (err as Error).message }); // e.g. the ledger file
    }
  });
  return app;
}

export interface HttpSimulatorMirrorOptions {
  /** The simulator's base URL (BILLING_URL, or the simulator port of `npm start`). */
  baseUrl: string;
  apiKey?: string;
  /** Rows per request. @default 5000 */
  chunkRows?: number;
  /** Per-request timeout in milliseconds. @default 60000 */
  timeoutMs?: number;
  /** Attempts per chunk (loading a chunk twice changes nothing). @default 3 */
  attempts?: number;
  fetch?: typeof fetch;
}

/** A billing simulator in another process, fed over `POST /simulator/accounts`. */
export class HttpSimulatorMirror implements BillingMirror {
  readonly target: string;
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  constructor(private readonly opts: HttpSimulatorMirrorOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.target = this.base;
    this.doFetch = opts.fetch ?? fetch;
  }

  private headers(json: boolean): Record<string, string> {
    return {
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
    };
  }

  async accountCount(): Promise<number> {
    const info = await simulatorInfo(this.base, this.opts);
    if (!info) throw new Error(`${this.base} no es el simulador de facturación`);
    return info.accounts;
  }

  async mirrorRows(rows: readonly PortfolioRow[]): Promise<void> {
    const size = this.opts.chunkRows ?? 5_000;
    const attempts = this.opts.attempts ?? 3;
    // An empty import still sends one (empty) chunk: it writes nothing but proves the link.
    for (let start = 0; start === 0 || start < rows.length; start += size) {
      const body: MirrorRequest = {
        rows: rows.slice(start, start + size),
        persist: start + size >= rows.length,
      };
      const text = JSON.stringify(body);
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await this.doFetch(`${this.base}/simulator/accounts`, {
            method: 'POST',
            headers: this.headers(true),
            body: text,
            signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
          });
          if (res.ok) {
            await res.body?.cancel();
            break;
          }
          const error = new Error(
            `el simulador de facturación respondió ${res.status}: ${(await res.text()).slice(0, 500)}`,
          );
          // A refused body will be refused again.
          if (res.status >= 400 && res.status < 500) throw Object.assign(error, { final: true });
          throw error;
        } catch (err) {
          if ((err as { final?: boolean }).final || attempt >= attempts) throw err;
          await new Promise((r) => setTimeout(r, 250 * attempt));
        }
      }
    }
  }
}

/**
 * What `GET <baseUrl>/simulator` says, or null when the system there is not the bundled
 * billing simulator (a real billing system, nothing listening, a timeout).
 */
export async function simulatorInfo(
  baseUrl: string,
  opts: { apiKey?: string; timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<z.infer<typeof simulatorInfoSchema> | null> {
  try {
    const res = await (opts.fetch ?? fetch)(`${baseUrl.replace(/\/+$/, '')}/simulator`, {
      headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
      signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const parsed = simulatorInfoSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
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
