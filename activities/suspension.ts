/**
 * Suspension and reconnection activities: read whether the account is protected, place and
 * withdraw field orders, post the fees and the irregular-reconnection fine to billing. Each
 * call carries a key (workflow id + step) used as the outside system's idempotency key and as
 * the timeline event key, so a retry never cuts, reconnects or charges twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { CaseStage } from '../domain/case.js';
import type { AccountProtection, ServiceChargeKind } from '../domain/suspension.js';
import type { Prisma, PrismaClient } from '../prisma/client.js';
import { BillingRejectedError, type BillingAdapter } from './billing/port.js';
import { produceFieldOrder } from './documents.js';
import { currentPolicy } from '../store/policy.js';
import { FieldOpsRejectedError, type FieldOpsAdapter } from './field-ops.js';

export interface SuspensionDeps {
  prisma: PrismaClient;
  billing: BillingAdapter;
  fieldOps: FieldOpsAdapter;
}

/** A field order to place. `key` is workflow id + step. */
export interface PlaceFieldOrder {
  key: string;
  caseId: string;
  accountNumber: string;
  holderName?: string;
  address: string;
  /** ISO instant by which the crew should act. */
  dueBy: string;
  stage: CaseStage;
  /** Why (Spanish, for the timeline and the crew). */
  reason: string;
  /** ISO instant for the timeline (workflow time). @default now */
  at?: string;
}

export interface WithdrawFieldOrder {
  key: string;
  caseId: string;
  orderId: string;
  kind: 'suspension' | 'reconnection';
  stage: CaseStage;
  reason: string;
  /** ISO instant for the timeline (workflow time). @default now */
  at?: string;
}

export interface PostServiceCharge {
  key: string;
  caseId: string;
  accountNumber: string;
  kind: ServiceChargeKind;
  /** From the policy (`serviceChargeCents`), after any waiver; 0 posts nothing. */
  amountCents: number;
  stage: CaseStage;
  reason: string;
  /** ISO instant for the timeline (workflow time). @default now */
  at?: string;
}

export interface ServiceChargeResult {
  amountCents: number;
  /** False when the policy sets the charge to 0 (nothing sent to billing). */
  posted: boolean;
  billingReference: string | null;
}

export interface IrregularReconnectionFinding {
  /** Unique per finding, e.g. `${caseWorkflowId}:irregular-reconnection:${foundAt}`. */
  key: string;
  caseId: string;
  accountNumber: string;
  stage: CaseStage;
  /** The policy's fine (`serviceChargeCents('irregular_reconnection_fine', policy)`), after any waiver. */
  fineCents: number;
  /** ISO instant the field visit found service restored without authorisation. */
  foundAt: string;
  /** Who reported it (user id). */
  actor: string;
  note: string;
  /** What the field visit brought back (a photo, where it was taken, the broken seal). */
  evidence?: {
    photoUrl: string | null;
    gps: { lat: number; lng: number } | null;
    sealNumber: string | null;
  };
}

/** Turns an outside system's refusal into a non-retryable failure; other errors retry. */
function outsideRejected(err: unknown, system: string): never {
  const refused =
    err instanceof BillingRejectedError ||
    err instanceof FieldOpsRejectedError ||
    (err instanceof Error && /RejectedError$/.test(err.name));
  if (refused) {
    throw ApplicationFailure.nonRetryable(
      `${system}: ${(err as Error).message}`,
      'OutsideRejected',
    );
  }
  throw err;
}

export function createSuspensionActivities({ prisma, billing, fieldOps }: SuspensionDeps) {
  const recordEvent = (e: {
    eventKey: string;
    caseId: string;
    type: string;
    stage: CaseStage;
    actor: string;
    reason: string;
    data: Record<string, unknown>;
    occurredAt?: Date;
  }) =>
    prisma.caseEvent.createMany({
      data: [
        {
          eventKey: e.eventKey,
          caseId: e.caseId,
          type: e.type,
          stage: e.stage,
          occurredAt: e.occurredAt ?? new Date(),
          actor: e.actor,
          reason: e.reason,
          data: e.data as Prisma.InputJsonObject,
        },
      ],
      skipDuplicates: true,
    });

  async function postServiceCharge(c: PostServiceCharge): Promise<ServiceChargeResult> {
    const { amountCents } = c;
    if (!Number.isSafeInteger(amountCents) || amountCents < 0) {
      throw ApplicationFailure.nonRetryable(
        `invalid ${c.kind} amount ${amountCents}`,
        'InvalidCharge',
      );
    }
    if (amountCents === 0) {
      await recordEvent({
        eventKey: `${c.key}:fee`,
        ...(c.at ? { occurredAt: new Date(c.at) } : {}),
        caseId: c.caseId,
        type: 'fee_waived',
        stage: c.stage,
        actor: 'system',
        reason: `${c.reason} (valor 0 según la política)`,
        data: { kind: c.kind, amountCents },
      });
      return { amountCents, posted: false, billingReference: null };
    }
    let billingReference: string;
    try {
      ({ billingReference } = await billing.postFee({
        idempotencyKey: c.key,
        accountNumber: c.accountNumber,
        caseId: c.caseId,
        kind: c.kind,
        amountCents,
      }));
    } catch (err) {
      outsideRejected(err, 'billing');
    }
    await recordEvent({
      eventKey: `${c.key}:fee`,
      ...(c.at ? { occurredAt: new Date(c.at) } : {}),
      caseId: c.caseId,
      type: 'fee_posted',
      stage: c.stage,
      actor: 'system',
      reason: c.reason,
      data: { kind: c.kind, amountCents, billingReference },
    });
    return { amountCents, posted: true, billingReference };
  }

  async function placeOrder(
    kind: 'suspension' | 'reconnection',
    o: PlaceFieldOrder,
  ): Promise<{ orderId: string }> {
    const req = {
      idempotencyKey: o.key,
      caseId: o.caseId,
      accountNumber: o.accountNumber,
      address: o.address,
      dueBy: o.dueBy,
      note: o.reason,
      ...(o.holderName ? { holderName: o.holderName } : {}),
    };
    let orderId: string;
    try {
      ({ orderId } =
        kind === 'suspension'
          ? await fieldOps.orderSuspension(req)
          : await fieldOps.orderReconnection(req));
    } catch (err) {
      outsideRejected(err, 'field operations');
    }
    await recordEvent({
      eventKey: `${o.key}:ordered`,
      ...(o.at ? { occurredAt: new Date(o.at) } : {}),
      caseId: o.caseId,
      type: `${kind}_ordered`,
      stage: o.stage,
      actor: 'system',
      reason: o.reason,
      data: { orderId, dueBy: o.dueBy, address: o.address },
    });
    await produceFieldOrder(prisma, {
      sourceEventKey: `${o.key}:ordered`,
      caseId: o.caseId,
      stage: o.stage,
      at: o.at ?? new Date().toISOString(),
      order: kind,
      address: o.address,
      dueBy: o.dueBy,
      reason: o.reason,
    });
    return { orderId };
  }

  return {
    /** Whether the account may be cut: its protection class and the case's protected flag. */
    async readAccountProtection({ caseId }: { caseId: string }): Promise<AccountProtection> {
      const c = await prisma.case.findUniqueOrThrow({
        where: { id: caseId },
        select: { protected: true, account: { select: { protection: true } } },
      });
      // The moratorium is read from the policy in force, not the case's: a decree reaches every case.
      const inForce = await currentPolicy(prisma);
      const moratorium = inForce?.policy.suspension.moratorium;
      return {
        protected: c.protected,
        protection: c.account.protection,
        ...(moratorium?.active ? { moratorium } : {}),
      };
    },

    /** Orders the crew to cut service; records `suspension_ordered`. */
    orderSuspension(o: PlaceFieldOrder): Promise<{ orderId: string }> {
      return placeOrder('suspension', o);
    },

    /** Orders the crew to restore service; records `reconnection_ordered`. */
    orderReconnection(o: PlaceFieldOrder): Promise<{ orderId: string }> {
      return placeOrder('reconnection', o);
    },

    /** Withdraws a field order the case no longer needs; records `field_order_cancelled`. */
    async cancelFieldOrder(w: WithdrawFieldOrder): Promise<void> {
      try {
        await fieldOps.cancelOrder({ idempotencyKey: w.key, orderId: w.orderId, reason: w.reason });
      } catch (err) {
        outsideRejected(err, 'field operations');
      }
      await recordEvent({
        eventKey: `${w.key}:cancelled`,
        ...(w.at ? { occurredAt: new Date(w.at) } : {}),
        caseId: w.caseId,
        type: 'field_order_cancelled',
        stage: w.stage,
        actor: 'system',
        reason: w.reason,
        data: { orderId: w.orderId, kind: w.kind },
      });
    },

    /** Posts a suspension or reconnection fee (amount from the policy); records `fee_posted`. */
    postServiceCharge,

    /**
     * Service found restored without authorisation: records `irregular_reconnection` and posts
     * the policy's fine to billing once, however often the activity is retried.
     */
    async recordIrregularReconnection(
      f: IrregularReconnectionFinding,
    ): Promise<ServiceChargeResult> {
      await recordEvent({
        eventKey: `${f.key}:found`,
        caseId: f.caseId,
        type: 'irregular_reconnection',
        stage: f.stage,
        actor: f.actor,
        reason: f.note,
        occurredAt: new Date(f.foundAt),
        data: { foundAt: f.foundAt, ...(f.evidence ? { evidence: f.evidence } : {}) },
      });
      return postServiceCharge({
        key: f.key,
        caseId: f.caseId,
        accountNumber: f.accountNumber,
        kind: 'irregular_reconnection_fine',
        amountCents: f.fineCents,
        stage: f.stage,
        reason: 'Multa por reconexión no autorizada',
      });
    },
  };
}

export type SuspensionActivities = ReturnType<typeof createSuspensionActivities>;
