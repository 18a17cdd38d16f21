/**
 * What Cartera needs from the utility's commercial (billing) system. Two implementations:
 * HttpBillingAdapter (a live system, or the bundled simulator over HTTP) and the simulator's
 * own in-process ledger. Every write carries an idempotency key derived from workflow id +
 * step, so a retry never bills twice.
 */
import { z } from 'zod';

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const cents = z.number().int();

export const billingInvoiceSchema = z.object({
  number: z.string(),
  issuedOn: localDate,
  dueOn: localDate,
  amountCents: cents.nonnegative(),
  balanceCents: cents.nonnegative(),
});
export type BillingInvoice = z.infer<typeof billingInvoiceSchema>;

export const billingAccountSchema = z.object({
  accountNumber: z.string(),
  balanceCents: cents.nonnegative(),
  invoices: z.array(billingInvoiceSchema),
});
/** An account's balance and open invoices as billing sees them now. */
export type BillingAccount = z.infer<typeof billingAccountSchema>;

export const postAgreementSchema = z.object({
  idempotencyKey: z.string().min(1),
  accountNumber: z.string().min(1),
  caseId: z.string().min(1),
  downPaymentCents: cents.nonnegative(),
  instalments: z.array(z.object({ dueOn: localDate, amountCents: cents.positive() })).min(1),
});
export type PostAgreement = z.infer<typeof postAgreementSchema>;

export const FEE_KINDS = ['suspension', 'reconnection', 'irregular_reconnection_fine'] as const;
export const postFeeSchema = z.object({
  idempotencyKey: z.string().min(1),
  accountNumber: z.string().min(1),
  caseId: z.string().min(1),
  kind: z.enum(FEE_KINDS),
  amountCents: cents.positive(),
});
export type PostFee = z.infer<typeof postFeeSchema>;

export const registerPaymentSchema = z.object({
  reference: z.string().min(1),
  accountNumber: z.string().min(1),
  amountCents: cents.positive(),
  paidAt: z.iso.datetime({ offset: true }),
});
export type RegisterPayment = z.infer<typeof registerPaymentSchema>;

export const postingResultSchema = z.object({
  billingReference: z.string(),
  /** False when the idempotency key had already been posted (nothing new happened). */
  created: z.boolean(),
});
export type PostingResult = z.infer<typeof postingResultSchema>;

export interface BillingAdapter {
  /** null when billing does not know the account. */
  getAccount(accountNumber: string): Promise<BillingAccount | null>;
  postAgreement(req: PostAgreement): Promise<PostingResult>;
  postFee(req: PostFee): Promise<PostingResult>;
  registerPayment(req: RegisterPayment): Promise<PostingResult>;
  /** The overdue-invoice export in the import format (CSV text), for pulling intake. */
  exportOverdueInvoices(): Promise<string>;
}

/** Billing refused the request (bad data, unknown account): retrying will not help. */
export class BillingRejectedError extends Error {
  override name = 'BillingRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
