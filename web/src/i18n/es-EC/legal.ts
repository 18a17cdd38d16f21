// The legal unit's inbox (títulos de crédito and coactivas).
import type { Messages } from '../messages.js';

export const legal = {
  'legal.title': 'Bandeja jurídica',
  'legal.tasks': 'Tareas jurídicas',
  'legal.tasksCount': '({open} abiertas, {overdue} vencidas)',
  'legal.tasks.empty': 'No hay tareas jurídicas abiertas.',
  'legal.cases': 'Casos en trámite jurídico',
  'legal.stageTabs': 'Etapa jurídica',
  'legal.caption': 'Casos en {stage}',
  'legal.total': { one: '{count} caso', other: '{count} casos' },
  'legal.empty': 'No hay casos en esta etapa.',
  'legal.notReady': 'La lista de casos jurídicos todavía no está disponible en el servidor.',
  'legal.col.account': 'Cuenta / titular',
  'legal.col.title': 'Título de crédito',
  'legal.col.notification': 'Notificación',
  'legal.col.deadline': 'Próximo plazo',
  'legal.col.paymentOrder': 'Orden de pago',
  'legal.col.measures': 'Medidas cautelares',
  'legal.col.tasks': 'Tareas',
  'legal.issuedOn': 'emitido {date}',
  'legal.validatedOn': 'validado {date}',
  'legal.notNotified': 'Sin notificar',
  'legal.deadline.left': { one: '{count} día hábil', other: '{count} días hábiles' },
  'legal.deadline.overdue': {
    one: 'Vencido hace {count} día hábil',
    other: 'Vencido hace {count} días hábiles',
  },
} satisfies Messages;
