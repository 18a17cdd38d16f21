/**
 * Who uses the system (Prisma enum `Role`; docs/domain.md "Who uses it"): collectors
 * (gestionadores de cartera), the legal unit (asesoría jurídica / coactiva), managers
 * (supervisión de cartera) and administrators.
 */
export const ROLES = ['collector', 'legal', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];
