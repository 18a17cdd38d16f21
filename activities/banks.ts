/**
 * Banks and cooperatives (through the registry that relays retention orders): the medidas
 * cautelares of a coactiva (COA art. 281). Cartera sends one retention order per debtor and
 * gets one answer per institution. Every order carries an idempotency key (workflow id + step),
 * so a retried activity never orders a second retention; and every order names the funds that
 * must not be retained (wages, pensions, alimony).
 *
 * Three pieces, as for billing: the port (`BanksPort`), an in-memory simulator that records
 * every effect by key (`BanksSimulator`, deterministic by holder id), an HTTP adapter
 * (`HttpBanksAdapter`), and `mountBanksSimulator(router, sim)` serving the simulator.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import {
  EXEMPT_FUND_KINDS,
  ordersExemptFundsRespected,
  retentionResponseSchema,
  type FundKind,
  type RetentionResponse,
} from '../domain/coactiva.js';

export const retentionRequestSchema = z.object({
  /** Idempotency key: the same key always gets the same answer and retains nothing new. */
  key: z.string().min(1).max(300),
  holderId: z.string().min(1).max(20),
  holderName: z.string().min(1).max(300),
  amountCents: z.number().int().positive(),
  /** Funds the institutions must not retain; must name wages, pensions and alimony. */
  exemptFundKinds: z
    .array(z.enum(EXEMPT_FUND_KINDS))
    .refine(ordersExemptFundsRespected, 'la orden debe excluir sueldos, pensiones y alimentos'),
});
/** A retention order for one debtor, sent to every institution. */
export type RetentionRequest = z.infer<typeof retentionRequestSchema>;

export const retentionAnswerSchema = z.object({
  key: z.string(),
  /** False when the key had already been ordered (nothing new was retained). */
  created: z.boolean(),
  responses: z.array(retentionResponseSchema),
});
/** What the institutions answered. */
export type RetentionAnswer = z.infer<typeof retentionAnswerSchema>;

export interface BanksPort {
  requestRetention(req: RetentionRequest): Promise<RetentionAnswer>;
}

/** The banks refused the order (bad data): retrying will not help. */
export class BanksRejectedError extends Error {
  override name = 'BanksRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator

/** Institutions the simulator answers for (El Oro's usual ones). */
export const SIMULATED_INSTITUTIONS = [
  'Banco Pichincha',
  'Banco de Machala',
  'Banco del Pacífico',
  'Banco Guayaquil',
  'BanEcuador',
  'Cooperativa JEP',
] as const;

/** One retention order the simulator received, with the answers it gave. */
export interface RetentionEffect {
  key: string;
  holderId: string;
  amountCents: number;
  exemptFundKinds: string[];
  responses: RetentionResponse[];
  /** ISO instant. */
  at: string;
}

export interface BanksSimulatorOptions {
  /** @default SIMULATED_INSTITUTIONS */
  institutions?: readonly string[];
  now?: () => Date;
}

/** An account as the simulator imagines it: where its money comes from and how much. */
interface SimulatedAccount {
  kind: FundKind;
  balanceCents: number;
}

/** FNV-1a, 32 bits: a stable hash so the same holder always gets the same answers. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A stand-in for the banks. Deterministic by holder id, and pessimistic like real coactivas
 * (DOMAIN.md figures: retentions often failed): per institution about half the debtors have no
 * account, most of the rest an empty one, some only wages or a pension (exempt), and few
 * money that can be retained. Each institution retains up to the ordered amount on its own.
 */
export class BanksSimulator implements BanksPort {
  private readonly byKey = new Map<string, RetentionEffect>();
  private readonly log: RetentionEffect[] = [];
  private readonly scripted = new Map<string, RetentionResponse[]>();
  private lostAnswers = 0;
  private calls = 0;

  constructor(private readonly opts: BanksSimulatorOptions = {}) {}

  /** Every order received once (by key), oldest first. */
  effects(): readonly RetentionEffect[] {
    return this.log;
  }

  /** Requests received, duplicates and lost answers included. */
  get requestCount(): number {
    return this.calls;
  }

  /** Fixes the answers for a holder (tests, demos), e.g. a bank that wrongly retains wages. */
  script(holderId: string, responses: RetentionResponse[]): void {
    this.scripted.set(holderId, responses);
  }

  /**
   * Fault injection: the next `n` new orders take effect but their answer is lost (the caller
   * sees a transient error), as when a connection drops after the bank acted.
   */
  loseNextAnswers(n: number): void {
    this.lostAnswers = n;
  }

  private accountAt(holderId: string, institution: string): SimulatedAccount | null {
    const h = fnv1a(`${holderId}|${institution}`);
    const roll = h % 100;
    const amount = 1_000 + ((h >>> 8) % 90_000);
    if (roll < 50) return null;
    if (roll < 80) return { kind: 'savings', balanceCents: 0 };
    if (roll < 87) return { kind: 'wages', balanceCents: amount };
    if (roll < 91) return { kind: 'pensions', balanceCents: amount };
    if (roll < 93) return { kind: 'alimony', balanceCents: amount };
    return { kind: h % 2 === 0 ? 'savings' : 'checking', balanceCents: amount };
  }

  private answer(req: RetentionRequest): RetentionResponse[] {
    const scripted = this.scripted.get(req.holderId);
    if (scripted) return scripted.map((r) => ({ ...r }));
    const exempt = new Set<string>(req.exemptFundKinds);
    return (this.opts.institutions ?? SIMULATED_INSTITUTIONS).map((institution) => {
      const account = this.accountAt(req.holderId, institution);
      if (!account) {
        return { institution, status: 'no_account', retainedCents: 0, exemptCents: 0 };
      }
      if (account.balanceCents === 0) {
        return { institution, status: 'no_funds', retainedCents: 0, exemptCents: 0 };
      }
      if (exempt.has(account.kind)) {
        return {
          institution,
          status: 'exempt_funds',
          retainedCents: 0,
          exemptCents: account.balanceCents,
        };
      }
      return {
        institution,
        status: 'retained',
        retainedCents: Math.min(account.balanceCents, req.amountCents),
        exemptCents: 0,
        retainedFrom: [account.kind],
      };
    });
  }

  async requestRetention(raw: RetentionRequest): Promise<RetentionAnswer> {
    this.calls += 1;
    const parsed = retentionRequestSchema.safeParse(raw);
    if (!parsed.success) throw new BanksRejectedError(parsed.error.message, 400);
    const req = parsed.data;
    const existing = this.byKey.get(req.key);
    if (existing) return { key: req.key, created: false, responses: existing.responses };
    const effect: RetentionEffect = {
      key: req.key,
      holderId: req.holderId,
      amountCents: req.amountCents,
      exemptFundKinds: [...req.exemptFundKinds],
      responses: this.answer(req),
      at: (this.opts.now?.() ?? new Date()).toISOString(),
    };
    this.byKey.set(req.key, effect);
    this.log.push(effect);
    if (this.lostAnswers > 0) {
      this.lostAnswers -= 1;
      throw new Error('banks: connection lost after the order was accepted (simulated)');
    }
    return { key: req.key, created: true, responses: effect.responses };
  }
}

/**
 * Adds the simulator's routes to `router`: `POST /banks/retentions` (a RetentionRequest →
 * RetentionAnswer; 400 when the order is invalid) and `GET /banks/effects`. Mount the router
 * at the server root; `HttpBanksAdapter`'s `baseUrl` is then the server's URL.
 */
export function mountBanksSimulator(router: Router, sim: BanksSimulator): Router {
  router.post(
    '/banks/retentions',
    express.json({ limit: '100kb' }),
    async (req: Request, res: Response) => {
      try {
        res.json(await sim.requestRetention(req.body as RetentionRequest));
      } catch (err) {
        if (err instanceof BanksRejectedError) res.status(err.status).json({ error: err.message });
        else res.status(503).json({ error: (err as Error).message });
      }
    },
  );
  router.get('/banks/effects', (_req: Request, res: Response) => {
    res.json(sim.effects());
  });
  return router;
}

// ---------------------------------------------------------------------------------------------
// HTTP adapter

export interface HttpBanksOptions {
  baseUrl: string;
  apiKey?: string;
  /** Per-request timeout in milliseconds. @default 20000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** BanksPort over HTTP+JSON (the registry's gateway, or the bundled simulator). */
export class HttpBanksAdapter implements BanksPort {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: HttpBanksOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? fetch;
  }

  async requestRetention(req: RetentionRequest): Promise<RetentionAnswer> {
    const res = await this.doFetch(`${this.base}/banks/retentions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: JSON.stringify(req),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 20_000),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw new BanksRejectedError(
        `banks POST /banks/retentions: ${res.status} ${await res.text()}`,
        res.status,
      );
    }
    if (!res.ok) throw new Error(`banks POST /banks/retentions: ${res.status} (temporary)`);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new Error(`banks POST /banks/retentions: answer is not JSON (${res.status})`);
    }
    const parsed = retentionAnswerSchema.safeParse(body);
    if (!parsed.success) {
      throw new Error(`banks answered an unexpected shape: ${parsed.error.message}`);
    }
    return parsed.data;
  }
}
