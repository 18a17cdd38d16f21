import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { useI18n } from '../i18n/index.js';
import { initialValuesOf, validateWith } from './taskForms.js';
import type { FieldProblem, FieldSpec, FormSpec, FormValues } from './taskForms.js';

export interface SpecFormProps {
  spec: FormSpec;
  /** The zod schema of the body (from domain/ where it lives there). */
  schema: z.ZodType;
  /** Accessible name of the form. */
  name: string;
  /** Legend of the choice's radio group. */
  legend?: string;
  label: (field: string) => string;
  option: (field: string, value: string) => string;
  submitLabel: string;
  busyLabel: string;
  /** Sends the validated body; a rejected ApiError's fields are shown next to each field. */
  onSubmit: (form: Record<string, unknown>) => Promise<void>;
  /** Server field path → this form's field name (task forms nest under `form.`). */
  fieldOf?: (serverField: string) => string;
  /** data-testid of the form (its parts keep the task form's test ids). */
  testId: string;
  /** Extra attributes on the form element, e.g. the task type. */
  dataAttributes?: Record<string, string>;
}

/**
 * A form from a {@link FormSpec}: an optional choice (radio group), the fields of that choice,
 * checked with `schema` before sending, the server's field errors shown next to each field.
 * Task forms and the case's legal steps share it.
 */
export function SpecForm({
  spec,
  schema,
  name,
  legend,
  label,
  option,
  submitLabel,
  busyLabel,
  onSubmit,
  fieldOf = (k) => k,
  testId,
  dataAttributes,
}: SpecFormProps) {
  const { t } = useI18n();
  const uid = useId();
  const [choice, setChoice] = useState('');
  const [values, setValues] = useState<FormValues>(() => initialValuesOf(spec));
  const [problems, setProblems] = useState<Record<string, FieldProblem>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const fields = spec.fields(choice);
  const idOf = (n: string) => `${uid}-${n.replace(/\W/g, '-')}`;

  function problemText(p: FieldProblem, field?: FieldSpec): string {
    if (p.kind === 'required') return t('form.required');
    if (p.kind === 'message') return p.text;
    switch (p.field) {
      case 'money':
        return t('form.money');
      case 'date':
        return t('form.date');
      case 'datetime':
        return t('form.datetime');
      case 'url':
        return t('form.url');
      case 'coord':
        return field?.name === 'gps.lat' ? t('form.lat') : t('form.lng');
      default:
        return t('form.invalid');
    }
  }

  function focusFirstProblem(names: string[]) {
    // Let React render the messages first, then move focus to the first wrong field.
    requestAnimationFrame(() => {
      const order = [spec.choice?.name, ...fields.map((f) => f.name)];
      const first = order.find((n) => n && names.includes(n));
      if (!first) return;
      const el = formRef.current?.querySelector<HTMLElement>(
        first === spec.choice?.name ? `input[name="${uid}-choice"]` : `#${CSS.escape(idOf(first))}`,
      );
      el?.focus();
    });
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setError(null);
    const { form, problems: found } = validateWith(spec, schema, choice, values);
    setProblems(found);
    if (Object.keys(found).length > 0) {
      setError(t('form.fix'));
      focusFirstProblem(Object.keys(found));
      return;
    }
    setBusy(true);
    try {
      await onSubmit(form);
    } catch (err) {
      if (err instanceof ApiError && err.fields) {
        // Show the server's field errors next to the fields.
        const mapped: Record<string, FieldProblem> = {};
        const rest: Record<string, string> = {};
        for (const [k, msg] of Object.entries(err.fields)) {
          const field = fieldOf(k);
          if (field === spec.choice?.name || fields.some((f) => f.name === field))
            mapped[field] = { kind: 'message', text: msg };
          else rest[k] = msg;
        }
        setProblems(mapped);
        setError(new ApiError(err.status, err.code, err.message, rest));
        focusFirstProblem(Object.keys(mapped));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  const set = (name: string, value: string) => {
    setValues((v) => ({ ...v, [name]: value }));
    // The "check the marked fields" summary goes once the person edits again.
    if (typeof error === 'string') setError(null);
    if (problems[name])
      setProblems((prev) => {
        const next = { ...prev };
        delete next[name];
        return next;
      });
  };

  function fillMyLocation() {
    navigator.geolocation?.getCurrentPosition((pos) => {
      set('gps.lat', pos.coords.latitude.toFixed(6));
      set('gps.lng', pos.coords.longitude.toFixed(6));
    });
  }

  const choiceProblem = spec.choice ? problems[spec.choice.name] : undefined;
  const hasGps = fields.some((f) => f.kind === 'coord');

  return (
    <form
      ref={formRef}
      className="task-form"
      noValidate
      onSubmit={submit}
      data-testid={testId}
      {...dataAttributes}
      aria-label={name}
    >
      <ErrorAlert error={error} />
      {spec.choice && (
        <fieldset
          className="choice"
          aria-invalid={choiceProblem ? true : undefined}
          aria-describedby={choiceProblem ? `${uid}-choice-error` : undefined}
          data-testid="task-choice"
        >
          <legend>
            {legend}{' '}
            <span className="required-mark" aria-hidden="true">
              {t('form.requiredMark')}
            </span>
          </legend>
          {spec.choice.options.map((o) => (
            <label key={o} className="choice-option">
              <input
                type="radio"
                name={`${uid}-choice`}
                value={o}
                checked={choice === o}
                onChange={() => {
                  setChoice(o);
                  setProblems({});
                  setError(null);
                }}
              />
              <span>{option(spec.choice?.name ?? '', o)}</span>
            </label>
          ))}
          {choiceProblem && (
            <p className="field-error" id={`${uid}-choice-error`}>
              <span aria-hidden="true">⚠ </span>
              {problemText(choiceProblem)}
            </p>
          )}
        </fieldset>
      )}

      {(!spec.choice || choice) &&
        fields.map((f) => {
          const id = idOf(f.name);
          const p = problems[f.name];
          const errId = `${id}-error`;
          const common = {
            id,
            name: f.name,
            value: values[f.name] ?? '',
            'aria-invalid': p ? true : undefined,
            'aria-describedby': p ? errId : undefined,
            'aria-required': f.required ? true : undefined,
            'data-testid': `field-${f.name}`,
          } as const;
          return (
            <div className="field" key={`${choice}:${f.name}`}>
              <label htmlFor={id}>
                {label(f.name)}
                {f.required ? (
                  <span className="required-mark" aria-hidden="true">
                    {' '}
                    {t('form.requiredMark')}
                  </span>
                ) : (
                  <span className="optional-mark" aria-hidden="true">
                    {' '}
                    {t('form.optional')}
                  </span>
                )}
              </label>
              {f.kind === 'textarea' ? (
                <textarea
                  {...common}
                  rows={3}
                  maxLength={2000}
                  onChange={(e) => set(f.name, e.target.value)}
                />
              ) : f.kind === 'select' ? (
                <select {...common} onChange={(e) => set(f.name, e.target.value)}>
                  <option value="">{t('form.choose')}</option>
                  {(f.options ?? []).map((o) => (
                    <option key={o} value={o}>
                      {option(f.name, o)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...common}
                  type={
                    f.kind === 'date'
                      ? 'date'
                      : f.kind === 'datetime'
                        ? 'datetime-local'
                        : f.kind === 'url'
                          ? 'url'
                          : 'text'
                  }
                  inputMode={
                    f.kind === 'money' || f.kind === 'coord'
                      ? 'decimal'
                      : f.kind === 'url'
                        ? 'url'
                        : undefined
                  }
                  placeholder={
                    f.kind === 'money' ? '0.00' : f.kind === 'url' ? 'https://…' : undefined
                  }
                  onChange={(e) => set(f.name, e.target.value)}
                />
              )}
              {p && (
                <p className="field-error" id={errId}>
                  <span aria-hidden="true">⚠ </span>
                  {problemText(p, f)}
                </p>
              )}
            </div>
          );
        })}
      {hasGps && typeof navigator !== 'undefined' && 'geolocation' in navigator && (
        <p>
          <button type="button" className="btn btn-secondary btn-small" onClick={fillMyLocation}>
            {t('task.useLocation')}
          </button>
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy} data-testid="task-submit">
        {busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}
