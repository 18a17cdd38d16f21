/**
 * Service suspension (corte) and reconnection (reconexión), DOMAIN.md §4: who may be cut, when
 * the cut may happen after the prior notice, when reconnection is due, and the fees and fine
 * the policy charges. Pure: the workflows and activities call these, never their own numbers.
 */
import { deadlineAfter, describeWaitingPeriod } from './calendar.js';
import type { Protection } from './case-opening.js';
import { formatUsd } from './money.js';
import type { Policy } from './policy.js';

/** What the suspension rules need to know about the account. */
export interface AccountProtection {
  /** Account protection class from billing (`none` = not protected). */
  protection: Protection;
  /** The case row's flag (set at opening; a manager may also set it). */
  protected: boolean;
  /** The policy in force's moratorium on cuts (absent in answers recorded before it existed). */
  moratorium?: { active: boolean; decree: string };
}

export type CutDecision =
  | { allowed: true }
  | { allowed: false; reason: 'protected'; protection: Protection }
  | { allowed: false; reason: 'moratorium'; decree: string };

/**
 * Whether service may be cut. Protected users (vulnerable households, hospitals, schools, or a
 * case flagged protected) are never cut automatically: a manager decides instead.
 */
export function mayCutService(account: AccountProtection): CutDecision {
  if (account.moratorium?.active) {
    return { allowed: false, reason: 'moratorium', decree: account.moratorium.decree };
  }
  if (account.protection !== 'none' || account.protected) {
    return { allowed: false, reason: 'protected', protection: account.protection };
  }
  return { allowed: true };
}

const PROTECTION_LABELS: Record<Protection, string> = {
  none: 'cuenta marcada como protegida',
  vulnerable: 'hogar vulnerable',
  hospital: 'hospital o centro de salud',
  escuela: 'establecimiento educativo',
};

/** Spanish reason for the timeline when a protected account is not cut. */
export function protectionReason(protection: Protection): string {
  return `Usuario protegido (${PROTECTION_LABELS[protection]}): no se suspende automáticamente`;
}

/** Spanish reason for the timeline when a moratorium stops a cut. */
export function moratoriumReason(decree: string): string {
  return `Moratoria de cortes vigente${decree ? ` (${decree})` : ''}: no se ordena el corte; el proceso continúa`;
}

/** Why a cut was not made, for the timeline. */
export function cutRefusalReason(decision: Exclude<CutDecision, { allowed: true }>): string {
  return decision.reason === 'moratorium'
    ? moratoriumReason(decision.decree)
    : protectionReason(decision.protection);
}

type SuspensionPolicy = Pick<Policy, 'suspension' | 'calendar'>;

/** The earliest instant service may be cut after the prior notice (aviso previo) went out. */
export function earliestCutAt(noticeSentAt: Date, policy: SuspensionPolicy): Date {
  return deadlineAfter(noticeSentAt, policy.suspension.priorNotice, policy.calendar);
}

/** When the crew should have carried out a suspension order placed at `orderedAt`. */
export function suspensionFieldDueAt(orderedAt: Date, policy: SuspensionPolicy): Date {
  return deadlineAfter(orderedAt, policy.suspension.fieldTaskSla, policy.calendar);
}

/** When service must be back, counted from what triggered reconnection (payment, agreement). */
export function reconnectionDueAt(triggeredAt: Date, policy: SuspensionPolicy): Date {
  return deadlineAfter(triggeredAt, policy.suspension.reconnectionDeadline, policy.calendar);
}

export interface ReconnectionTimeliness {
  /** ISO instant the reconnection was due. */
  dueAt: string;
  withinDeadline: boolean;
  /** How late, in milliseconds (0 when on time). */
  lateByMs: number;
}

/** Whether the crew reconnected within the policy deadline counted from the trigger. */
export function reconnectionTimeliness(
  triggeredAt: Date,
  performedAt: Date,
  policy: SuspensionPolicy,
): ReconnectionTimeliness {
  const due = reconnectionDueAt(triggeredAt, policy);
  const lateByMs = Math.max(0, performedAt.getTime() - due.getTime());
  return { dueAt: due.toISOString(), withinDeadline: lateByMs === 0, lateByMs };
}

/** Charges the field operations cause, as billing names them. */
export const SERVICE_CHARGE_KINDS = [
  'suspension',
  'reconnection',
  'irregular_reconnection_fine',
] as const;
export type ServiceChargeKind = (typeof SERVICE_CHARGE_KINDS)[number];

/**
 * The amount to charge, in cents, from the policy. 0 means the policy waives it: nothing is
 * posted to billing.
 */
export function serviceChargeCents(
  kind: ServiceChargeKind,
  policy: Pick<Policy, 'suspension'>,
): number {
  const s = policy.suspension;
  switch (kind) {
    case 'suspension':
      return s.suspensionFeeCents;
    case 'reconnection':
      return s.reconnectionFeeCents;
    case 'irregular_reconnection_fine':
      return s.irregularReconnectionFineCents;
  }
}

/** Guayaquil is UTC−05:00 all year (see calendar.ts). */
const GUAYAQUIL_OFFSET_MS = -5 * 3_600_000;

/** `"2026-08-10 14:30"` in Guayaquil local time. */
function localDateTime(instant: Date): string {
  return new Date(instant.getTime() + GUAYAQUIL_OFFSET_MS)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
}

/** The figures the aviso previo de suspensión shows the user (Spanish labels, amounts formatted). */
export function priorNoticeFacts(args: {
  balanceCents: number;
  address: string;
  noticeSentAt: Date;
  policy: SuspensionPolicy;
}): Record<string, string> {
  const { policy } = args;
  const facts: Record<string, string> = {
    'Valor adeudado': formatUsd(args.balanceCents, 'es-EC'),
    'Plazo para pagar antes de la suspensión': describeWaitingPeriod(
      policy.suspension.priorNotice,
      'es-EC',
    ),
    'Suspensión posible desde': localDateTime(earliestCutAt(args.noticeSentAt, policy)),
    'Dirección del servicio': args.address,
  };
  const cut = serviceChargeCents('suspension', policy);
  const reconnect = serviceChargeCents('reconnection', policy);
  if (cut > 0) facts['Cargo por suspensión'] = formatUsd(cut, 'es-EC');
  if (reconnect > 0) facts['Cargo por reconexión'] = formatUsd(reconnect, 'es-EC');
  return facts;
}
