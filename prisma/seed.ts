/** Demo users and portfolio assignments for the embedded demo (never for production data). */
import { hashPassword } from '../api/auth.js';
import type { Role } from '../domain/roles.js';
import type { PrismaClient } from './client.js';

/** The demo password of every demo user (printed by `npm start`, documented in the README). */
export const DEMO_PASSWORD = 'cartera2026';

/**
 * Demo staff. Addresses are on the reserved `.test` domain: under `npm start` they land in the
 * local mail catcher (the managers receive the scheduled reports there).
 */
export const DEMO_USERS: { username: string; displayName: string; role: Role; email?: string }[] = [
  { username: 'admin', displayName: 'Administración del sistema', role: 'admin' },
  {
    username: 'supervisora',
    displayName: 'María Fernanda Aguilar (Especialista de cartera)',
    role: 'manager',
    email: 'supervisora@aguasmachala.test',
  },
  { username: 'juridico', displayName: 'Dr. Andrés Palacios (Asesoría jurídica)', role: 'legal' },
  { username: 'cobrador1', displayName: 'Jorge Loayza (Gestor de cartera)', role: 'collector' },
  { username: 'cobrador2', displayName: 'Carmen Romero (Gestora de cartera)', role: 'collector' },
  { username: 'cobrador3', displayName: 'Luis Espinoza (Gestor de cartera)', role: 'collector' },
];

/** Creates the demo users that do not exist yet; collectors report to the supervisor. */
export async function seedDemoUsers(prisma: PrismaClient): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const u of DEMO_USERS) {
    await prisma.user.upsert({
      where: { username: u.username },
      // Demo data made before users had addresses gets them; nothing else is overwritten.
      update: u.email ? { email: u.email } : {},
      create: { ...u, passwordHash },
    });
  }
  const supervisor = await prisma.user.findUniqueOrThrow({ where: { username: 'supervisora' } });
  await prisma.user.updateMany({
    where: { role: 'collector', supervisorId: null },
    data: { supervisorId: supervisor.id },
  });
}

/** Shares the sectors without an owner among the collectors, round robin. */
export async function assignUnownedSectors(prisma: PrismaClient): Promise<number> {
  const collectors = await prisma.user.findMany({
    where: { role: 'collector', active: true },
    orderBy: { username: 'asc' },
  });
  if (collectors.length === 0) return 0;
  const owned = new Set(
    (await prisma.portfolioAssignment.findMany({ where: { route: '' } })).map((p) => p.sector),
  );
  const sectors = (
    await prisma.account.findMany({
      distinct: ['sector'],
      select: { sector: true },
      orderBy: { sector: 'asc' },
    })
  )
    .map((a) => a.sector)
    .filter((s) => !owned.has(s));
  await prisma.portfolioAssignment.createMany({
    data: sectors.map((sector, i) => ({
      sector,
      route: '',
      userId: collectors[i % collectors.length]!.id,
    })),
    skipDuplicates: true,
  });
  return sectors.length;
}
