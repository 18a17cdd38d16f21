// Manager pages (dashboard, portfolios, policy). The app mounts every route listed here:
// a nav link for the roles given, and the page at #/<segment>.
import type { JSX } from 'react';
import type { Role, User } from '../../api.js';

export interface ManagerRoute {
  /** Hash path segment, e.g. 'dashboard' → #/dashboard. */
  segment: string;
  /** Roles that see the nav link and may open the page. */
  roles: Role[];
  /** Nav link text per locale. */
  nav: { 'es-EC': string; en: string };
  render: (params: URLSearchParams, user: User) => JSX.Element;
}

export const managerRoutes: ManagerRoute[] = [];
