import type { Role } from './api.js';

export function canImport(role: Role): boolean {
  return role === 'manager' || role === 'admin';
}
