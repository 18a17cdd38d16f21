// English: one file per area, each with exactly the keys of its Spanish file.
import type { Translation } from '../messages.js';
import type { esEC } from '../es-EC/index.js';
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

export const en = {
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
} satisfies Translation<typeof esEC>;

export const enAreas = {
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
