// Spanish (Ecuador), the reference dictionary: one file per area of the app.
import { app } from './app.js';
import { vocabulary } from './vocabulary.js';
import { cases } from './cases.js';
import { agreements } from './agreements.js';
import { events } from './events.js';
import { inbox } from './inbox.js';
import { taskForms } from './taskForms.js';
import { facts } from './facts.js';
import { legal } from './legal.js';
import { imports } from './imports.js';
import { letters } from './letters.js';
import { dashboard } from './dashboard.js';
import { portfolios } from './portfolios.js';
import { policy } from './policy.js';
import { policyFields } from './policyFields.js';
import { notices } from './notices.js';
import { schedules } from './schedules.js';

/** Every area in one dictionary; an area may not repeat another's key (tests/unit/web-i18n.test.ts). */
export const esEC = {
  ...app,
  ...vocabulary,
  ...cases,
  ...agreements,
  ...events,
  ...inbox,
  ...taskForms,
  ...facts,
  ...legal,
  ...imports,
  ...letters,
  ...dashboard,
  ...portfolios,
  ...policy,
  ...policyFields,
  ...notices,
  ...schedules,
};

/** Each area on its own, for the test that no key is in two areas. */
export const esECAreas = {
  app,
  vocabulary,
  cases,
  agreements,
  events,
  inbox,
  taskForms,
  facts,
  legal,
  imports,
  letters,
  dashboard,
  portfolios,
  policy,
  policyFields,
  notices,
  schedules,
};
