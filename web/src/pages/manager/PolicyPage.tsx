import { useEffect, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError } from '../../api.js';
import { ErrorAlert } from '../../components/ErrorAlert.js';
import { Loading } from '../../components/Loading.js';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../format.js';
import { useLoad } from '../../useLoad.js';
import { useTitle } from '../../useTitle.js';
import { LEGAL_ROUTES, WAITING_PERIOD_UNITS, managerApi } from './api.js';
import type {
  LocalHoliday,
  Policy,
  PolicySaved,
  PolicyVersion,
  WaitingPeriod,
  WaitingPeriodUnit,
} from './api.js';
import {
  MORATORIUM_SECTION_ID,
  POLICY_SECTIONS,
  checkDrafts,
  draftsOf,
  fieldForErrorKey,
  fieldId,
  hintKey,
  labelKey,
  valueAt,
} from './policyFields.js';
import type { Draft, DraftError, FieldDef, HolidayDraft } from './policyFields.js';
import { useHeadingFocus } from './focus.js';
import { useI18n } from '../../i18n/index.js';
import type { I18n } from '../../i18n/index.js';
import './manager.css';

const NOTE_MIN = 3;
/** The moratorium's section takes a whole row of the grid, marked at its side. */
const PROMINENT = { gridColumn: '1 / -1', borderLeft: '6px solid currentColor' } as const;

export function PolicyPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useI18n();
  useTitle(t('pol.title'));
  const heading = useHeadingFocus();
  const current = useLoad((signal) => managerApi.policy(signal), 'policy');
  const versions = useLoad((signal) => managerApi.policyVersions(signal), 'policy-versions');
  const [editing, setEditing] = useState(false);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const [told, setTold] = useState<PolicySaved['runningCasesTold']>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const [returnFocus, setReturnFocus] = useState(false);

  // Cancelling hides the form: give focus back to the button that opened it.
  useEffect(() => {
    if (returnFocus && !editing) {
      editButton.current?.focus();
      setReturnFocus(false);
    }
  }, [returnFocus, editing]);

  function onSaved(v: PolicySaved) {
    setEditing(false);
    setSavedVersion(v.version);
    setTold(v.runningCasesTold ?? null);
    current.reload();
    versions.reload();
    document.getElementById('pol-heading')?.focus();
  }

  const data = current.data;
  return (
    <div className="mgr">
      <div className="page-head">
        <div>
          <h1 id="pol-heading" ref={heading} tabIndex={-1}>
            {t('pol.title')}
          </h1>
          <p className="page-sub">
            {t('pol.runningNote')} {t('pol.runningReach')}
          </p>
        </div>
        {canEdit && data && !editing && (
          <button
            ref={editButton}
            type="button"
            className="btn btn-primary"
            onClick={() => {
              setSavedVersion(null);
              setEditing(true);
            }}
            data-testid="policy-edit"
          >
            {t('pol.edit')}
          </button>
        )}
      </div>

      <div role="status" aria-live="polite" data-testid="policy-status">
        {savedVersion !== null && (
          <p className="alert mgr-status-ok">
            {t('pol.saved', { n: savedVersion })}
            {told && (
              <>
                {' '}
                {told.workflows === null
                  ? t('pol.toldUnknown')
                  : t('pol.told', { count: told.workflows })}
              </>
            )}
          </p>
        )}
      </div>

      <ErrorAlert error={current.error} onRetry={current.reload} />
      {current.loading && <Loading />}

      {data && <MoratoriumBanner policy={data.policy} />}
      {data && <VersionCard version={data} />}
      {data &&
        (editing ? (
          <PolicyForm
            key={data.version}
            current={data}
            onCancel={() => {
              setEditing(false);
              setReturnFocus(true);
            }}
            onSaved={onSaved}
          />
        ) : (
          <PolicyView policy={data.policy} />
        ))}

      {canEdit && (
        <section className="card" aria-labelledby="pol-versions" data-testid="policy-versions">
          <h2 id="pol-versions">{t('pol.versions')}</h2>
          <ErrorAlert error={versions.error} onRetry={versions.reload} />
          {versions.data && <VersionsTable items={versions.data.items} current={data?.version} />}
        </section>
      )}
    </div>
  );
}

/**
 * The moratorium on cuts, at the top of the page whatever its state: it stops every new cut in
 * every running case, so a manager must see at a glance whether one is in force.
 */
function MoratoriumBanner({ policy }: { policy: Policy }) {
  const { t } = useI18n();
  const m = policy.suspension.moratorium;
  return (
    <section
      className={`alert ${m.active ? 'alert-warn' : 'alert-info'} mgr-moratorium`}
      aria-labelledby="pol-moratorium"
      data-testid="policy-moratorium"
      data-active={m.active}
    >
      <h2 id="pol-moratorium">
        {m.active && <span aria-hidden="true">⚠ </span>}
        {t('sec.moratorium')}
      </h2>
      <p>
        <strong>{m.active ? t('pol.moratorium.on') : t('pol.moratorium.off')}</strong>
      </p>
      {m.active && (
        <p>
          {m.decree
            ? t('pol.moratorium.decree', { decree: m.decree })
            : t('pol.moratorium.noDecree')}{' '}
          {t('pol.moratorium.reach')}
        </p>
      )}
    </section>
  );
}

function VersionCard({ version }: { version: PolicyVersion }) {
  const { t, locale } = useI18n();
  return (
    <section className="card" aria-labelledby="pol-current" data-testid="policy-current">
      <div className="mgr-version-head">
        <h2 id="pol-current">{t('pol.current')}</h2>
      </div>
      <dl className="mgr-version-facts">
        <div>
          <dt>{t('pol.version')}</dt>
          <dd data-testid="policy-version">{version.version}</dd>
        </div>
        <div>
          <dt>{t('pol.createdAt')}</dt>
          <dd>{formatDateTime(version.createdAt, locale)}</dd>
        </div>
        <div>
          <dt>{t('pol.createdBy')}</dt>
          <dd>{version.createdBy ?? t('common.system')}</dd>
        </div>
        <div>
          <dt>{t('pol.note')}</dt>
          <dd>{version.note ?? <span className="muted">{t('pol.noNote')}</span>}</dd>
        </div>
      </dl>
    </section>
  );
}

function VersionsTable({
  items,
  current,
}: {
  items: { version: number; createdAt: string; createdBy: string | null; note: string | null }[];
  current: number | undefined;
}) {
  const { t, locale } = useI18n();
  if (items.length === 0) return <p className="empty">{t('pol.versions.empty')}</p>;
  const sorted = [...items].sort((a, b) => b.version - a.version);
  return (
    <div
      className="table-wrap table-wrap-tall"
      tabIndex={0}
      role="region"
      aria-label={t('pol.versions')}
    >
      <table className="table">
        <caption className="visually-hidden">{t('pol.versions')}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('pol.version')}
            </th>
            <th scope="col">{t('pol.createdAt')}</th>
            <th scope="col">{t('pol.createdBy')}</th>
            <th scope="col">{t('pol.note')}</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((v) => (
            <tr
              key={v.version}
              aria-current={v.version === current ? 'true' : undefined}
              data-testid="policy-version-row"
            >
              <td className="num">{v.version}</td>
              <td>{formatDateTime(v.createdAt, locale)}</td>
              <td>{v.createdBy ?? t('common.system')}</td>
              <td>{v.note ?? <span className="muted">{t('pol.noNote')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function unitLabel(i18n: I18n, unit: WaitingPeriodUnit): string {
  return i18n.t(`unit.${unit}`);
}

function formatValue(i18n: I18n, field: FieldDef, value: unknown): string {
  const { t, locale } = i18n;
  switch (field.kind) {
    case 'legalRoute':
      return (LEGAL_ROUTES as readonly string[]).includes(String(value))
        ? t(`legalRoute.${value as (typeof LEGAL_ROUTES)[number]}`)
        : String(value);
    case 'bp':
      return `${formatNumber(Number(value) / 100, locale, 2)} %`;
    case 'cents':
      return formatMoney(Number(value) / 100);
    case 'int':
    case 'decimal':
      return formatNumber(Number(value), locale, 2);
    case 'wait': {
      const w = value as WaitingPeriod;
      return t(`unitCount.${w.unit}`, { count: w.amount });
    }
    case 'dates': {
      const list = value as string[];
      return list.length === 0
        ? t('pol.noDates')
        : list.map((d) => formatDate(d, locale)).join(', ');
    }
    case 'holidays': {
      const list = (value as LocalHoliday[] | undefined) ?? [];
      return list.length === 0
        ? t('pol.noLocalHolidays')
        : list.map((h) => `${dayMonth(h, locale)}: ${h.name}`).join('; ');
    }
    case 'bool':
      return value ? t('pol.bool.on') : t('pol.bool.off');
    case 'text':
      return String(value ?? '') || '—';
  }
}

/** "25 de junio" / "25 June": a yearly date in the reader's language. */
function dayMonth(h: { month: number; day: number }, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2001, h.month - 1, h.day)),
  );
}

/** A draft that cannot be read, as the person is told. */
function draftErrorText(i18n: I18n, error: DraftError): string {
  const { t } = i18n;
  switch (error) {
    case 'date':
      return t('pol.invalidDate');
    case 'holidays':
      return t('pol.localHoliday.invalid');
    case 'text':
      return t('pol.invalidText');
    case 'decree':
      return t('pol.moratorium.decreeRequired');
    case 'number':
      return t('pol.invalidNumber');
  }
}

function PolicyView({ policy }: { policy: Policy }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div className="mgr-policy-grid">
      {POLICY_SECTIONS.map((section) => (
        <section
          key={section.id}
          className={`card mgr-policy-section${section.id === MORATORIUM_SECTION_ID ? ' mgr-moratorium' : ''}`}
          style={section.id === MORATORIUM_SECTION_ID ? PROMINENT : undefined}
          aria-labelledby={`pol-sec-${section.id}`}
          data-testid={`policy-section-${section.id}`}
        >
          <h2 id={`pol-sec-${section.id}`}>{t(section.title)}</h2>
          <dl className="mgr-values">
            {section.fields.map((field) => {
              const hint = hintKey(field);
              return (
                <div
                  key={field.path}
                  className="mgr-value"
                  data-testid={`policy-value-${field.path}`}
                >
                  <dt>
                    {t(labelKey(field))}
                    {hint && <span className="mgr-value-hint">{t(hint)}</span>}
                  </dt>
                  <dd>{formatValue(i18n, field, valueAt(policy, field.path))}</dd>
                </div>
              );
            })}
          </dl>
        </section>
      ))}
    </div>
  );
}

type FieldErrors = Record<string, string>;

function PolicyForm({
  current,
  onCancel,
  onSaved,
}: {
  current: PolicyVersion;
  onCancel: () => void;
  onSaved: (v: PolicySaved) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => draftsOf(current.policy));
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const check = checkDrafts(current.policy, drafts);

  // The button that opened the form is gone: start the keyboard user at the first value.
  useEffect(() => {
    const first = POLICY_SECTIONS[0]?.fields[0];
    if (first) document.getElementById(fieldId(first))?.focus();
  }, []);

  function setDraft(path: string, value: Draft) {
    setDrafts((prev) => ({ ...prev, [path]: value }));
    setFieldErrors((prev) => {
      if (!(path in prev)) return prev;
      const next = { ...prev };
      delete next[path];
      return next;
    });
  }

  function focusFirst(paths: string[], noteFirst: boolean) {
    // Focus the first invalid value in page order, so a keyboard user lands on it.
    const field = POLICY_SECTIONS.flatMap((sec) => sec.fields).find((f) => paths.includes(f.path));
    const id = field ? fieldId(field) : noteFirst ? 'pol-note' : null;
    if (id) document.getElementById(id)?.focus();
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (saving) return;
    setFormError(null);
    const localErrors: FieldErrors = {};
    for (const [path, kind] of Object.entries(check.errors))
      localErrors[path] = draftErrorText(i18n, kind);
    const noteMsg = note.trim().length < NOTE_MIN ? t('pol.reasonRequired') : null;
    setFieldErrors(localErrors);
    setNoteError(noteMsg);
    if (Object.keys(localErrors).length > 0) {
      setFormError(t('pol.fixErrors'));
      focusFirst(Object.keys(localErrors), false);
      return;
    }
    if (check.changed.size === 0) {
      setFormError(t('pol.noChanges'));
      return;
    }
    if (noteMsg) {
      document.getElementById('pol-note')?.focus();
      return;
    }
    setSaving(true);
    try {
      const saved = await managerApi.updatePolicy(check.patch, note.trim());
      onSaved(saved);
    } catch (err) {
      const apiErrors: FieldErrors = {};
      let unplaced = false;
      if (err instanceof ApiError && err.fields) {
        for (const [key, msg] of Object.entries(err.fields)) {
          const field = fieldForErrorKey(key);
          if (key === 'note') setNoteError(msg);
          else if (field) apiErrors[field.path] ??= msg;
          else unplaced = true;
        }
      }
      setFieldErrors(apiErrors);
      // Errors shown next to their value are listed by name below; keep raw paths only for
      // errors that belong to no value on the page.
      setFormError(
        err instanceof ApiError && err.fields && !unplaced
          ? err.message || t('pol.fixErrors')
          : err,
      );
      focusFirst(Object.keys(apiErrors), Boolean(err instanceof ApiError && err.fields?.note));
    } finally {
      setSaving(false);
    }
  }

  const changedCount = check.changed.size;
  return (
    <form
      className="mgr-form"
      onSubmit={submit}
      noValidate
      aria-labelledby="pol-editing"
      data-testid="policy-form"
    >
      <h2 id="pol-editing" className="visually-hidden">
        {t('pol.editing')}
      </h2>
      <div className="mgr-policy-grid">
        {POLICY_SECTIONS.map((section) => (
          <fieldset
            key={section.id}
            className={`card mgr-policy-section${section.id === MORATORIUM_SECTION_ID ? ' mgr-moratorium' : ''}`}
            style={section.id === MORATORIUM_SECTION_ID ? PROMINENT : undefined}
            data-testid={`policy-section-${section.id}`}
          >
            <legend className="visually-hidden">{t(section.title)}</legend>
            <h2 aria-hidden="true">{t(section.title)}</h2>
            <div className="mgr-values">
              {section.fields.map((field) => (
                <FieldEditor
                  key={field.path}
                  field={field}
                  draft={drafts[field.path]}
                  changed={check.changed.has(field.path)}
                  error={fieldErrors[field.path] ?? null}
                  onChange={(v) => setDraft(field.path, v)}
                />
              ))}
            </div>
          </fieldset>
        ))}
      </div>

      <div className="card mgr-edit-bar" data-testid="policy-edit-bar">
        <ErrorAlert error={formError} />
        <ErrorList errors={fieldErrors} />
        <div className="field">
          <label htmlFor="pol-note">{t('pol.reason')}</label>
          <textarea
            id="pol-note"
            value={note}
            required
            minLength={NOTE_MIN}
            aria-required="true"
            aria-invalid={noteError ? true : undefined}
            aria-describedby={noteError ? 'pol-note-hint pol-note-error' : 'pol-note-hint'}
            className={noteError ? 'mgr-invalid' : undefined}
            onChange={(e) => {
              setNote(e.target.value);
              if (noteError && e.target.value.trim().length >= NOTE_MIN) setNoteError(null);
            }}
          />
          <span id="pol-note-hint" className="mgr-value-hint">
            {t('pol.reasonHint')}
          </span>
          {noteError && (
            <p id="pol-note-error" className="mgr-field-error">
              {noteError}
            </p>
          )}
        </div>
        <div className="mgr-edit-actions">
          <button type="submit" className="btn btn-primary" aria-busy={saving || undefined}>
            {saving ? t('common.saving') : t('pol.save')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <span aria-live="polite" data-testid="policy-changed-count">
            {changedCount === 0 ? t('pol.noChanges') : t('pol.changed', { count: changedCount })}
          </span>
        </div>
      </div>
    </form>
  );
}

function FieldEditor({
  field,
  draft,
  changed,
  error,
  onChange,
}: {
  field: FieldDef;
  draft: Draft | undefined;
  changed: boolean;
  error: string | null;
  onChange: (v: Draft) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = fieldId(field);
  const label = t(labelKey(field));
  const hint = hintKey(field);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  const common = {
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
  };
  const invalidClass = error ? ' mgr-invalid' : '';
  const labelId = `${id}-label`;

  let input: ReactNode = null;
  if (draft === undefined) return null;
  switch (field.kind) {
    case 'legalRoute':
      input = (
        <select
          id={id}
          value={draft as string}
          onChange={(e) => onChange(e.target.value)}
          className={invalidClass.trim() || undefined}
          {...common}
        >
          {LEGAL_ROUTES.map((r) => (
            <option key={r} value={r}>
              {t(`legalRoute.${r}`)}
            </option>
          ))}
        </select>
      );
      break;
    case 'bp':
    case 'cents':
    case 'int':
    case 'decimal':
      input = (
        <>
          {field.kind === 'cents' && (
            <span className="mgr-suffix" aria-hidden="true">
              $
            </span>
          )}
          <input
            id={id}
            type="text"
            inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
            value={draft as string}
            onChange={(e) => onChange(e.target.value)}
            className={`mgr-input-num${invalidClass}`}
            {...common}
          />
          {field.kind === 'bp' && <span className="mgr-suffix">{t('pol.percent')}</span>}
          {field.kind === 'cents' && <span className="mgr-suffix">{t('pol.usd')}</span>}
        </>
      );
      break;
    case 'wait': {
      const w = draft as { amount: string; unit: WaitingPeriodUnit };
      input = (
        <>
          <input
            id={id}
            type="text"
            inputMode="numeric"
            aria-label={`${label}: ${t('pol.amount')}`}
            value={w.amount}
            onChange={(e) => onChange({ ...w, amount: e.target.value })}
            className={`mgr-input-amount${invalidClass}`}
            {...common}
          />
          <select
            aria-label={`${label}: ${t('pol.unit')}`}
            value={w.unit}
            onChange={(e) => onChange({ ...w, unit: e.target.value as WaitingPeriodUnit })}
          >
            {WAITING_PERIOD_UNITS.map((u) => (
              <option key={u} value={u}>
                {unitLabel(i18n, u)}
              </option>
            ))}
          </select>
        </>
      );
      break;
    }
    case 'bool':
      input = (
        <label className="mgr-switch">
          <input
            id={id}
            type="checkbox"
            role="switch"
            checked={draft as boolean}
            onChange={(e) => onChange(e.target.checked)}
            {...common}
          />
          <span>{(draft as boolean) ? t('pol.bool.on') : t('pol.bool.off')}</span>
        </label>
      );
      break;
    case 'text':
      input = (
        <input
          id={id}
          type="text"
          value={draft as string}
          maxLength={field.maxLength}
          onChange={(e) => onChange(e.target.value)}
          className={`mgr-input-text${invalidClass}`}
          {...common}
        />
      );
      break;
    case 'holidays':
      input = (
        <HolidaysEditor
          id={id}
          label={label}
          holidays={draft as HolidayDraft[]}
          invalid={Boolean(error)}
          describedBy={describedBy || undefined}
          onChange={onChange}
        />
      );
      break;
    case 'dates':
      input = (
        <DatesEditor
          id={id}
          label={label}
          dates={draft as string[]}
          invalid={Boolean(error)}
          describedBy={describedBy || undefined}
          onChange={onChange}
        />
      );
      break;
  }

  const grouped = field.kind === 'wait' || field.kind === 'dates' || field.kind === 'holidays';
  const labelEl = grouped ? (
    <span id={labelId} className="mgr-value-label">
      {label}
    </span>
  ) : (
    <label id={labelId} htmlFor={id} className="mgr-value-label">
      {label}
    </label>
  );

  return (
    <div
      className={`mgr-value${changed ? ' mgr-changed' : ''}`}
      role={grouped ? 'group' : undefined}
      aria-labelledby={grouped ? labelId : undefined}
      data-testid={`policy-field-${field.path}`}
    >
      <div>
        {labelEl}
        {changed && <span className="badge mgr-changed-badge">{t('pol.changedMark')}</span>}
        {hint && (
          <span id={hintId} className="mgr-value-hint">
            {t(hint)}
          </span>
        )}
      </div>
      <div className="mgr-value-edit">
        {input}
        {error && (
          <p id={errorId} className="mgr-field-error">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

function DatesEditor({
  id,
  label,
  dates,
  invalid,
  describedBy,
  onChange,
}: {
  id: string;
  label: string;
  dates: string[];
  invalid: boolean;
  describedBy: string | undefined;
  onChange: (v: string[]) => void;
}) {
  const { t, locale } = useI18n();
  const [next, setNext] = useState('');
  function add() {
    if (!next || dates.includes(next)) return;
    onChange([...dates, next].sort());
    setNext('');
  }
  return (
    <div>
      {dates.length === 0 ? (
        <p className="muted mgr-no-dates">{t('pol.noDates')}</p>
      ) : (
        <ul className="mgr-dates" aria-label={label}>
          {dates.map((d) => (
            <li key={d}>
              <span>{formatDate(d, locale)}</span>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => onChange(dates.filter((x) => x !== d))}
              >
                {t('pol.removeDate', { date: formatDate(d, locale) })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="mgr-value-edit mgr-date-add">
        <input
          id={id}
          type="date"
          aria-label={`${label}: ${t('pol.newDate')}`}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button
          type="button"
          className="btn btn-secondary btn-small"
          aria-label={`${t('pol.addDate')}: ${label}`}
          onClick={add}
        >
          {t('pol.addDate')}
        </button>
      </div>
    </div>
  );
}

/**
 * The canton's yearly holidays: month, day and name per row, removable; a row is added from
 * the three inputs below the list. Checked when the form is saved (a day that exists, a name).
 */
function HolidaysEditor({
  id,
  label,
  holidays,
  invalid,
  describedBy,
  onChange,
}: {
  id: string;
  label: string;
  holidays: HolidayDraft[];
  invalid: boolean;
  describedBy: string | undefined;
  onChange: (v: HolidayDraft[]) => void;
}) {
  const { t, locale } = useI18n();
  const [next, setNext] = useState<HolidayDraft>({ month: '', day: '', name: '' });
  const months = Array.from({ length: 12 }, (_, i) => i + 1);
  const monthName = (m: number) =>
    new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2001, m - 1, 1)),
    );
  function add() {
    if (!next.month || !next.day.trim() || !next.name.trim()) return;
    onChange([...holidays, { ...next, name: next.name.trim() }]);
    setNext({ month: '', day: '', name: '' });
  }
  const describe = (h: HolidayDraft) => {
    const m = Number(h.month);
    const d = Number(h.day);
    return Number.isInteger(m) && Number.isInteger(d) && m >= 1 && m <= 12 && d >= 1 && d <= 31
      ? `${dayMonth({ month: m, day: d }, locale)}: ${h.name}`
      : `${h.day}/${h.month}: ${h.name}`;
  };
  return (
    <div data-testid="policy-local-holidays">
      {holidays.length === 0 ? (
        <p className="muted mgr-no-dates">{t('pol.noLocalHolidays')}</p>
      ) : (
        <ul className="mgr-dates" aria-label={label}>
          {holidays.map((h, i) => (
            <li key={`${h.month}-${h.day}-${h.name}-${i}`}>
              <span>{describe(h)}</span>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => onChange(holidays.filter((_, j) => j !== i))}
              >
                {t('pol.localHoliday.remove', { name: h.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="mgr-value-edit mgr-date-add">
        <select
          id={id}
          aria-label={`${label}: ${t('pol.localHoliday.month')}`}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          value={next.month}
          onChange={(e) => setNext({ ...next, month: e.target.value })}
        >
          <option value="">{t('pol.localHoliday.month')}</option>
          {months.map((m) => (
            <option key={m} value={String(m)}>
              {monthName(m)}
            </option>
          ))}
        </select>
        <input
          type="text"
          inputMode="numeric"
          className="mgr-input-amount"
          aria-label={`${label}: ${t('pol.localHoliday.day')}`}
          placeholder={t('pol.localHoliday.day')}
          value={next.day}
          onChange={(e) => setNext({ ...next, day: e.target.value })}
        />
        <input
          type="text"
          maxLength={120}
          aria-label={`${label}: ${t('pol.localHoliday.name')}`}
          placeholder={t('pol.localHoliday.name')}
          value={next.name}
          onChange={(e) => setNext({ ...next, name: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button
          type="button"
          className="btn btn-secondary btn-small"
          aria-label={`${t('pol.localHoliday.add')}: ${label}`}
          onClick={add}
        >
          {t('pol.localHoliday.add')}
        </button>
      </div>
    </div>
  );
}

/** The invalid values by name; each button takes the keyboard to its input. */
function ErrorList({ errors }: { errors: FieldErrors }) {
  const { t } = useI18n();
  const fields = POLICY_SECTIONS.flatMap((sec) => sec.fields).filter((f) => errors[f.path]);
  if (fields.length === 0) return null;
  return (
    <ul className="mgr-error-list" aria-label={t('pol.fixErrors')} data-testid="policy-errors">
      {fields.map((f) => (
        <li key={f.path}>
          <button
            type="button"
            className="mgr-link-button"
            onClick={() => document.getElementById(fieldId(f))?.focus()}
          >
            {t(labelKey(f))}
          </button>
          : {errors[f.path]}
        </li>
      ))}
    </ul>
  );
}
