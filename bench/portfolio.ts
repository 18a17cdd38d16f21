/**
 * The synthetic Machala portfolio the benchmarks load straight into PostgreSQL (INSERT … SELECT
 * generate_series, seeded random): accounts in the seven parishes with 1–6 invoices each, one
 * open case per account with a plausible stage, priority and balance, ~15% older closed cases,
 * collectors assigned by sector and route, open and done tasks. 100,000 accounts load in seconds.
 * Used by bench/api-lists.ts and bench/monthly-report.ts.
 */
import type pg from 'pg';
import { hashPassword } from '../api/auth.js';

/** Password of every bench user. */
export const PASSWORD = 'clave-de-banco-de-pruebas-2026';

/** Parishes of the canton Machala (demo/generate-portfolio.ts), share of accounts, collectors. */
export const SECTORS = [
  { name: 'Machala', weight: 0.3, collectors: 12 },
  { name: 'Nueve de Mayo', weight: 0.16, collectors: 6 },
  { name: 'La Providencia', weight: 0.15, collectors: 6 },
  { name: 'Jambelí', weight: 0.14, collectors: 6 },
  { name: 'Puerto Bolívar', weight: 0.12, collectors: 5 },
  { name: 'El Cambio', weight: 0.1, collectors: 4 },
  { name: 'El Retiro', weight: 0.03, collectors: 1 },
] as const;
/** Routes per collector; the last route of each sector is left unassigned (new routes). */
const ROUTES_PER_COLLECTOR = 5;
export const MANAGERS = 4;
export const LEGAL = 3;

// prettier-ignore
const SURNAMES = [
  'ROMERO', 'AGUILAR', 'RAMÍREZ', 'SÁNCHEZ', 'JARAMILLO', 'ESPINOZA', 'CASTILLO', 'TORRES',
  'ARMIJOS', 'ORDÓÑEZ', 'LOAYZA', 'MALDONADO', 'VALAREZO', 'PINEDA', 'OCHOA', 'ENCALADA',
  'ZAMBRANO', 'VERA', 'MORENO', 'MENDOZA', 'VARGAS', 'CEDEÑO', 'RODRÍGUEZ', 'GONZÁLEZ', 'PÉREZ',
  'GARCÍA', 'APOLO', 'FEIJOÓ', 'GRANDA', 'AGUIRRE', 'LAPO', 'CARRIÓN', 'JIMÉNEZ', 'CÓRDOVA',
  'REYES', 'MACAS', 'TINOCO', 'SERRANO', 'RUIZ', 'CORREA', 'SUÁREZ', 'BENÍTEZ', 'GUAMÁN',
  'PEÑA', 'LEÓN', 'QUEZADA', 'CABRERA', 'SARMIENTO', 'ROMÁN', 'CUENCA', 'SOLÓRZANO', 'BRAVO',
  'ASANZA', 'ALVARADO', 'CHAMBA', 'ARÉVALO', 'VELÁSQUEZ', 'NÚÑEZ', 'MUÑOZ', 'HERRERA',
];
// prettier-ignore
const GIVEN_NAMES = [
  'JOSÉ', 'JUAN', 'LUIS', 'CARLOS', 'JORGE', 'MANUEL', 'MIGUEL', 'FRANCISCO', 'PEDRO', 'VÍCTOR',
  'WILSON', 'PATRICIO', 'FERNANDO', 'DAVID', 'ANDRÉS', 'XAVIER', 'FREDDY', 'BYRON', 'KLEBER',
  'MARÍA', 'ROSA', 'CARMEN', 'ANA', 'MARTHA', 'GLORIA', 'DIANA', 'JESSICA', 'JOHANNA', 'NANCY',
  'SANDRA', 'PATRICIA', 'LORENA', 'GABRIELA', 'ANDREA', 'MARIUXI', 'MERCEDES', 'ELIZABETH',
];
// prettier-ignore
const BUSINESSES = [
  'FARMACIA', 'PANADERÍA', 'FERRETERÍA', 'RESTAURANTE', 'HOTEL', 'TIENDA', 'BAZAR', 'MINIMARKET',
  'CEVICHERÍA', 'LAVANDERÍA', 'EMPACADORA', 'PROCESADORA DE CAMARÓN', 'FÁBRICA DE HIELO',
];
// prettier-ignore
const BRANDS = [
  'EL ORENSE', 'LA BANANERA', 'SAN ANTONIO', 'PACÍFICO', 'EL PORTEÑO', 'LA ECONÓMICA',
  'SANTA MARÍA', 'DEL SUR', 'ORO VERDE', 'EL CISNE', 'PUERTO REAL', 'JUBONES', 'MIRAMAR',
];
// prettier-ignore
const PUBLIC_BODIES = [
  'UNIDAD EDUCATIVA SIMÓN BOLÍVAR', 'UNIDAD EDUCATIVA JUAN MONTALVO', 'ESCUELA ELOY ALFARO',
  'CENTRO DE SALUD MACHALA', 'GAD MUNICIPAL DE MACHALA - MERCADO', 'POLICÍA NACIONAL - UPC',
];

export interface BenchUsers {
  manager: string;
  collector: string;
  legal: string[];
}

export interface LoadReport {
  ms: number;
  vacuumMs: number;
  counts: Record<string, number>;
  collectorCases: number;
}

/** Users, portfolios and the bulk of the data, all in SQL; returns what was loaded. */
export async function loadPortfolio(
  pool: pg.Pool,
  accounts: number,
): Promise<LoadReport & BenchUsers> {
  const started = performance.now();
  const c = await pool.connect();
  try {
    await c.query('SELECT setseed(0.2026)');
    const hash = await hashPassword(PASSWORD);

    // Users: managers supervise ten collectors each; legal advisors; one admin.
    const insertUser = async (username: string, displayName: string, role: string) =>
      (
        await c.query<{ id: string }>(
          `INSERT INTO "User" (id, username, "displayName", role, "passwordHash", "updatedAt")
           VALUES (gen_random_uuid(), $1, $2, $3::"Role", $4, now()) RETURNING id`,
          [username, displayName, role, hash],
        )
      ).rows[0]!.id;
    const managers: string[] = [];
    for (let m = 1; m <= MANAGERS; m++)
      managers.push(await insertUser(`manager-${m}`, `Supervisor ${m}`, 'manager'));
    const legal: string[] = [];
    for (let l = 1; l <= LEGAL; l++)
      legal.push(await insertUser(`legal-${l}`, `Abogado ${l}`, 'legal'));
    await insertUser('admin', 'Administración', 'admin');
    const portfolio: { user: string; sector: string; route: string }[] = [];
    let n = 0;
    for (const [s, sector] of SECTORS.entries()) {
      const collectors: string[] = [];
      for (let k = 0; k < sector.collectors; k++) {
        n++;
        const id = await insertUser(
          `collector-${String(n).padStart(2, '0')}`,
          `Gestor ${n}`,
          'collector',
        );
        await c.query('UPDATE "User" SET "supervisorId" = $1 WHERE id = $2', [
          managers[Math.floor((n - 1) / 10) % MANAGERS],
          id,
        ]);
        collectors.push(id);
      }
      const routes = sector.collectors * ROUTES_PER_COLLECTOR;
      for (let r = 1; r < routes; r++)
        portfolio.push({
          user: collectors[r % collectors.length]!,
          sector: sector.name,
          route: routeName(s + 1, r),
        });
    }
    await c.query(
      `INSERT INTO "PortfolioAssignment" (id, "userId", sector, route)
       SELECT gen_random_uuid(), u, s, r FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(u, s, r)`,
      [portfolio.map((p) => p.user), portfolio.map((p) => p.sector), portfolio.map((p) => p.route)],
    );

    await c.query(
      `CREATE UNLOGGED TABLE bench_sector (idx int PRIMARY KEY, sector text, routes int)`,
    );
    for (const [s, sector] of SECTORS.entries())
      await c.query('INSERT INTO bench_sector VALUES ($1, $2, $3)', [
        s + 1,
        sector.name,
        sector.collectors * ROUTES_PER_COLLECTOR,
      ]);
    let cumulative = 0;
    const bounds = SECTORS.slice(0, -1).map((s) => (cumulative += s.weight));

    // One row per account with everything its case needs; random() drives every draw.
    await c.query(`CREATE UNLOGGED TABLE bench_account (
      ord int PRIMARY KEY, id uuid NOT NULL, number text NOT NULL, sector text NOT NULL,
      route text NOT NULL, category "AccountCategory" NOT NULL, holder_name text NOT NULL,
      holder_id text NOT NULL, protection "Protection" NOT NULL, stage "CaseStage" NOT NULL,
      invoices int NOT NULL, last_due date NOT NULL, monthly_cents int NOT NULL)`);
    await c.query(
      `INSERT INTO bench_account
       SELECT ord, gen_random_uuid(), lpad((100000 + ord)::text, 7, '0'), s.sector,
              'R-' || lpad(s.idx::text, 2, '0') || '-' || lpad((1 + floor(r_route * s.routes))::text, 2, '0'),
              category,
              CASE
                WHEN category = 'publica' THEN ($6::text[])[1 + floor(r_n1 * array_length($6, 1))::int]
                WHEN category = 'residencial' OR r_company >= CASE category WHEN 'comercial' THEN 0.4 ELSE 0.85 END
                THEN ($3::text[])[1 + floor(r_n1 ^ 2 * array_length($3, 1))::int] || ' ' ||
                     ($3::text[])[1 + floor(r_n2 ^ 2 * array_length($3, 1))::int] || ' ' ||
                     ($4::text[])[1 + floor(r_n3 * array_length($4, 1))::int]
                ELSE ($5::text[])[1 + floor(r_n1 * array_length($5, 1))::int] || ' ' ||
                     ($7::text[])[1 + floor(r_n2 * array_length($7, 1))::int] ||
                     (ARRAY[' S.A.', ' CIA. LTDA.', ''])[1 + floor(r_n3 * 3)::int]
              END,
              CASE
                WHEN category = 'publica' THEN '076' || lpad(floor(r_id * 1e7)::text, 7, '0') || '001'
                WHEN category = 'residencial' THEN '07' || lpad(floor(r_id * 1e8)::text, 8, '0')
                ELSE '07' || lpad(floor(r_id * 1e8)::text, 8, '0') || '001'
              END,
              (CASE
                WHEN category = 'residencial' AND r_protection < 0.03 THEN 'vulnerable'
                WHEN category = 'publica' AND r_protection < 0.15 THEN 'hospital'
                WHEN category = 'publica' AND r_protection < 0.35 THEN 'escuela'
                ELSE 'none'
              END)::"Protection",
              stage,
              CASE stage
                WHEN 'reminder' THEN 1 + floor(3 * r_invoices ^ 1.5)
                WHEN 'agreement' THEN 2 + floor(5 * r_invoices)
                WHEN 'suspension' THEN 3 + floor(4 * r_invoices)
                WHEN 'credit_title' THEN 4 + floor(3 * r_invoices)
                ELSE 5 + floor(2 * r_invoices)
              END,
              current_date - CASE stage
                WHEN 'reminder' THEN 5 + floor(30 * r_due)
                WHEN 'agreement' THEN 5 + floor(30 * r_due)
                WHEN 'suspension' THEN 10 + floor(40 * r_due)
                WHEN 'credit_title' THEN 30 + floor(90 * r_due)
                ELSE 60 + floor(240 * r_due)
              END::int,
              ((600 + 3400 * r_amount ^ 2) * CASE category
                WHEN 'residencial' THEN 1 WHEN 'comercial' THEN 3.5 WHEN 'industrial' THEN 25 ELSE 8
              END)::int
       FROM (
         SELECT ord, r_route, r_company, r_n1, r_n2, r_n3, r_id, r_protection, r_invoices, r_due, r_amount,
                width_bucket(r_sector, $2::float8[]) + 1 AS sector_idx,
                (CASE WHEN r_category < 0.87 THEN 'residencial' WHEN r_category < 0.96 THEN 'comercial'
                      WHEN r_category < 0.975 THEN 'industrial' ELSE 'publica' END)::"AccountCategory" AS category,
                (CASE WHEN r_stage < 0.70 THEN 'reminder' WHEN r_stage < 0.82 THEN 'agreement'
                      WHEN r_stage < 0.91 THEN 'suspension' WHEN r_stage < 0.965 THEN 'credit_title'
                      ELSE 'coactiva' END)::"CaseStage" AS stage
         FROM (
           SELECT g AS ord, random() AS r_sector, random() AS r_route, random() AS r_category,
                  random() AS r_company, random() AS r_n1, random() AS r_n2, random() AS r_n3,
                  random() AS r_id, random() AS r_protection, random() AS r_stage,
                  random() AS r_invoices, random() AS r_due, random() AS r_amount
           FROM generate_series(1, $1::int) AS g
         ) AS draws
       ) AS a
       JOIN bench_sector s ON s.idx = a.sector_idx`,
      [accounts, bounds, SURNAMES, GIVEN_NAMES, BUSINESSES, PUBLIC_BODIES, BRANDS],
    );

    await c.query(
      `INSERT INTO "Account" (id, number, "holderName", "holderId", address, sector, route, category,
                              phone, email, protection, "updatedAt")
       SELECT id, number, holder_name, holder_id,
              'Calle ' || (1 + ord % 40) || ' y Av. ' ||
                (ARRAY['Las Palmeras', '25 de Junio', 'Bolívar Madero Vargas', 'Ferroviaria', 'Arízaga'])[1 + ord % 5]
                || ', ' || sector,
              sector, route, category,
              CASE WHEN ord % 5 <> 0 THEN '09' || lpad(((ord::bigint * 7919) % 100000000)::text, 8, '0') END,
              CASE WHEN ord % 3 = 0 THEN 'cuenta' || number || '@example.com' END,
              protection, now()
       FROM bench_account`,
    );
    // Monthly bills, the newest due last_due; each a little above or below the account's usual.
    await c.query(
      `INSERT INTO "Invoice" (id, number, "accountId", "issuedOn", "dueOn", "amountCents", "balanceCents")
       SELECT gen_random_uuid(), number, "accountId", due - 20, due, amount, amount
       FROM (
         SELECT '001-' || lpad(a.ord::text, 7, '0') || '-' || lpad(k::text, 2, '0') AS number,
                a.id AS "accountId",
                (a.last_due - make_interval(months => a.invoices - k))::date AS due,
                (a.monthly_cents * (0.85 + 0.3 * random()))::int AS amount
         FROM bench_account a CROSS JOIN LATERAL generate_series(1, a.invoices) AS k
       ) AS i`,
    );
    // One open case per account; priority as domain/case-opening.ts priorityScore (default policy).
    await c.query(
      `INSERT INTO "Case" (id, "workflowId", "accountId", "openKey", status, stage, priority,
                           "balanceCents", "openingBalanceCents", "overdueInvoices", "oldestDueOn",
                           protected, "assignedCollectorId", "policyVersion", "openedAt", "updatedAt")
       SELECT gen_random_uuid(), 'case-' || a.number, a.id, a.id, 'open', a.stage,
              round(1000 * least(1,
                (0.2 + 0.8 * least(1, ln(1 + i.balance) / ln(1 + 200000.0))) *
                (0.2 + 0.8 * least(1, ln(1 + greatest(0, current_date - i.oldest)) / ln(361.0))) *
                CASE a.category WHEN 'residencial' THEN 1 WHEN 'comercial' THEN 1.4
                                WHEN 'industrial' THEN 1.6 ELSE 0.8 END / 1.6))::int,
              i.balance,
              CASE WHEN a.stage = 'agreement' THEN (i.balance * 1.2)::int ELSE i.balance END,
              i.n, i.oldest, a.protection <> 'none', pa."userId", 1,
              least(now() - interval '2 hours', (i.oldest + 8)::timestamp + random() * interval '3 days'),
              now()
       FROM bench_account a
       JOIN (SELECT "accountId", sum("balanceCents")::int AS balance, count(*)::int AS n,
                    min("dueOn") AS oldest
             FROM "Invoice" GROUP BY 1) AS i ON i."accountId" = a.id
       LEFT JOIN "PortfolioAssignment" pa ON pa.sector = a.sector AND pa.route = a.route`,
    );
    // Earlier cases of ~15% of the accounts, paid and closed.
    await c.query(
      `INSERT INTO "Case" (id, "workflowId", "accountId", "openKey", status, stage, priority,
                           "balanceCents", "openingBalanceCents", "overdueInvoices", "oldestDueOn",
                           protected, "assignedCollectorId", "policyVersion", "openedAt", "closedAt",
                           "closeReason", "updatedAt")
       SELECT gen_random_uuid(), 'case-' || a.number, a.id, NULL, 'closed', 'closed', 0, 0,
              a.monthly_cents * 2, 2, opened::date - 30, false, pa."userId", 1, opened,
              opened + interval '40 days', 'paid', opened + interval '40 days'
       FROM (SELECT *, now() - interval '200 days' - random() * interval '500 days' AS opened
             FROM bench_account WHERE random() < 0.15) AS a
       LEFT JOIN "PortfolioAssignment" pa ON pa.sector = a.sector AND pa.route = a.route`,
    );
    // One open task per open case, by stage; collector tasks go to the case's collector (6%
    // given back to the shared inbox), manager and legal tasks mostly wait in their role's inbox.
    // Due dates from 4 days ago to 8 days ahead: about a third overdue.
    await c.query(
      `INSERT INTO "Task" (id, "caseId", "workflowId", type, role, status, "assigneeId", priority,
                           "dueAt", payload, "escalatedAt", "createdAt")
       SELECT gen_random_uuid(), t.id, t."workflowId", t.type, kinds.role::"Role", 'open',
              CASE kinds.role
                WHEN 'collector' THEN CASE WHEN t.r_assign < 0.06 THEN NULL ELSE t."assignedCollectorId" END
                WHEN 'manager' THEN CASE WHEN t.r_assign < 0.2 THEN t."supervisorId" END
                ELSE CASE WHEN t.r_assign < 0.4 THEN ($1::uuid[])[1 + floor(t.r_legal * array_length($1, 1))::int] END
              END,
              t.priority, t.due,
              jsonb_build_object('title', kinds.title || ' ' || t.number,
                                 'balance', to_char(t."balanceCents" / 100.0, 'FM99999990.00')),
              CASE WHEN t.due < now() - interval '2 days' THEN t.due + interval '1 day' END,
              t.due - interval '3 days'
       FROM (
         SELECT c.id, c."workflowId", c.priority, c."balanceCents", a.number, u."supervisorId",
                c."assignedCollectorId", r_assign, r_legal,
                CASE c.stage
                  WHEN 'reminder' THEN 'contact_debtor'
                  WHEN 'agreement' THEN CASE WHEN r_type < 0.6 THEN 'approve_agreement' ELSE 'notarise_agreement' END
                  WHEN 'suspension' THEN CASE WHEN c.protected THEN 'protected_account'
                                              WHEN r_type < 0.85 THEN 'suspension_field' ELSE 'reconnection_field' END
                  WHEN 'credit_title' THEN CASE WHEN r_type < 0.5 THEN 'validate_credit_title' ELSE 'notify_credit_title' END
                  ELSE CASE WHEN r_type < 0.5 THEN 'coactiva_intake' ELSE 'coactiva_decision' END
                END AS type,
                now() + (r_due * 12 - 4) * interval '1 day' AS due
         FROM (SELECT *, random() AS r_type, random() AS r_assign, random() AS r_legal, random() AS r_due
               FROM "Case" WHERE status = 'open') AS c
         JOIN "Account" a ON a.id = c."accountId"
         LEFT JOIN "User" u ON u.id = c."assignedCollectorId"
       ) AS t
       JOIN (VALUES
         ('contact_debtor', 'collector', 'Contactar al titular de la cuenta'),
         ('approve_agreement', 'manager', 'Aprobar convenio de pago de la cuenta'),
         ('notarise_agreement', 'collector', 'Notarizar el convenio de la cuenta'),
         ('suspension_field', 'collector', 'Suspender el servicio de la cuenta'),
         ('reconnection_field', 'collector', 'Reconectar el servicio de la cuenta'),
         ('protected_account', 'manager', 'Cuenta protegida: decidir sobre la cuenta'),
         ('validate_credit_title', 'manager', 'Validar título de crédito de la cuenta'),
         ('notify_credit_title', 'collector', 'Notificar título de crédito de la cuenta'),
         ('coactiva_intake', 'legal', 'Recibir coactiva de la cuenta'),
         ('coactiva_decision', 'legal', 'Decidir coactiva de la cuenta')
       ) AS kinds (type, role, title) ON kinds.type = t.type`,
      [legal],
    );
    // The done contact tasks of the cases' history (every case past reminder, 40% of the rest).
    await c.query(
      `INSERT INTO "Task" (id, "caseId", "workflowId", type, role, status, "assigneeId", priority,
                           "dueAt", payload, "createdAt", "completedAt", "completedBy", result)
       SELECT gen_random_uuid(), id, "workflowId", 'contact_debtor', 'collector', 'done',
              "assignedCollectorId", priority, due, jsonb_build_object('title', 'Contactar al titular'),
              due - interval '3 days', due - interval '1 day',
              coalesce("assignedCollectorId"::text, 'system'), '{"outcome": "unreachable"}'
       FROM (SELECT *, now() - (5 + 60 * random()) * interval '1 day' AS due FROM "Case"
             WHERE stage <> 'reminder' OR random() < 0.4) AS c`,
    );
    await c.query('DROP TABLE bench_account, bench_sector');
    const loaded = performance.now();
    await c.query('VACUUM (ANALYZE)');
    const vacuumed = performance.now();

    const count = async (sql: string, params: unknown[] = []) =>
      Number((await c.query<{ n: string }>(sql, params)).rows[0]!.n);
    const counts = {
      accounts: await count('SELECT count(*) AS n FROM "Account"'),
      invoices: await count('SELECT count(*) AS n FROM "Invoice"'),
      openCases: await count(`SELECT count(*) AS n FROM "Case" WHERE status = 'open'`),
      closedCases: await count(`SELECT count(*) AS n FROM "Case" WHERE status = 'closed'`),
      openTasks: await count(`SELECT count(*) AS n FROM "Task" WHERE status = 'open'`),
      overdueTasks: await count(
        `SELECT count(*) AS n FROM "Task" WHERE status = 'open' AND "dueAt" < now()`,
      ),
      doneTasks: await count(`SELECT count(*) AS n FROM "Task" WHERE status = 'done'`),
      collectors: await count(`SELECT count(*) AS n FROM "User" WHERE role = 'collector'`),
      unassignedCases: await count(
        `SELECT count(*) AS n FROM "Case" WHERE status = 'open' AND "assignedCollectorId" IS NULL`,
      ),
    };
    const managerId = managers[0]!;
    const collectorId = (
      await c.query<{ id: string }>(`SELECT id FROM "User" WHERE username = 'collector-01'`)
    ).rows[0]!.id;
    const collectorCases = await count(
      `SELECT count(*) AS n FROM "Case" WHERE status = 'open' AND "assignedCollectorId" = $1`,
      [collectorId],
    );
    return {
      ms: loaded - started,
      vacuumMs: vacuumed - loaded,
      counts,
      collectorCases,
      manager: managerId,
      collector: collectorId,
      legal,
    };
  } finally {
    c.release();
  }
}

const routeName = (sector: number, route: number) =>
  `R-${String(sector).padStart(2, '0')}-${String(route).padStart(2, '0')}`;
