/**
 * The measures managers read (../shared/DOMAIN.md, "Measures managers read"), each computed by
 * one aggregate SQL query over PostgreSQL. Money comes back in cents, rates as fractions.
 *
 * Every report takes the same {@link KpiScope}: a period of local dates (America/Guayaquil,
 * fixed UTC−05:00, like domain/calendar.ts) for what happened (payments, events, tasks), and
 * "today" for what stands now (balances, open cases, aging). The sector and collector filters
 * mean the same as on GET /api/cases (`account.sector`, `case.assignedCollectorId`), so a
 * figure's drill-down lists exactly the cases it counts.
 */
import { addCalendarDays, localDateToInstant, type LocalDate } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import { Prisma, type PrismaClient } from '../prisma/client.js';

export interface KpiScope {
  /** First day of the period (inclusive). */
  from: LocalDate;
  /** Last day of the period (inclusive). */
  to: LocalDate;
  /** The local date balances and ages are measured on. */
  today: LocalDate;
  /** Only accounts of this sector. @default all */
  sector?: string | null;
  /** Only cases assigned to this collector. @default all */
  collectorId?: string | null;
}

/** The period as half-open UTC timestamps [start, end) for `timestamp` columns (stored UTC). */
function periodBounds(s: KpiScope): { start: string; end: string } {
  const sql = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
  return {
    start: sql(localDateToInstant(s.from)),
    end: sql(localDateToInstant(addCalendarDays(s.to, 1))),
  };
}

/** The scope's filter on a case `c` joined to its account `a`. */
function caseFilter(s: KpiScope): Prisma.Sql {
  const sector = s.sector ?? null;
  const collector = s.collectorId ?? null;
  return Prisma.sql`(${sector}::text IS NULL OR a.sector = ${sector}::text)
    AND (${collector}::uuid IS NULL OR c."assignedCollectorId" = ${collector}::uuid)`;
}

const cents = (v: bigint | number | null | undefined) => Number(v ?? 0);
const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);

// ---------------------------------------------------------------------------------------------
// Índice de morosidad

export interface Morosidad {
  /** Unpaid balance of invoices past their due date (in coactiva too). */
  overdueCents: number;
  /** Unpaid balance of every invoice. */
  portfolioCents: number;
  /** overdue ÷ portfolio; 0 for an empty portfolio. */
  index: number;
}

/**
 * Índice de morosidad on `today`: overdue portfolio ÷ total portfolio, over the invoices
 * billing reports unpaid. With a collector, the accounts whose open case they hold.
 */
export async function morosidad(db: PrismaClient, s: KpiScope): Promise<Morosidad> {
  const sector = s.sector ?? null;
  const collector = s.collectorId ?? null;
  const [row] = await db.$queryRaw<{ overdue: bigint; total: bigint }[]>`
    SELECT coalesce(sum(i."balanceCents") FILTER (WHERE i."dueOn" < ${s.today}::date), 0)::bigint AS overdue,
           coalesce(sum(i."balanceCents"), 0)::bigint AS total
    FROM "Invoice" i
    JOIN "Account" a ON a.id = i."accountId"
    WHERE i."balanceCents" > 0
      AND (${sector}::text IS NULL OR a.sector = ${sector}::text)
      AND (${collector}::uuid IS NULL OR EXISTS (
            SELECT 1 FROM "Case" c
            WHERE c."accountId" = a.id AND c.status = 'open'
              AND c."assignedCollectorId" = ${collector}::uuid))`;
  const overdueCents = cents(row?.overdue);
  const portfolioCents = cents(row?.total);
  return { overdueCents, portfolioCents, index: rate(overdueCents, portfolioCents) ?? 0 };
}

// ---------------------------------------------------------------------------------------------
// Recuperación

export interface Recovery {
  recoveredCents: number;
  payments: number;
  /** Every month of the period, `YYYY-MM`, months without payments included. */
  byMonth: { month: string; cents: number; payments: number }[];
}

/** Money collected on cases in the period (payments applied to a case), by local month. */
export async function recovery(db: PrismaClient, s: KpiScope): Promise<Recovery> {
  const { start, end } = periodBounds(s);
  const rows = await db.$queryRaw<{ month: string; cents: bigint; payments: number }[]>`
    WITH months AS (
      SELECT to_char(m, 'YYYY-MM') AS month
      FROM generate_series(date_trunc('month', ${s.from}::date), ${s.to}::date, interval '1 month') m
    ),
    paid AS (
      SELECT to_char(p."paidAt" - interval '5 hours', 'YYYY-MM') AS month, p."amountCents"
      FROM "Payment" p
      JOIN "Case" c ON c.id = p."caseId"
      JOIN "Account" a ON a.id = c."accountId"
      WHERE p."paidAt" >= ${start}::timestamp AND p."paidAt" < ${end}::timestamp
        AND ${caseFilter(s)}
    )
    SELECT m.month, coalesce(sum(paid."amountCents"), 0)::bigint AS cents,
           count(paid."amountCents")::int AS payments
    FROM months m LEFT JOIN paid ON paid.month = m.month
    GROUP BY m.month ORDER BY m.month`;
  const byMonth = rows.map((r) => ({
    month: r.month,
    cents: cents(r.cents),
    payments: r.payments,
  }));
  return {
    recoveredCents: byMonth.reduce((t, m) => t + m.cents, 0),
    payments: byMonth.reduce((t, m) => t + m.payments, 0),
    byMonth,
  };
}

// ---------------------------------------------------------------------------------------------
// Aging

/** Aging buckets of days past due (DOMAIN.md), with their bounds as /api/cases filters take them. */
export const AGING_BUCKETS = [
  { bucket: '0-30', min: 0, max: 30 },
  { bucket: '31-60', min: 31, max: 60 },
  { bucket: '61-90', min: 61, max: 90 },
  { bucket: '91-180', min: 91, max: 180 },
  { bucket: '181-360', min: 181, max: 360 },
  { bucket: '361+', min: 361, max: null },
] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number]['bucket'];

/** Open cases and their balance by days past due on `today` (oldest unpaid due date). */
export async function aging(
  db: PrismaClient,
  s: KpiScope,
): Promise<{ bucket: AgingBucket; cases: number; balanceCents: number }[]> {
  const rows = await db.$queryRaw<{ bucket: AgingBucket; cases: number; cents: bigint }[]>`
    SELECT CASE WHEN d <= 30 THEN '0-30' WHEN d <= 60 THEN '31-60' WHEN d <= 90 THEN '61-90'
                WHEN d <= 180 THEN '91-180' WHEN d <= 360 THEN '181-360' ELSE '361+' END AS bucket,
           count(*)::int AS cases, sum(balance)::bigint AS cents
    FROM (
      SELECT greatest(0, ${s.today}::date - c."oldestDueOn") AS d, c."balanceCents" AS balance
      FROM "Case" c JOIN "Account" a ON a.id = c."accountId"
      WHERE c.status = 'open' AND ${caseFilter(s)}
    ) aged
    GROUP BY 1`;
  return AGING_BUCKETS.map(({ bucket }) => {
    const r = rows.find((x) => x.bucket === bucket);
    return { bucket, cases: r?.cases ?? 0, balanceCents: cents(r?.cents) };
  });
}

// ---------------------------------------------------------------------------------------------
// Funnel

/** The stages an open case goes through, in order. */
export const FUNNEL_STAGES = [
  'reminder',
  'agreement',
  'suspension',
  'credit_title',
  'coactiva',
] as const satisfies readonly CaseStage[];

/** Open cases and balance by stage, in the order of the lifecycle. */
export async function funnel(
  db: PrismaClient,
  s: KpiScope,
): Promise<{ stage: (typeof FUNNEL_STAGES)[number]; cases: number; balanceCents: number }[]> {
  const rows = await db.$queryRaw<{ stage: string; cases: number; cents: bigint }[]>`
    SELECT c.stage::text AS stage, count(*)::int AS cases, sum(c."balanceCents")::bigint AS cents
    FROM "Case" c JOIN "Account" a ON a.id = c."accountId"
    WHERE c.status = 'open' AND ${caseFilter(s)}
    GROUP BY c.stage`;
  return FUNNEL_STAGES.map((stage) => {
    const r = rows.find((x) => x.stage === stage);
    return { stage, cases: r?.cases ?? 0, balanceCents: cents(r?.cents) };
  });
}

// ---------------------------------------------------------------------------------------------
// Commitments: agreements and promises to pay

export interface Commitments {
  /** Agreements in force now. */
  activeAgreements: number;
  /** Agreements paid off in the period. */
  agreementsPaidOff: number;
  /** Agreements broken (instalment missed past grace) in the period. */
  agreementsBroken: number;
  /** Agreement compliance: paid off ÷ (paid off + broken) of those ending in the period. */
  agreementCompliance: number | null;
  /** Promises to pay whose date fell in the period and were kept / broken. */
  promisesKept: number;
  promisesBroken: number;
  /** Promise-kept rate: kept ÷ (kept + broken). */
  promiseKeptRate: number | null;
}

/** Agreement compliance and promise-kept rate from the timeline events of the period. */
export async function commitments(db: PrismaClient, s: KpiScope): Promise<Commitments> {
  const { start, end } = periodBounds(s);
  const [row] = await db.$queryRaw<
    {
      active: number;
      paid_off: number;
      broken: number;
      kept: number;
      promises_broken: number;
    }[]
  >`
    SELECT
      (SELECT count(*)::int FROM "Agreement" g
         JOIN "Case" c ON c.id = g."caseId" JOIN "Account" a ON a.id = c."accountId"
         WHERE g.status = 'active' AND ${caseFilter(s)}) AS active,
      count(*) FILTER (WHERE e.type = 'agreement_paid_off')::int AS paid_off,
      count(*) FILTER (WHERE e.type = 'agreement_broken')::int AS broken,
      count(*) FILTER (WHERE e.type = 'promise_kept')::int AS kept,
      count(*) FILTER (WHERE e.type = 'promise_broken')::int AS promises_broken
    FROM "CaseEvent" e
    JOIN "Case" c ON c.id = e."caseId"
    JOIN "Account" a ON a.id = c."accountId"
    WHERE e.type IN ('agreement_paid_off', 'agreement_broken', 'promise_kept', 'promise_broken')
      AND e."occurredAt" >= ${start}::timestamp AND e."occurredAt" < ${end}::timestamp
      AND ${caseFilter(s)}`;
  const r = row ?? { active: 0, paid_off: 0, broken: 0, kept: 0, promises_broken: 0 };
  return {
    activeAgreements: r.active,
    agreementsPaidOff: r.paid_off,
    agreementsBroken: r.broken,
    agreementCompliance: rate(r.paid_off, r.paid_off + r.broken),
    promisesKept: r.kept,
    promisesBroken: r.promises_broken,
    promiseKeptRate: rate(r.kept, r.kept + r.promises_broken),
  };
}

// ---------------------------------------------------------------------------------------------
// Reconnection lead time

export interface Reconnection {
  /** Reconnections done in the period. */
  count: number;
  /** Hours from what triggered the reconnection (payment, signed agreement) to the crew's work. */
  avgHours: number | null;
  maxHours: number | null;
}

/** Time from payment (or signed agreement) to reconnection, from `reconnection_done` events. */
export async function reconnection(db: PrismaClient, s: KpiScope): Promise<Reconnection> {
  const { start, end } = periodBounds(s);
  const [row] = await db.$queryRaw<{ n: number; avg: number | null; max: number | null }[]>`
    SELECT count(*)::int AS n, avg(h)::float8 AS avg, max(h)::float8 AS max
    FROM (
      SELECT extract(epoch FROM (e.data->>'performedAt')::timestamptz
                               - (e.data->>'triggeredAt')::timestamptz) / 3600 AS h
      FROM "CaseEvent" e
      JOIN "Case" c ON c.id = e."caseId"
      JOIN "Account" a ON a.id = c."accountId"
      WHERE e.type = 'reconnection_done'
        AND e."occurredAt" >= ${start}::timestamp AND e."occurredAt" < ${end}::timestamp
        AND ${caseFilter(s)}
    ) done`;
  return { count: row?.n ?? 0, avgHours: row?.avg ?? null, maxHours: row?.max ?? null };
}

// ---------------------------------------------------------------------------------------------
// Productivity by collector

export interface CollectorProductivity {
  collector: { id: string; displayName: string };
  /** Open cases assigned now. */
  openCases: number;
  /** Tasks they completed in the period. */
  tasksDone: number;
  /** Contact results they recorded in the period. */
  contacts: number;
  /** Of those, promises to pay. */
  promises: number;
  /** Payments in the period on the cases assigned to them now. */
  recoveredCents: number;
}

/**
 * Per collector (active ones, and inactive ones still holding open cases), by name: their
 * cases, their work in the period and the money recovered on their cases.
 */
export async function productivity(
  db: PrismaClient,
  s: KpiScope,
): Promise<CollectorProductivity[]> {
  const { start, end } = periodBounds(s);
  const sector = s.sector ?? null;
  const collector = s.collectorId ?? null;
  const inSector = Prisma.sql`(${sector}::text IS NULL OR a.sector = ${sector}::text)`;
  const rows = await db.$queryRaw<
    {
      id: string;
      displayName: string;
      open_cases: number;
      tasks_done: number;
      contacts: number;
      promises: number;
      cents: bigint;
    }[]
  >`
    WITH open_cases AS (
      SELECT c."assignedCollectorId" AS uid, count(*)::int AS n
      FROM "Case" c JOIN "Account" a ON a.id = c."accountId"
      WHERE c.status = 'open' AND c."assignedCollectorId" IS NOT NULL AND ${inSector}
      GROUP BY 1
    ),
    done AS (
      SELECT t."completedBy" AS uid, count(*)::int AS n
      FROM "Task" t JOIN "Case" c ON c.id = t."caseId" JOIN "Account" a ON a.id = c."accountId"
      WHERE t.status = 'done'
        AND t."completedAt" >= ${start}::timestamp AND t."completedAt" < ${end}::timestamp
        AND ${inSector}
      GROUP BY 1
    ),
    contacts AS (
      SELECT e.actor AS uid, count(*)::int AS n,
             count(*) FILTER (WHERE e.data->>'outcome' = 'promise_to_pay')::int AS promises
      FROM "CaseEvent" e JOIN "Case" c ON c.id = e."caseId" JOIN "Account" a ON a.id = c."accountId"
      WHERE e.type = 'contact_recorded'
        AND e."occurredAt" >= ${start}::timestamp AND e."occurredAt" < ${end}::timestamp
        AND ${inSector}
      GROUP BY 1
    ),
    paid AS (
      SELECT c."assignedCollectorId" AS uid, sum(p."amountCents")::bigint AS cents
      FROM "Payment" p JOIN "Case" c ON c.id = p."caseId" JOIN "Account" a ON a.id = c."accountId"
      WHERE p."paidAt" >= ${start}::timestamp AND p."paidAt" < ${end}::timestamp AND ${inSector}
      GROUP BY 1
    )
    SELECT u.id, u."displayName",
           coalesce(o.n, 0)::int AS open_cases, coalesce(d.n, 0)::int AS tasks_done,
           coalesce(k.n, 0)::int AS contacts, coalesce(k.promises, 0)::int AS promises,
           coalesce(p.cents, 0)::bigint AS cents
    FROM "User" u
    LEFT JOIN open_cases o ON o.uid = u.id
    LEFT JOIN done d ON d.uid = u.id::text
    LEFT JOIN contacts k ON k.uid = u.id::text
    LEFT JOIN paid p ON p.uid = u.id
    WHERE u.role = 'collector' AND (u.active OR o.n > 0)
      AND (${collector}::uuid IS NULL OR u.id = ${collector}::uuid)
    ORDER BY u."displayName", u.id`;
  return rows.map((r) => ({
    collector: { id: r.id, displayName: r.displayName },
    openCases: r.open_cases,
    tasksDone: r.tasks_done,
    contacts: r.contacts,
    promises: r.promises,
    recoveredCents: cents(r.cents),
  }));
}

// ---------------------------------------------------------------------------------------------
// Roll and cure rates

/** The index (0…5) of AGING_BUCKETS that `days` past due falls in. */
function bucketIndex(days: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`CASE WHEN ${days} <= 30 THEN 0 WHEN ${days} <= 60 THEN 1 WHEN ${days} <= 90 THEN 2
    WHEN ${days} <= 180 THEN 3 WHEN ${days} <= 360 THEN 4 ELSE 5 END`;
}

export interface RollCureRow {
  /** Cases delinquent at the period's start (in this bucket then). */
  cases: number;
  /** Still delinquent at the end, in a worse bucket. */
  rolled: number;
  /** Closed as paid, or under an agreement in force, by the end. */
  cured: number;
  /** Closed otherwise (written off, billing error, prescribed, dispute won, cancelled). */
  closedOther: number;
  /** rolled ÷ cases. */
  rollRate: number | null;
  /** cured ÷ cases. */
  cureRate: number | null;
}

export interface RollCure {
  total: RollCureRow;
  /** By the bucket the case was in at the period's start. */
  byBucket: ({ bucket: AgingBucket } & RollCureRow)[];
}

/**
 * Roll and cure rates over the period. DOMAIN.md names them without the details; ours:
 * - the cohort is the cases *delinquent at the start*: open at the first instant of the period
 *   and not under an agreement in force then (a signed agreement makes the debt current);
 * - a case's days past due on a date are counted from its oldest unpaid due date
 *   (`oldestDueOn`), as {@link aging} does — the case records no later invoice-level history,
 *   so partial payments do not move it back;
 * - **cured** by the end: closed as paid before the period ended, or still open but under an
 *   agreement in force at the end (brought current);
 * - **rolled**: neither cured nor closed at the end, and its bucket on the last day is worse
 *   than on the first;
 * - closed otherwise (write-off, cancellation…) is neither.
 */
export async function rollCure(db: PrismaClient, s: KpiScope): Promise<RollCure> {
  const { start, end } = periodBounds(s);
  const rows = await db.$queryRaw<
    { b0: number; cases: number; rolled: number; cured: number; closed_other: number }[]
  >`
    WITH agreements AS (
      -- Whether an agreement was in force just before each bound: the last agreement event
      -- before it is a signature. One pass over the agreement events, not one lookup per case.
      SELECT g."caseId",
             (array_agg(g.type ORDER BY g."occurredAt" DESC, g.id DESC)
                FILTER (WHERE g."occurredAt" < ${start}::timestamp))[1] = 'agreement_signed' AS at_start,
             (array_agg(g.type ORDER BY g."occurredAt" DESC, g.id DESC))[1] = 'agreement_signed' AS at_end
      FROM "CaseEvent" g
      WHERE g.type IN ('agreement_signed', 'agreement_broken', 'agreement_paid_off')
        AND g."occurredAt" < ${end}::timestamp
      GROUP BY g."caseId"
    ),
    cohort AS (
      SELECT ${bucketIndex(Prisma.sql`greatest(0, ${s.from}::date - c."oldestDueOn")`)} AS b0,
             ${bucketIndex(Prisma.sql`greatest(0, ${s.to}::date - c."oldestDueOn")`)} AS b1,
             coalesce(c."closedAt" < ${end}::timestamp, false) AS closed,
             coalesce(c."closedAt" < ${end}::timestamp AND c."closeReason" = 'paid', false) AS paid,
             coalesce(g.at_end, false) AS current_at_end
      FROM "Case" c
      JOIN "Account" a ON a.id = c."accountId"
      LEFT JOIN agreements g ON g."caseId" = c.id
      WHERE c."openedAt" < ${start}::timestamp
        AND (c."closedAt" IS NULL OR c."closedAt" >= ${start}::timestamp)
        AND NOT coalesce(g.at_start, false)
        AND ${caseFilter(s)}
    )
    SELECT b0, count(*)::int AS cases,
           count(*) FILTER (WHERE NOT closed AND NOT current_at_end AND b1 > b0)::int AS rolled,
           count(*) FILTER (WHERE paid OR (NOT closed AND current_at_end))::int AS cured,
           count(*) FILTER (WHERE closed AND NOT paid)::int AS closed_other
    FROM cohort GROUP BY b0`;
  const row = (r: { cases: number; rolled: number; cured: number; closed_other: number }) => ({
    cases: r.cases,
    rolled: r.rolled,
    cured: r.cured,
    closedOther: r.closed_other,
    rollRate: rate(r.rolled, r.cases),
    cureRate: rate(r.cured, r.cases),
  });
  const zero = { cases: 0, rolled: 0, cured: 0, closed_other: 0 };
  const byBucket = AGING_BUCKETS.map(({ bucket }, i) => ({
    bucket,
    ...row(rows.find((r) => r.b0 === i) ?? zero),
  }));
  const sum = rows.reduce(
    (t, r) => ({
      cases: t.cases + r.cases,
      rolled: t.rolled + r.rolled,
      cured: t.cured + r.cured,
      closed_other: t.closed_other + r.closed_other,
    }),
    zero,
  );
  return { total: row(sum), byBucket };
}

// ---------------------------------------------------------------------------------------------
// Suspensions

export interface Suspensions {
  /** Suspension field orders placed in the period (`suspension_ordered`). */
  ordered: number;
  /** Suspensions the crew carried out, reported in the period (`suspension_done`). */
  done: number;
  /** Orders the crew reported not done in the period (`suspension_not_done`). */
  notDone: number;
  /** Hours from the field order to the cut (`performedAt`), over the `done` ones. */
  avgHours: number | null;
  maxHours: number | null;
}

/**
 * Suspensions of the period and their lead time: from the field order (the
 * `suspension_ordered` event with the same `orderId`) to the crew's `performedAt`.
 */
export async function suspensions(db: PrismaClient, s: KpiScope): Promise<Suspensions> {
  const { start, end } = periodBounds(s);
  const [row] = await db.$queryRaw<
    { ordered: number; done: number; not_done: number; avg: number | null; max: number | null }[]
  >`
    WITH ev AS (
      SELECT e.type, e."caseId", e.data, e."occurredAt"
      FROM "CaseEvent" e
      JOIN "Case" c ON c.id = e."caseId"
      JOIN "Account" a ON a.id = c."accountId"
      WHERE e.type IN ('suspension_ordered', 'suspension_done', 'suspension_not_done')
        AND e."occurredAt" >= ${start}::timestamp AND e."occurredAt" < ${end}::timestamp
        AND ${caseFilter(s)}
    ),
    lead AS (
      SELECT extract(epoch FROM (d.data->>'performedAt')::timestamptz
                               - (o."occurredAt" AT TIME ZONE 'UTC')) / 3600 AS h
      FROM ev d
      JOIN LATERAL (
        SELECT x."occurredAt" FROM "CaseEvent" x
        WHERE x."caseId" = d."caseId" AND x.type = 'suspension_ordered'
          AND x.data->>'orderId' = d.data->>'orderId'
        ORDER BY x."occurredAt" LIMIT 1
      ) o ON true
      WHERE d.type = 'suspension_done'
    )
    SELECT (SELECT count(*) FROM ev WHERE type = 'suspension_ordered')::int AS ordered,
           (SELECT count(*) FROM ev WHERE type = 'suspension_done')::int AS done,
           (SELECT count(*) FROM ev WHERE type = 'suspension_not_done')::int AS not_done,
           (SELECT avg(h) FROM lead)::float8 AS avg,
           (SELECT max(h) FROM lead)::float8 AS max`;
  return {
    ordered: row?.ordered ?? 0,
    done: row?.done ?? 0,
    notDone: row?.not_done ?? 0,
    avgHours: row?.avg ?? null,
    maxHours: row?.max ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Títulos de crédito and coactivas

export interface LegalFigures {
  titles: {
    /** Titles first issued in the period (a corrected title keeps its number: counted once). */
    issued: number;
    issuedCents: number;
    /** Titles notified to the debtor in the period. */
    notified: number;
    notifiedCents: number;
    /** Titles whose case was closed as paid in the period, after the title was issued. */
    paid: number;
    paidCents: number;
  };
  coactivas: {
    /** Coactivas opened in the period, with the debt they were opened for. */
    opened: number;
    openedCents: number;
    /** Payments in the period on cases already in coactiva when paid. */
    recoveredCents: number;
    payments: number;
    /** Coactiva cases closed as paid in the period. */
    paidInFull: number;
  };
}

/**
 * Títulos de crédito issued / notified / paid and coactivas opened / recovered, from the
 * timeline: `credit_title_issued` (amount of the title's latest version), `credit_title_notified`,
 * `coactiva_opened` (its `balanceCents`), and the cases closed as paid.
 */
export async function legalFigures(db: PrismaClient, s: KpiScope): Promise<LegalFigures> {
  const { start, end } = periodBounds(s);
  const [row] = await db.$queryRaw<
    {
      issued: number;
      issued_cents: bigint;
      notified: number;
      notified_cents: bigint;
      paid: number;
      paid_cents: bigint;
      opened: number;
      opened_cents: bigint;
      recovered_cents: bigint;
      payments: number;
      paid_in_full: number;
    }[]
  >`
    WITH titles AS (
      SELECT DISTINCT ON (e."caseId", e.data->>'number')
             e."caseId" AS case_id, e.data->>'number' AS number,
             coalesce((e.data->>'amountCents')::bigint, 0) AS cents,
             min(e."occurredAt") OVER (PARTITION BY e."caseId", e.data->>'number') AS issued_at,
             c."closedAt" AS closed_at, c."closeReason" AS close_reason
      FROM "CaseEvent" e
      JOIN "Case" c ON c.id = e."caseId"
      JOIN "Account" a ON a.id = c."accountId"
      WHERE e.type = 'credit_title_issued' AND e."occurredAt" < ${end}::timestamp
        AND ${caseFilter(s)}
      ORDER BY e."caseId", e.data->>'number', coalesce((e.data->>'version')::int, 1) DESC,
               e."occurredAt" DESC
    ),
    notified AS (
      SELECT DISTINCT ON (t.case_id, t.number) t.cents
      FROM "CaseEvent" e JOIN titles t ON t.case_id = e."caseId" AND t.number = e.data->>'number'
      WHERE e.type = 'credit_title_notified'
        AND e."occurredAt" >= ${start}::timestamp AND e."occurredAt" < ${end}::timestamp
    ),
    coactivas AS (
      SELECT DISTINCT ON (e."caseId") e."caseId" AS case_id, e."occurredAt" AS opened_at,
             coalesce((e.data->>'balanceCents')::bigint, 0) AS cents,
             c."closedAt" AS closed_at, c."closeReason" AS close_reason
      FROM "CaseEvent" e
      JOIN "Case" c ON c.id = e."caseId"
      JOIN "Account" a ON a.id = c."accountId"
      WHERE e.type = 'coactiva_opened' AND e."occurredAt" < ${end}::timestamp
        AND ${caseFilter(s)}
      ORDER BY e."caseId", e."occurredAt"
    ),
    recovered AS (
      SELECT p."amountCents" FROM "Payment" p JOIN coactivas k ON k.case_id = p."caseId"
      WHERE p."paidAt" >= ${start}::timestamp AND p."paidAt" < ${end}::timestamp
        AND p."paidAt" >= k.opened_at
    )
    SELECT
      (SELECT count(*) FROM titles WHERE issued_at >= ${start}::timestamp)::int AS issued,
      (SELECT coalesce(sum(cents), 0) FROM titles WHERE issued_at >= ${start}::timestamp)::bigint AS issued_cents,
      (SELECT count(*) FROM notified)::int AS notified,
      (SELECT coalesce(sum(cents), 0) FROM notified)::bigint AS notified_cents,
      (SELECT count(*) FROM titles WHERE close_reason = 'paid' AND closed_at >= issued_at
         AND closed_at >= ${start}::timestamp AND closed_at < ${end}::timestamp)::int AS paid,
      (SELECT coalesce(sum(cents), 0) FROM titles WHERE close_reason = 'paid' AND closed_at >= issued_at
         AND closed_at >= ${start}::timestamp AND closed_at < ${end}::timestamp)::bigint AS paid_cents,
      (SELECT count(*) FROM coactivas WHERE opened_at >= ${start}::timestamp)::int AS opened,
      (SELECT coalesce(sum(cents), 0) FROM coactivas WHERE opened_at >= ${start}::timestamp)::bigint AS opened_cents,
      (SELECT coalesce(sum("amountCents"), 0) FROM recovered)::bigint AS recovered_cents,
      (SELECT count(*) FROM recovered)::int AS payments,
      (SELECT count(*) FROM coactivas WHERE close_reason = 'paid' AND closed_at >= opened_at
         AND closed_at >= ${start}::timestamp AND closed_at < ${end}::timestamp)::int AS paid_in_full`;
  return {
    titles: {
      issued: row?.issued ?? 0,
      issuedCents: cents(row?.issued_cents),
      notified: row?.notified ?? 0,
      notifiedCents: cents(row?.notified_cents),
      paid: row?.paid ?? 0,
      paidCents: cents(row?.paid_cents),
    },
    coactivas: {
      opened: row?.opened ?? 0,
      openedCents: cents(row?.opened_cents),
      recoveredCents: cents(row?.recovered_cents),
      payments: row?.payments ?? 0,
      paidInFull: row?.paid_in_full ?? 0,
    },
  };
}
