import type { Role } from './api.js';

export function canImport(role: Role): boolean {
  return role === 'manager' || role === 'admin';
}

/** Supervision (manager) and administration see every case and manage the portfolio. */
export function isSupervisor(role: Role): boolean {
  return role === 'manager' || role === 'admin';
}

/** May open the task inbox (admin manages users and policy; it may still look). */
export function hasInbox(role: Role): boolean {
  return role !== 'legal';
}

/** May open the legal inbox (títulos de crédito and coactiva). */
export function hasLegalInbox(role: Role): boolean {
  return role === 'legal' || role === 'manager' || role === 'admin';
}

/** May print and confirm letters (#/letters): collectors their own, supervision and admin all. */
export function handlesLetters(role: Role): boolean {
  return role === 'collector' || role === 'manager' || role === 'admin';
}

/** Where each role lands after signing in. */
export function homePath(role: Role, managerHome: string | null): string {
  if (role === 'collector') return '/inbox';
  if (role === 'legal') return '/legal';
  return managerHome ?? '/inbox';
}
