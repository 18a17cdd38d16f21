import type { z } from 'zod';
import { TASKS } from '../../../domain/tasks.js';
import { api } from '../api.js';
import type { TaskCompleted, TaskType } from '../api.js';
import { lookup, useI18n } from '../i18n/index.js';
import type { Locale } from '../i18n/index.js';
import { SpecForm } from './SpecForm.js';
import { FORM_SPECS } from './taskForms.js';

/** First text found among `keys` (most specific first), else the last key's tail. */
export function pick(locale: Locale, keys: string[]): string {
  for (const k of keys) {
    const text = lookup(locale, k);
    if (text !== undefined) return text;
  }
  return keys[keys.length - 1]?.split('.').pop() ?? '';
}

export function fieldLabel(locale: Locale, type: TaskType, name: string): string {
  return pick(locale, [`taskField.${type}.${name}`, `taskField.${name}`]);
}

export function optionLabel(locale: Locale, type: TaskType, name: string, value: string): string {
  return pick(locale, [`taskOption.${type}.${name}.${value}`, `taskOption.${name}.${value}`]);
}

interface Props {
  taskId: string;
  type: TaskType;
  /** Called once the API accepted the form. */
  onDone: (result: TaskCompleted) => void;
}

/** The form that completes one task; validated with the task type's schema before sending. */
export function TaskForm({ taskId, type, onDone }: Props) {
  const { t, locale } = useI18n();
  return (
    <SpecForm
      spec={FORM_SPECS[type]}
      schema={TASKS[type].form as z.ZodType}
      name={t('task.form', { type: pick(locale, [`taskType.${type}`]) })}
      legend={pick(locale, [`taskChoice.${type}`])}
      label={(name) => fieldLabel(locale, type, name)}
      option={(name, value) => optionLabel(locale, type, name, value)}
      submitLabel={t('task.submit')}
      busyLabel={t('task.submitting')}
      onSubmit={async (form) => onDone(await api.completeTask(taskId, form))}
      // Field errors come as "form.<field>".
      fieldOf={(k) => k.replace(/^form\./, '')}
      testId="task-form"
      dataAttributes={{ 'data-task-type': type }}
    />
  );
}
