// The legal unit's inbox (títulos de crédito and coactivas).
import type { Translation } from '../messages.js';
import type { legal as es } from '../es-EC/legal.js';

export const legal = {
  'legal.title': 'Legal inbox',
  'legal.tasks': 'Legal tasks',
  'legal.tasksCount': '({open} open, {overdue} overdue)',
  'legal.tasks.empty': 'No open legal tasks.',
  'legal.cases': 'Cases in legal process',
  'legal.stageTabs': 'Legal stage',
  'legal.caption': 'Cases in {stage}',
  'legal.total': { one: '{count} case', other: '{count} cases' },
  'legal.empty': 'No cases in this stage.',
  'legal.notReady': 'The legal case list is not available on the server yet.',
  'legal.col.account': 'Account / holder',
  'legal.col.title': 'Credit title',
  'legal.col.notification': 'Notification',
  'legal.col.deadline': 'Next deadline',
  'legal.col.paymentOrder': 'Payment order',
  'legal.col.measures': 'Precautionary measures',
  'legal.col.tasks': 'Tasks',
  'legal.issuedOn': 'issued {date}',
  'legal.validatedOn': 'validated {date}',
  'legal.notNotified': 'Not notified',
  'legal.deadline.left': { one: '{count} business day', other: '{count} business days' },
  'legal.deadline.overdue': {
    one: 'Overdue by {count} business day',
    other: 'Overdue by {count} business days',
  },
} satisfies Translation<typeof es>;
