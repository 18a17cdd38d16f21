// Manager pages (dashboard, portfolios, policy, notices, scheduled reports). The app mounts every route listed here:
// a nav link for the roles given, and the page at #/<segment>.
import { Suspense, createElement, lazy } from 'react';
import type { JSX, ReactNode } from 'react';
import type { Role, User } from '../../api.js';
import { Loading } from '../../components/Loading.js';
import { translate } from '../../i18n/index.js';
import type { MessageKey } from '../../i18n/index.js';

export interface ManagerRoute {
  /** Hash path segment, e.g. 'dashboard' → #/dashboard. */
  segment: string;
  /** Roles that see the nav link and may open the page. */
  roles: Role[];
  /** Nav link text per locale. */
  nav: { 'es-EC': string; en: string };
  render: (params: URLSearchParams, user: User) => JSX.Element;
}

const MANAGERS: Role[] = ['manager', 'admin'];

// Loaded on first visit: the charts library is large and only managers need these pages.
const DashboardPage = lazy(() =>
  import('./DashboardPage.js').then((m) => ({ default: m.DashboardPage })),
);
const PortfoliosPage = lazy(() =>
  import('./PortfoliosPage.js').then((m) => ({ default: m.PortfoliosPage })),
);
const NoticesPage = lazy(() =>
  import('./NoticesPage.js').then((m) => ({ default: m.NoticesPage })),
);
const SchedulesPage = lazy(() =>
  import('./SchedulesPage.js').then((m) => ({ default: m.SchedulesPage })),
);
const PolicyPage = lazy(() => import('./PolicyPage.js').then((m) => ({ default: m.PolicyPage })));

function loading(page: ReactNode): JSX.Element {
  return createElement(Suspense, { fallback: createElement(Loading) }, page);
}

function nav(key: MessageKey): ManagerRoute['nav'] {
  return { 'es-EC': translate('es-EC', key), en: translate('en', key) };
}

export const managerRoutes: ManagerRoute[] = [
  {
    segment: 'dashboard',
    roles: MANAGERS,
    nav: nav('nav.dashboard'),
    render: (params) => loading(createElement(DashboardPage, { params })),
  },
  {
    segment: 'portfolios',
    roles: MANAGERS,
    nav: nav('nav.portfolios'),
    render: () => loading(createElement(PortfoliosPage)),
  },
  {
    segment: 'policy',
    roles: MANAGERS,
    nav: nav('nav.policy'),
    render: (_params, user) => createElement(PolicyPage, { canEdit: MANAGERS.includes(user.role) }),
  },
  {
    segment: 'notices',
    roles: MANAGERS,
    nav: nav('nav.notices'),
    render: (params, user) => loading(createElement(NoticesPage, { params, user })),
  },
  {
    // Admins change the schedules; managers (who receive the reports) only look.
    segment: 'schedules',
    roles: MANAGERS,
    nav: nav('nav.schedules'),
    render: (_params, user) => loading(createElement(SchedulesPage, { user })),
  },
];
