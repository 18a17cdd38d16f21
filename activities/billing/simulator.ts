/**
 * A stand-in for the utility's commercial system, shipped for the demo and the tests. It keeps
 * a ledger of accounts and invoices (seeded from an export), applies payments, and records
 * every posting by idempotency key so tests can check that each effect happened exactly once.
 */
import { readFileSync, writeFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { PORTFOLIO_COLUMNS, type PortfolioRow } from '../../domain/portfolio-row.js';
import { toLocalDate } from '../../domain/calendar.js';
import { toDecimalString } from '../../domain/money.js';
import {
  BillingRejectedError,
  type BillingAccount,
  type BillingAdapter,
  type PostAgreement,
  type PostFee,
  type PostingResult,
  type RegisterPayment,
} from './port.js';

/**
 * Something that must learn every account and invoice Cartera imports: the bundled simulator
 * (in this process or over HTTP), which stands for the commercial system whose export was
 * imported. Never a real billing system: there the export came from billing itself.
 */
export interface BillingMirror {
  /** Where the rows go, for messages (`en este proceso`, a URL, a file). */
  readonly target: string;
  /** Accounts the simulator knows now. */
  accountCount(): Promise<number>;
  /**
   * Seeds or refreshes invoices from validated export rows (the same invoice number replaces
   * the earlier row); resolves once the simulator keeps them, persisted included.
   */
  mirrorRows(rows: readonly PortfolioRow[]): Promise<void>;
}

/** One effect billing received, as the simulator recorded it. */
export interface BillingEffect {
  kind: 'agreement' | 'fee' | 'payment';
  key: string;
  accountNumber: string;
  amountCents: number;
  at: string;
  detail: unknown;
}

interface Ledger {
  rows: Record<string, PortfolioRow>; // by invoice number
  effects: BillingEffect[];
}

const CSV_COLUMNS = PORTFOLIO_COLUMNS;

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Billing does not know the account: a permanent refusal, not an outage (as over HTTP). */
export class UnknownAccountError extends BillingRejectedError {
  override name = 'UnknownAccountError';
  constructor(readonly accountNumber: string) {
    super(`unknown account ${accountNumber}`, 404);
  }
}

export class BillingSimulator implements BillingAdapter {
  private ledger: Ledger = { rows: {}, effects: [] };
  private byKey = new Map<string, BillingEffect>();
  /** Account number → its invoice numbers: the ledger is keyed by invoice, billing asks by account. */
  private byAccount = new Map<string, Set<string>>();

  constructor(private readonly opts: { file?: string; now?: () => Date } = {}) {
    if (opts.file && existsSync(opts.file)) {
      this.ledger = JSON.parse(readFileSync(opts.file, 'utf8')) as Ledger;
      for (const e of this.ledger.effects) this.byKey.set(`${e.kind}:${e.key}`, e);
      for (const r of Object.values(this.ledger.rows)) this.index(r);
    }
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private index(r: PortfolioRow): void {
    let invoices = this.byAccount.get(r.accountNumber);
    if (!invoices) this.byAccount.set(r.accountNumber, (invoices = new Set()));
    invoices.add(r.invoiceNumber);
  }

  /** Writes the ledger atomically when the simulator was given a file. */
  persist(): void {
    if (!this.opts.file) return;
    const tmp = `${this.opts.file}.tmp`;
    mkdirSync(path.dirname(this.opts.file), { recursive: true }); // a fresh data folder
    writeFileSync(tmp, JSON.stringify(this.ledger));
    renameSync(tmp, this.opts.file);
  }

  /**
   * Seeds (or refreshes) invoices from validated export rows. `persist: false` leaves the file
   * to a later call (a large import arrives in chunks; writing the whole ledger per chunk would
   * cost more than the import).
   */
  load(rows: Iterable<PortfolioRow>, opts: { persist?: boolean } = {}): number {
    let n = 0;
    for (const r of rows) {
      const earlier = this.ledger.rows[r.invoiceNumber];
      if (earlier && earlier.accountNumber !== r.accountNumber) {
        // A later export moved the invoice to another account.
        const invoices = this.byAccount.get(earlier.accountNumber);
        invoices?.delete(r.invoiceNumber);
        if (invoices?.size === 0) this.byAccount.delete(earlier.accountNumber);
      }
      // A copy: payments change balances, and the caller's rows are not the ledger's.
      this.ledger.rows[r.invoiceNumber] = { ...r };
      this.index(r);
      n++;
    }
    if (opts.persist ?? true) this.persist();
    return n;
  }

  get accountCount(): number {
    return this.byAccount.size;
  }

  /** Every effect received, oldest first. */
  effects(): readonly BillingEffect[] {
    return this.ledger.effects;
  }

  private invoicesOf(accountNumber: string): PortfolioRow[] {
    const numbers = this.byAccount.get(accountNumber);
    if (!numbers) return [];
    return [...numbers]
      .map((n) => this.ledger.rows[n]!)
      .sort((a, b) => a.dueOn.localeCompare(b.dueOn));
  }

  async getAccount(accountNumber: string): Promise<BillingAccount | null> {
    const rows = this.invoicesOf(accountNumber);
    if (rows.length === 0) return null;
    const open = rows.filter((r) => r.balanceCents > 0);
    return {
      accountNumber,
      balanceCents: open.reduce((s, r) => s + r.balanceCents, 0),
      invoices: open.map((r) => ({
        number: r.invoiceNumber,
        issuedOn: r.issuedOn,
        dueOn: r.dueOn,
        amountCents: r.amountCents,
        balanceCents: r.balanceCents,
      })),
    };
  }

  private record(
    kind: BillingEffect['kind'],
    key: string,
    accountNumber: string,
    amountCents: number,
    detail: unknown,
    apply?: () => void,
  ): PostingResult {
    const existing = this.byKey.get(`${kind}:${key}`);
    if (existing) return { billingReference: `${kind}:${key}`, created: false };
    if (this.invoicesOf(accountNumber).length === 0) throw new UnknownAccountError(accountNumber);
    apply?.();
    const effect: BillingEffect = {
      kind,
      key,
      accountNumber,
      amountCents,
      at: this.now().toISOString(),
      detail,
    };
    this.ledger.effects.push(effect);
    this.byKey.set(`${kind}:${key}`, effect);
    this.persist();
    return { billingReference: `${kind}:${key}`, created: true };
  }

  async postAgreement(req: PostAgreement): Promise<PostingResult> {
    const total = req.downPaymentCents + req.instalments.reduce((s, i) => s + i.amountCents, 0);
    return this.record('agreement', req.idempotencyKey, req.accountNumber, total, req);
  }

  async postFee(req: PostFee): Promise<PostingResult> {
    return this.record('fee', req.idempotencyKey, req.accountNumber, req.amountCents, req);
  }

  /** Applies the payment to the oldest invoices first. */
  async registerPayment(req: RegisterPayment): Promise<PostingResult> {
    return this.record('payment', req.reference, req.accountNumber, req.amountCents, req, () => {
      let left = req.amountCents;
      for (const inv of this.invoicesOf(req.accountNumber)) {
        const take = Math.min(left, inv.balanceCents);
        inv.balanceCents -= take;
        left -= take;
        if (left === 0) break;
      }
    });
  }

  async exportOverdueInvoices(): Promise<string> {
    const today = toLocalDate(this.now()); // overdue by the utility's own calendar day
    const lines = [CSV_COLUMNS.join(',')];
    for (const r of Object.values(this.ledger.rows)) {
      if (r.balanceCents <= 0 || r.dueOn >= today) continue;
      const values: Record<(typeof CSV_COLUMNS)[number], string> = {
        cuenta: r.accountNumber,
        cedula_ruc: r.holderId,
        titular: r.holderName,
        direccion: r.address,
        sector: r.sector,
        ruta: r.route,
        categoria: r.category,
        telefono: r.phone ?? '',
        email: r.email ?? '',
        factura: r.invoiceNumber,
        emision: r.issuedOn,
        vencimiento: r.dueOn,
        valor: toDecimalString(r.amountCents),
        saldo: toDecimalString(r.balanceCents),
        proteccion: r.protection === 'none' ? '' : r.protection,
      };
      lines.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The mirror of a simulator in this process (`npm start`), or of its ledger file. */
export function simulatorMirror(sim: BillingSimulator, target = 'en este proceso'): BillingMirror {
  return {
    target,
    accountCount: async () => sim.accountCount,
    mirrorRows: async (rows) => {
      sim.load(rows);
    },
  };
}
