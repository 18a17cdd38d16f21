/**
 * The people and systems around the cases during a fault run: collectors, managers and the
 * legal unit complete their tasks through the `completeTask` update (as the API does), a
 * collector proposes agreements through `proposeAgreement`, and treasury posts payments to
 * `POST /api/payments` with its API key. Each case belongs to a cohort that decides its path.
 * What every cohort does alike: a notice no channel delivered is delivered by hand, the orden
 * de pago is notified in person, and a step an outside system failed is retried by a manager.
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { toDecimalString } from '../../domain/money.js';
import type { TaskType } from '../../domain/tasks.js';
import {
  completeTaskUpdate,
  proposeAgreementUpdate,
  type Actor,
} from '../../workflows/messages.js';

/** How a case is driven. */
export type Cohort =
  | 'pay_early' // pays in full during the reminder stage
  | 'agreement_paid' // signs an agreement, then pays in full
  | 'agreement_broken' // signs an agreement and pays nothing: it breaks, escalation resumes
  | 'pay_after_cut' // pays in full once service is cut (título stage): reconnection, closed
  | 'uncollectible' // goes to coactiva; the executor writes it off
  | 'embargo' // goes to coactiva; embargo, then the executor defers (stays open)
  | 'embargo_paid'; // goes to coactiva; embargo, then pays: reconnection, closed

const PLAN: Cohort[] = [
  ...Array<Cohort>(3).fill('pay_early'),
  ...Array<Cohort>(3).fill('agreement_paid'),
  ...Array<Cohort>(2).fill('agreement_broken'),
  ...Array<Cohort>(4).fill('pay_after_cut'),
  ...Array<Cohort>(4).fill('uncollectible'),
  ...Array<Cohort>(2).fill('embargo'),
  ...Array<Cohort>(2).fill('embargo_paid'),
];
export const cohortOf = (index: number): Cohort => PLAN[index % PLAN.length]!;

export interface DrivenCase {
  caseId: string;
  workflowId: string;
  accountNumber: string;
  cohort: Cohort;
  proposed?: boolean;
  /** Payment references posted for this case, by the moment they were accepted. */
  paid: { reference: string; cents: number; at: number }[];
}

export interface DriverStats {
  tasksCompleted: Record<string, number>;
  updatesRefused: number;
  /** Updates that failed without a refusal (timeouts while the worker was down): retried. */
  updateErrors: number;
  updateErrorKinds: Record<string, number>;
  agreementsProposed: number;
  agreementProposalsRefused: number;
  paymentsAccepted: number;
  paymentsRepeated: number;
  paymentRetries: number;
  duplicateDeliveries: number;
}

interface DriverDeps {
  pool: pg.Pool;
  client: Client;
  apiUrl: string;
  apiKey: string;
  users: { collector: string; manager: string; legal: string };
  random: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Driver {
  readonly stats: DriverStats = {
    tasksCompleted: {},
    updatesRefused: 0,
    updateErrors: 0,
    updateErrorKinds: {},
    agreementsProposed: 0,
    agreementProposalsRefused: 0,
    paymentsAccepted: 0,
    paymentsRepeated: 0,
    paymentRetries: 0,
    duplicateDeliveries: 0,
  };
  private readonly byCase = new Map<string, DrivenCase>();
  private readonly inFlight = new Set<string>();
  private readonly doneTasks = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private paySeq = 0;
  /** A human looks at a new task after this many ms. */
  humanDelayMs = 3_000;

  constructor(private readonly deps: DriverDeps) {}

  /** Cases to drive, by workflow id, in opening order (the index picks the cohort). */
  private readonly expected = new Map<string, number>();

  expect(workflowIds: string[]): void {
    workflowIds.forEach((wf, i) => this.expected.set(wf, i));
  }

  /** Picks up the case rows the workflows have written since the last look. */
  private async discover(): Promise<void> {
    if (this.byCase.size >= this.expected.size) return;
    const { rows } = await this.deps.pool.query<{
      id: string;
      workflow_id: string;
      number: string;
    }>(
      `SELECT c.id, c."workflowId" AS workflow_id, a.number FROM "Case" c JOIN "Account" a ON a.id = c."accountId"`,
    );
    for (const r of rows) {
      const i = this.expected.get(r.workflow_id);
      if (i === undefined || this.byCase.has(r.id)) continue;
      this.byCase.set(r.id, {
        caseId: r.id,
        workflowId: r.workflow_id,
        accountNumber: r.number,
        cohort: cohortOf(i),
        paid: [],
      });
    }
  }

  cases(): DrivenCase[] {
    return [...this.byCase.values()];
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const started = Date.now();
        await this.tick().catch((err: unknown) => {
          // PostgreSQL restarting, Temporal restarting: the people wait and try again.
          if (!this.stopped) console.log(`[driver] tick failed: ${(err as Error).message}`);
        });
        await sleep(Math.max(500, 3000 - (Date.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    // In-flight updates finish or fail on their own.
    for (let i = 0; i < 60 && this.inFlight.size > 0; i++) await sleep(500);
  }

  /** Runs `fn` once per key at a time, at most `limit` at once overall. */
  private spawn(key: string, fn: () => Promise<void>, limit = 48): void {
    if (this.inFlight.has(key) || this.inFlight.size >= limit) return;
    this.inFlight.add(key);
    void fn().finally(() => this.inFlight.delete(key));
  }

  private async tick(): Promise<void> {
    await this.discover();
    const { rows: tasks } = await this.deps.pool.query<{
      id: string;
      case_id: string;
      workflow_id: string;
      type: TaskType;
      role: 'collector' | 'legal' | 'manager';
      assignee_id: string | null;
      payload: Record<string, unknown> | null;
    }>(
      `SELECT id, "caseId" AS case_id, "workflowId" AS workflow_id, type, role, "assigneeId" AS assignee_id, payload
       FROM "Task" WHERE status = 'open' AND "createdAt" < now() - ($1::int * interval '1 millisecond')
       ORDER BY "createdAt" LIMIT 400`,
      [this.humanDelayMs],
    );
    for (const t of tasks) {
      if (this.doneTasks.has(t.id)) continue;
      const c = this.byCase.get(t.case_id);
      if (!c) continue;
      this.spawn(`task:${t.id}`, () => this.complete(c, t));
    }

    const { rows: open } = await this.deps.pool.query<{
      id: string;
      stage: string;
      balance_cents: number;
      age_ms: number;
      suspended: boolean;
      decided: boolean;
    }>(
      `SELECT c.id, c.stage, c."balanceCents" AS balance_cents,
              (extract(epoch FROM now() - c."openedAt") * 1000)::int AS age_ms,
              EXISTS (SELECT 1 FROM "CaseEvent" e WHERE e."caseId" = c.id AND e.type IN ('suspension_done', 'suspension_skipped')) AS suspended,
              EXISTS (SELECT 1 FROM "Task" t WHERE t."caseId" = c.id AND t.type = 'coactiva_decision' AND t.status = 'done') AS decided
       FROM "Case" c WHERE c.status = 'open'`,
    );
    for (const r of open) {
      const c = this.byCase.get(r.id);
      if (!c) continue;
      const lastPaid = c.paid.at(-1);
      // A payment accepted a while ago and the case still owes: pay the rest (new reference).
      const payable = r.balance_cents > 0 && (!lastPaid || Date.now() - lastPaid.at > 45_000);
      switch (c.cohort) {
        case 'pay_early':
          if (r.age_ms > 20_000 && payable) this.pay(c, r.balance_cents);
          break;
        case 'agreement_paid':
        case 'agreement_broken':
          if (!c.proposed && r.stage === 'reminder' && r.age_ms > 6_000)
            this.spawn(`propose:${c.caseId}`, () => this.propose(c, r.balance_cents));
          if (c.cohort === 'agreement_paid' && r.stage === 'agreement' && payable)
            this.pay(c, r.balance_cents);
          break;
        case 'pay_after_cut':
          if (r.stage === 'credit_title' && r.suspended && payable) this.pay(c, r.balance_cents);
          break;
        case 'embargo_paid':
          if (r.stage === 'coactiva' && r.decided && payable) this.pay(c, r.balance_cents);
          break;
        default:
          break;
      }
    }
  }

  private actorFor(role: 'collector' | 'legal' | 'manager', assignee: string | null): Actor {
    if (role === 'collector') return { id: assignee ?? this.deps.users.collector, role };
    if (role === 'legal') return { id: this.deps.users.legal, role };
    return { id: this.deps.users.manager, role };
  }

  /** What the person enters; `payload` is what the task shows them. */
  private formFor(c: DrivenCase, type: TaskType, payload: Record<string, unknown> | null): unknown {
    const now = new Date().toISOString();
    switch (type) {
      case 'contact_debtor':
        return { outcome: 'contacted', note: 'prueba de fallos' };
      case 'approve_agreement':
        return { decision: 'approve' };
      case 'notarise_agreement':
        return { outcome: 'signed', signedOn: now.slice(0, 10), notary: 'Notaría Primera' };
      case 'suspension_field':
        return { outcome: 'done', performedAt: now, sealNumber: `S-${c.accountNumber}` };
      case 'reconnection_field':
        return { outcome: 'done', performedAt: now };
      case 'protected_account':
        return { decision: 'skip_suspension', note: 'cuenta protegida: no se corta' };
      case 'validate_credit_title':
        return { decision: 'approve' };
      case 'notify_credit_title':
      case 'notify_payment_order':
        return { method: 'in_person', result: 'notified', at: now };
      case 'coactiva_intake':
        return { handledBy: 'in_house' };
      case 'coactiva_decision':
        if (c.cohort !== 'embargo' && c.cohort !== 'embargo_paid')
          return { decision: 'uncollectible', reason: 'sin bienes ni cuentas' };
        // Once the embargo is on record the executor waits for the debtor (asked again later).
        return payload?.embargoRecorded === true
          ? { decision: 'wait', note: 'embargo registrado: se espera el pago' }
          : { decision: 'embargo', assets: 'vehículo placa OAA-1234' };
      case 'deliver_notice':
        // No channel delivered the notice in time (letter only, SMTP down): by hand.
        return { outcome: 'delivered', method: 'in_person', deliveredAt: now };
      case 'outside_failure':
        // The outside system is back (or will be): try the step again.
        return { decision: 'retry', note: 'prueba de fallos: se reintenta' };
      case 'case_review':
        // The case stopped by itself (a document not notified): the manager resumes it.
        return { decision: 'resume', note: 'prueba de fallos: se reanuda' };
      case 'prescription_review':
        // Prescription runs in years: a review within a fault run is a fault of the run.
        throw new Error(`unexpected ${type} task on ${c.workflowId}`);
      default: {
        const unknown: never = type;
        throw new Error(`no form for task ${String(unknown)}`);
      }
    }
  }

  private async complete(
    c: DrivenCase,
    t: {
      id: string;
      workflow_id: string;
      type: TaskType;
      role: 'collector' | 'legal' | 'manager';
      assignee_id: string | null;
      payload: Record<string, unknown> | null;
    },
  ): Promise<void> {
    try {
      await this.deps.client.workflow.getHandle(t.workflow_id).executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: t.id,
            actor: this.actorFor(t.role, t.assignee_id),
            form: this.formFor(c, t.type, t.payload),
          },
        ],
      });
      this.doneTasks.add(t.id);
      this.stats.tasksCompleted[t.type] = (this.stats.tasksCompleted[t.type] ?? 0) + 1;
    } catch (err) {
      if (refused(err)) {
        // Withdrawn or already done (the row is updated a moment after the workflow).
        this.doneTasks.add(t.id);
        this.stats.updatesRefused++;
      } else this.updateError(err);
    }
  }

  private updateError(err: unknown): void {
    this.stats.updateErrors++;
    const name = (err as Error)?.name ?? 'Error';
    const kind = `${name}: ${String((err as Error)?.message).slice(0, 80)}`;
    this.stats.updateErrorKinds[kind] = (this.stats.updateErrorKinds[kind] ?? 0) + 1;
  }

  private async propose(c: DrivenCase, balanceCents: number): Promise<void> {
    try {
      await this.deps.client.workflow
        .getHandle(c.workflowId)
        .executeUpdate(proposeAgreementUpdate, {
          args: [
            {
              actor: { id: this.deps.users.collector, role: 'collector' },
              terms: { downPaymentCents: Math.ceil(balanceCents * 0.25), instalments: 2 },
            },
          ],
        });
      c.proposed = true;
      this.stats.agreementsProposed++;
    } catch (err) {
      if (refused(err)) {
        c.proposed = true; // e.g. the case moved on meanwhile: a person would give up too
        this.stats.agreementProposalsRefused++;
      } else this.updateError(err);
    }
  }

  /** Treasury posts a payment; a failed delivery is retried with the same reference. */
  private pay(c: DrivenCase, cents: number): void {
    const reference = `PAY-${c.accountNumber}-${++this.paySeq}`;
    const paidAt = new Date().toISOString();
    c.paid.push({ reference, cents, at: Number.POSITIVE_INFINITY }); // not payable again meanwhile
    const entry = c.paid.at(-1)!;
    this.spawn(
      `pay:${reference}`,
      async () => {
        const body = JSON.stringify({
          accountNumber: c.accountNumber,
          amount: toDecimalString(cents),
          paidAt,
          reference,
        });
        // Some deliveries arrive twice (a retry of the sending system): must change nothing.
        const deliveries = this.deps.random() < 0.2 ? 2 : 1;
        for (let attempt = 0, delivered = 0; delivered < deliveries; attempt++) {
          if (attempt > 0) await sleep(Math.min(10_000, 1000 * attempt));
          try {
            const res = await fetch(`${this.deps.apiUrl}/api/payments`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': this.deps.apiKey },
              body,
              signal: AbortSignal.timeout(30_000),
            });
            await res.text();
            if (res.status === 202) this.stats.paymentsAccepted++;
            else if (res.status === 200) {
              this.stats.paymentsRepeated++;
              if (delivered === 0) this.stats.paymentsAccepted++; // our first try did land
            } else {
              this.stats.paymentRetries++;
              continue;
            }
            if (delivered === 1) this.stats.duplicateDeliveries++;
            delivered++;
            entry.at = Date.now();
          } catch {
            this.stats.paymentRetries++;
          }
          if (attempt > 200) break;
        }
      },
      10_000,
    );
  }
}

/** The workflow refused the update (typed failure), as opposed to an outage. */
function refused(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'WorkflowNotFoundError' || name === 'WorkflowUpdateFailedError') return true;
  }
  return false;
}
