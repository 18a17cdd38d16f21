/**
 * Payments confirmed by billing or treasury (`apiKey` systems). Idempotent by `reference`: a
 * transaction-scoped advisory lock on the reference serialises concurrent deliveries, and the
 * audit row written in the same transaction is the receipt a repeated delivery is compared with
 * (same data → 200 with the first answer, different data → 409).
 *
 * A payment on an account with an open case goes to the case workflow (`paymentReceivedSignal`),
 * which records the Payment row and applies it; without an open case it is recorded here and
 * applied to the account's invoices, oldest first.
 */
import { applyPaymentToInvoices } from '../../activities/case-store.js';
import { z } from 'zod';
import { nonNegativeMoneyStringSchema, toDecimalString } from '../../domain/money.js';
import { isUniqueViolation, type Prisma } from '../../prisma/client.js';
import { paymentReceivedSignal, type PaymentReceived } from '../../workflows/messages.js';
import { audit } from '../audit.js';
import type { SystemPrincipal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, instantSchema } from '../schemas.js';

/** Class id of the payment-reference advisory locks (second key: `hashtext(reference)`). */
const PAYMENT_LOCK_CLASS = 7_244_602;
/** Clock difference tolerated between the sender and us for `paidAt`, in milliseconds. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export const paymentBodySchema = z.object({
  accountNumber: z.string().trim().min(1).max(50),
  amount: nonNegativeMoneyStringSchema
    .refine((cents) => cents > 0, 'el monto debe ser mayor que cero')
    .meta({
      description: 'Monto pagado en dólares: texto positivo con dos decimales',
      examples: ['125.40'],
    }),
  paidAt: instantSchema
    .refine((at) => Date.parse(at) <= Date.now() + CLOCK_SKEW_MS, 'no puede ser una fecha futura')
    .meta({ description: 'Momento del pago, ISO 8601 con zona horaria' }),
  reference: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, 'solo caracteres visibles, sin espacios')
    .meta({ description: 'Referencia única del pago en el sistema que lo envía' }),
});
export type PaymentBody = z.infer<typeof paymentBodySchema>;

export const paymentAcceptedSchema = z.object({
  reference: z.string(),
  accountNumber: z.string(),
  caseId: z
    .uuid()
    .nullable()
    .meta({ description: 'Caso en curso que recibió el pago; null: se aplicó a las facturas' }),
  status: z.literal('accepted'),
});
export type PaymentAccepted = z.infer<typeof paymentAcceptedSchema>;

/** What the audit row of an accepted payment keeps (its `after`); also the idempotency receipt. */
const receiptSchema = z.object({
  reference: z.string(),
  accountNumber: z.string(),
  amount: z.string(),
  paidAt: z.string(),
  caseId: z.string().nullable(),
  source: z.string(),
});
type Receipt = z.infer<typeof receiptSchema>;

const sameInstant = (a: string | Date, b: string | Date) =>
  new Date(a).getTime() === new Date(b).getTime();

/** The earlier delivery of `reference`, if any: our receipt, or a Payment row from elsewhere. */
async function priorDelivery(tx: Prisma.TransactionClient, reference: string) {
  const row = await tx.auditLog.findFirst({
    where: { entity: 'payment', entityId: reference, action: 'payment.receive' },
    orderBy: { id: 'asc' },
  });
  const receipt = receiptSchema.safeParse(row?.after);
  if (receipt.success) return receipt.data;
  const payment = await tx.payment.findUnique({
    where: { reference },
    include: { account: { select: { number: true } } },
  });
  if (!payment) return null;
  return {
    reference,
    accountNumber: payment.account.number,
    amount: toDecimalString(payment.amountCents),
    paidAt: payment.paidAt.toISOString(),
    caseId: payment.caseId,
    source: payment.source,
  } satisfies Receipt;
}

const named = (err: unknown, name: string) =>
  typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;

export function paymentRoutes(deps: AppDeps): Route[] {
  /** Signals the case; false when its workflow has already finished (the case just closed). */
  async function signalCase(workflowId: string, payment: PaymentReceived): Promise<boolean> {
    try {
      await deps.temporal.workflow.getHandle(workflowId).signal(paymentReceivedSignal, payment);
      return true;
    } catch (err) {
      if (named(err, 'WorkflowNotFoundError')) return false;
      deps.log.error({ err }, 'payment signal failed');
      throw new ApiError(
        503,
        'unavailable',
        'No se pudo entregar el pago al caso; reintente con la misma referencia',
      );
    }
  }

  async function receive(
    body: PaymentBody,
    system: SystemPrincipal,
    req: Parameters<typeof audit>[1],
  ): Promise<{ status: 200 | 202; body: PaymentAccepted }> {
    const paidAt = new Date(body.paidAt).toISOString();
    return deps.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PAYMENT_LOCK_CLASS}::int, hashtext(${body.reference}))`;
        const prior = await priorDelivery(tx, body.reference);
        if (prior) {
          const same =
            prior.accountNumber === body.accountNumber &&
            prior.amount === toDecimalString(body.amount) &&
            sameInstant(prior.paidAt, paidAt);
          if (!same)
            throw conflict(
              'La referencia ya se usó para un pago con otros datos (cuenta, monto o fecha)',
            );
          return {
            status: 200,
            body: {
              reference: prior.reference,
              accountNumber: prior.accountNumber,
              caseId: prior.caseId,
              status: 'accepted',
            },
          };
        }

        const account = await tx.account.findUnique({
          where: { number: body.accountNumber },
          select: { id: true },
        });
        if (!account) throw notFound('La cuenta');
        const open = await tx.case.findUnique({
          where: { openKey: account.id },
          select: { id: true, workflowId: true },
        });
        const payment: PaymentReceived = {
          reference: body.reference,
          amountCents: body.amount,
          paidAt,
          source: system.system,
        };
        let caseId: string | null = null;
        if (open && (await signalCase(open.workflowId, payment))) caseId = open.id;
        else {
          await tx.payment.create({
            data: {
              reference: body.reference,
              accountId: account.id,
              caseId: null,
              amountCents: body.amount,
              paidAt: new Date(paidAt),
              source: system.system,
            },
          });
          await applyPaymentToInvoices(tx, account.id, body.amount);
        }
        const receipt: Receipt = {
          reference: body.reference,
          accountNumber: body.accountNumber,
          amount: toDecimalString(body.amount),
          paidAt,
          caseId,
          source: system.system,
        };
        await audit(tx, req, system, {
          action: 'payment.receive',
          entity: 'payment',
          entityId: body.reference,
          after: receipt,
        });
        return {
          status: 202,
          body: {
            reference: body.reference,
            accountNumber: body.accountNumber,
            caseId,
            status: 'accepted',
          },
        };
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/payments',
      summary: 'Registrar un pago confirmado por facturación o tesorería',
      description:
        'Para sistemas, con su clave en `x-api-key`. Idempotente por `reference`: la misma referencia con los mismos datos responde 200 con el mismo resultado y no cambia nada; con otros datos, 409. Si la cuenta tiene un caso en curso, el pago va al caso; si no, se aplica a sus facturas, de la más antigua a la más reciente.',
      tags: ['pagos'],
      roles: 'apiKey',
      request: { body: paymentBodySchema },
      responses: {
        202: paymentAcceptedSchema.meta({ description: 'Pago nuevo aceptado' }),
        200: paymentAcceptedSchema.meta({ description: 'La misma entrega otra vez: sin cambios' }),
        404: errorBodySchema,
        409: errorBodySchema,
        503: errorBodySchema,
      },
    }).handle(async ({ body, principal, req }) => {
      try {
        return await receive(body, principal, req);
      } catch (err) {
        // A Payment row written meanwhile outside the lock (a case recording the same
        // reference): the second look sees it and answers as for any repeated delivery.
        if (!isUniqueViolation(err)) throw err;
        return receive(body, principal, req);
      }
    }),
  ];
}
