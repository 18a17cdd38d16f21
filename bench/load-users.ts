/**
 * The simulated people and systems of the load test, each an async loop with think time
 * between requests (exponential, mean `thinkMs`):
 *
 * - **collectors** (their own session each): read their inbox (`GET /api/tasks`, scope mine /
 *   role / all, open or overdue, sorted by due date or priority, sometimes filtered by sector,
 *   pages 1–3), open one of their cases (`GET /api/cases/:id`, which also queries the case
 *   workflow) and its timeline, and complete contact tasks they saw in the inbox (`POST
 *   /api/tasks/:id/complete`, a workflow update) with the outcomes a collector records; a task
 *   from the shared inbox of unassigned cases is claimed first (`POST /api/tasks/:id/claim`), so
 *   two collectors race for the same task now and then;
 * - **payment systems** (API key): new payments on accounts with an open case (`POST
 *   /api/payments`, a fresh reference each, small amounts so no case is settled and closed),
 *   some delivered again with the same reference and data (expected 200, no second effect),
 *   and a retry with the same reference after any failure;
 * - **managers**: case lists with filters, sorts and pages (`GET /api/cases`) and the dashboard.
 *
 * Which 4xx answers are expected is decided per operation (see `EXPECTED`).
 */
import type { Outcome, Recorder } from './load-stats.js';

/** Share of requests by kind (any positive numbers; normalised). */
export interface Mix {
  /** Collectors' inbox, case and timeline reads. */
  reads: number;
  /** Collectors' task completions (claims of shared tasks come with them). */
  complete: number;
  payments: number;
  /** Managers' case lists and dashboard. */
  manager: number;
}

/** Collectors' contact outcomes, weighted: unreachable / visit_needed open a new contact task. */
const OUTCOMES: [string, number][] = [
  ['unreachable', 35],
  ['visit_needed', 15],
  ['contacted', 20],
  ['promise_to_pay', 20],
  ['dispute', 5],
  ['wrong_data', 5],
];

/**
 * 4xx answers that are normal under concurrency, by operation:
 * - complete 409 `task_not_open`/`conflict`: the task was completed or withdrawn between the
 *   inbox read and the click (a colleague took it from the shared inbox, or the case changed);
 * - claim 409 `conflict`: another collector claimed the shared task first, or it closed.
 * Everything else (400, 401, 403, 404, 409 on a payment, 422, 429) is unexpected.
 */
const EXPECTED: Record<string, (status: number) => boolean> = {
  complete: (s) => s === 409,
  claim: (s) => s === 409,
};

export interface CompletionRecord {
  taskId: string;
  caseId: string;
  outcome: string;
  by: string;
}

export interface PaymentRecord {
  reference: string;
  accountNumber: string;
  amount: string;
  paidAt: string;
  /** What the sender knows: accepted (202 or 200) or unknown (only failures so far). */
  accepted: boolean;
  deliveries: number;
  redeliveries200: number;
  caseId: string | null;
}

export interface LoadAccount {
  number: string;
  /** Overdue balance at opening, cents. */
  balanceCents: number;
  /** What the payment systems have sent for it so far (accepted or not), cents. */
  sentCents: number;
}

export interface Shared {
  url: string;
  apiKey: string;
  rec: Recorder;
  thinkMs: number;
  timeoutMs: number;
  rng: () => number;
  running: () => boolean;
  sectors: string[];
  accounts: LoadAccount[];
  /** Task id → the completion a 200 confirmed. */
  completions: Map<string, CompletionRecord>;
  /** Task ids whose completion failed without an answer (network, timeout, 5xx). */
  uncertainCompletions: Set<string>;
  payments: Map<string, PaymentRecord>;
  /** Unique per run, so references never collide with another run's. */
  runId: string;
  paymentSeq: number;
}

interface Answer {
  status: number;
  body: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function weighted(rng: () => number, items: [string, number][]): string {
  const total = items.reduce((a, [, w]) => a + w, 0);
  let r = rng() * total;
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items.at(-1)![0];
}

async function think(sh: Shared): Promise<void> {
  if (sh.thinkMs <= 0) return;
  const ms = Math.min(5 * sh.thinkMs, -Math.log(1 - sh.rng()) * sh.thinkMs);
  await sleep(ms);
}

/** One HTTP request, timed and classified. Null when there was no HTTP answer. */
export async function request(
  sh: Shared,
  op: string,
  method: string,
  path: string,
  opts: { token?: string; apiKey?: string; json?: unknown; rec?: Recorder } = {},
): Promise<Answer | null> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const rec = opts.rec ?? sh.rec;
  const started = performance.now();
  try {
    const res = await fetch(`${sh.url}${path}`, {
      method,
      headers,
      body: opts.json === undefined ? null : JSON.stringify(opts.json),
      signal: AbortSignal.timeout(sh.timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    const s = res.status;
    const outcome: Outcome =
      s >= 200 && s < 300
        ? 'ok'
        : s >= 500
          ? '5xx'
          : s >= 400 && EXPECTED[op]?.(s)
            ? 'expected4xx'
            : 'unexpected4xx';
    const code =
      typeof body === 'object' && body !== null && 'code' in body
        ? String((body as { code: unknown }).code)
        : undefined;
    rec.record({ op, ms, outcome, status: s, ...(code ? { code } : {}) }, text);
    return { status: s, body };
  } catch (err) {
    const ms = performance.now() - started;
    const e = err as Error;
    const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
    rec.record(
      { op, ms, outcome: timeout ? 'timeout' : 'network', status: 0 },
      `${e.name}: ${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`,
    );
    return null;
  }
}

export async function login(
  sh: Shared,
  username: string,
  password: string,
  rec: Recorder,
): Promise<{ token: string; id: string }> {
  for (let attempt = 1; ; attempt++) {
    const r = await request(sh, 'login', 'POST', '/api/auth/login', {
      json: { username, password },
      rec,
    });
    const body = r?.body as { token?: string; user?: { id: string } } | undefined;
    if (r?.status === 200 && body?.token && body.user)
      return { token: body.token, id: body.user.id };
    if (attempt >= 3) throw new Error(`login ${username}: ${r?.status ?? 'no answer'}`);
    await sleep(500);
  }
}

interface InboxTask {
  id: string;
  type: string;
  status: string;
  assignee: { id: string } | null;
  case: { id: string };
}

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

function contactForm(rng: () => number): { outcome: string; form: Record<string, unknown> } {
  const outcome = weighted(rng, OUTCOMES);
  const note = 'Registrado en la prueba de carga';
  switch (outcome) {
    case 'promise_to_pay':
      return { outcome, form: { outcome, promisedOn: inDays(7), amount: '5.00', note } };
    case 'dispute':
      return { outcome, form: { outcome, reason: 'El usuario dice que ya pagó' } };
    default:
      return { outcome, form: { outcome, note } };
  }
}

/** A collector at work until the run ends. */
export async function collector(
  sh: Shared,
  me: { token: string; id: string },
  pComplete: number,
): Promise<void> {
  const { rng } = sh;
  let mine: InboxTask[] = [];
  let shared: InboxTask[] = [];
  const myCases = new Set<string>();

  const readInbox = async (scope: 'mine' | 'role' | 'all') => {
    const q = new URLSearchParams();
    if (scope !== 'all') q.set('scope', scope);
    if (rng() < 0.2) q.set('status', 'overdue');
    if (rng() < 0.3) q.set('sort', 'priority');
    if (rng() < 0.2 && sh.sectors.length) q.set('sector', pick(rng, sh.sectors));
    const r = rng();
    q.set('page', r < 0.7 ? '1' : r < 0.9 ? '2' : '3');
    if (rng() < 0.3) q.set('pageSize', '20');
    const a = await request(sh, 'inbox', 'GET', `/api/tasks?${q.toString()}`, { token: me.token });
    if (a?.status !== 200) return;
    const items = (a.body as { items: InboxTask[] }).items.filter(
      (t) => t.type === 'contact_debtor' && t.status === 'open',
    );
    for (const t of items) if (t.assignee?.id === me.id) myCases.add(t.case.id);
    if (scope === 'mine') mine = items;
    else if (scope === 'role') shared = items.filter((t) => t.assignee === null);
    else mine = items.filter((t) => t.assignee?.id === me.id);
  };

  const complete = async (t: InboxTask) => {
    const { outcome, form } = contactForm(rng);
    const a = await request(sh, 'complete', 'POST', `/api/tasks/${t.id}/complete`, {
      token: me.token,
      json: { form },
    });
    if (a?.status === 200)
      sh.completions.set(t.id, { taskId: t.id, caseId: t.case.id, outcome, by: me.id });
    else if (!a || a.status >= 500) sh.uncertainCompletions.add(t.id);
  };

  while (sh.running()) {
    if (rng() < pComplete) {
      if (mine.length > 0 && (shared.length === 0 || rng() < 0.7)) {
        const t = mine.splice(Math.floor(rng() * mine.length), 1)[0]!;
        await complete(t);
      } else if (shared.length > 0) {
        const t = shared.splice(Math.floor(rng() * shared.length), 1)[0]!;
        const claimed = await request(sh, 'claim', 'POST', `/api/tasks/${t.id}/claim`, {
          token: me.token,
        });
        if (claimed?.status === 200) {
          await think(sh);
          if (!sh.running()) break;
          await complete(t);
        }
      } else await readInbox(rng() < 0.6 ? 'mine' : 'role');
    } else {
      const r = rng();
      const caseId = myCases.size > 0 ? pick(rng, [...myCases]) : null;
      if (r < 0.5 || !caseId) await readInbox(r < 0.25 ? 'mine' : r < 0.4 ? 'role' : 'all');
      else if (r < 0.8)
        await request(sh, 'case', 'GET', `/api/cases/${caseId}`, { token: me.token });
      else
        await request(sh, 'timeline', 'GET', `/api/cases/${caseId}/timeline`, { token: me.token });
    }
    await think(sh);
  }
}

/** A system sending confirmed payments until the run ends. */
export async function paymentSystem(sh: Shared): Promise<void> {
  const { rng } = sh;
  const failed: PaymentRecord[] = [];
  const accepted: PaymentRecord[] = [];

  const deliver = async (p: PaymentRecord) => {
    p.deliveries++;
    const a = await request(
      sh,
      p.deliveries > 1 ? 'payment_again' : 'payment',
      'POST',
      '/api/payments',
      {
        apiKey: sh.apiKey,
        json: {
          accountNumber: p.accountNumber,
          amount: p.amount,
          paidAt: p.paidAt,
          reference: p.reference,
        },
      },
    );
    if (a && (a.status === 202 || a.status === 200)) {
      if (p.accepted && a.status === 200) p.redeliveries200++;
      p.accepted = true;
      p.caseId = (a.body as { caseId: string | null }).caseId;
      return true;
    }
    return false;
  };

  while (sh.running()) {
    const r = rng();
    if (failed.length > 0) {
      // A sender retries what failed with the same reference.
      const p = failed.shift()!;
      if (!(await deliver(p))) failed.push(p);
    } else if (r < 0.15 && accepted.length > 0) {
      // The same delivery again (a sender that did not see our answer): 200, no second effect.
      await deliver(pick(rng, accepted));
    } else {
      const acct = pick(rng, sh.accounts);
      // Small partial payments: never more than a fifth of what is left, so no case settles.
      const left = acct.balanceCents - acct.sentCents;
      const cents = Math.min(Math.floor(left / 5), 50 + Math.floor(rng() * 1_500));
      if (cents < 1) continue;
      acct.sentCents += cents;
      const p: PaymentRecord = {
        reference: `LOAD-${sh.runId}-${++sh.paymentSeq}`,
        accountNumber: acct.number,
        amount: (cents / 100).toFixed(2),
        paidAt: new Date(Date.now() - Math.floor(rng() * 60_000)).toISOString(),
        accepted: false,
        deliveries: 0,
        redeliveries200: 0,
        caseId: null,
      };
      sh.payments.set(p.reference, p);
      if (await deliver(p)) accepted.push(p);
      else failed.push(p);
    }
    await think(sh);
  }
}

const STAGES = ['reminder', 'suspension', 'agreement'];
const SORTS = ['priority', 'balance', 'daysOverdue', 'openedAt'];

/** A manager looking at the portfolio until the run ends. */
export async function manager(sh: Shared, me: { token: string }): Promise<void> {
  const { rng } = sh;
  while (sh.running()) {
    if (rng() < 0.75) {
      const q = new URLSearchParams();
      if (rng() < 0.5) q.set('sort', pick(rng, SORTS));
      if (rng() < 0.2) q.set('stage', pick(rng, STAGES));
      if (rng() < 0.3 && sh.sectors.length) q.set('sector', pick(rng, sh.sectors));
      if (rng() < 0.2) q.set('amountMin', '50.00');
      if (rng() < 0.1) q.set('q', pick(rng, ['ROMERO', 'MARÍA', '0', 'JOSÉ']));
      const r = rng();
      q.set('page', r < 0.6 ? '1' : String(2 + Math.floor(rng() * 5)));
      await request(sh, 'cases_list', 'GET', `/api/cases?${q.toString()}`, { token: me.token });
    } else {
      const q =
        rng() < 0.3 && sh.sectors.length
          ? `?sector=${encodeURIComponent(pick(rng, sh.sectors))}`
          : '';
      await request(sh, 'dashboard', 'GET', `/api/dashboard${q}`, { token: me.token });
    }
    await think(sh);
  }
}
