import { useState } from 'react';
import type { FormEvent } from 'react';
import { STAGES, api } from '../api.js';
import type {
  Stage,
  TaskCompleted,
  TaskItem,
  TaskListQuery,
  TaskScope,
  TaskStatusFilter,
  User,
} from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Loading } from '../components/Loading.js';
import { Pagination } from '../components/Pagination.js';
import { formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { isSupervisor } from '../roles.js';
import { href, navigate } from '../router.js';
import { normaliseMoney } from '../tasks/taskForms.js';
import { TaskPanel } from '../tasks/TaskPanel.js';
import { TaskTable } from '../tasks/TaskTable.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

const PAGE_SIZE = 50;
const SCOPES = ['mine', 'team', 'role', 'all'] as const;
type ScopeChoice = (typeof SCOPES)[number];
const STATUSES: readonly TaskStatusFilter[] = ['open', 'overdue', 'done'];

interface Filters {
  scope: ScopeChoice;
  status: TaskStatusFilter;
  sector: string;
  route: string;
  stage: Stage | '';
  amountMin: string;
  amountMax: string;
  sort: 'due' | 'priority';
  page: number;
  task: string;
}

/** Collectors start on their own tasks; supervisors on everything they oversee. */
function defaultScope(user: User): ScopeChoice {
  return isSupervisor(user.role) ? 'all' : 'mine';
}

function readFilters(params: URLSearchParams, user: User): Filters {
  const scope = params.get('scope');
  const status = params.get('status');
  const stage = params.get('stage') ?? '';
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    scope: (SCOPES as readonly string[]).includes(scope ?? '')
      ? (scope as ScopeChoice)
      : defaultScope(user),
    status: (STATUSES as readonly string[]).includes(status ?? '')
      ? (status as TaskStatusFilter)
      : 'open',
    sector: params.get('sector') ?? '',
    route: params.get('route') ?? '',
    stage: (STAGES as readonly string[]).includes(stage) ? (stage as Stage) : '',
    amountMin: params.get('amountMin') ?? '',
    amountMax: params.get('amountMax') ?? '',
    sort: params.get('sort') === 'priority' ? 'priority' : 'due',
    page: Number.isFinite(page) && page > 0 ? page : 1,
    task: params.get('task') ?? '',
  };
}

function go(f: Filters, user: User, opts: { replace?: boolean } = {}) {
  navigate(
    href('/inbox', {
      scope: f.scope === defaultScope(user) ? undefined : f.scope,
      status: f.status === 'open' ? undefined : f.status,
      sector: f.sector.trim(),
      route: f.route.trim(),
      stage: f.stage,
      amountMin: f.amountMin.trim(),
      amountMax: f.amountMax.trim(),
      sort: f.sort === 'due' ? undefined : f.sort,
      page: f.page > 1 ? f.page : undefined,
      task: f.task,
    }),
    opts,
  );
}

export function InboxPage({ params, user }: { params: URLSearchParams; user: User }) {
  const { t, tv, locale } = useI18n();
  const filters = readFilters(params, user);
  const title = isSupervisor(user.role) ? t('inbox.titleTeam') : t('inbox.title');
  useTitle(title);
  const query: TaskListQuery = {
    scope: filters.scope === 'all' ? undefined : (filters.scope as TaskScope),
    status: filters.status,
    sector: filters.sector || undefined,
    route: filters.route || undefined,
    stage: filters.stage || undefined,
    amountMin: filters.amountMin ? normaliseMoney(filters.amountMin) : undefined,
    amountMax: filters.amountMax ? normaliseMoney(filters.amountMax) : undefined,
    sort: filters.sort,
    page: filters.page,
    pageSize: PAGE_SIZE,
  };
  const queryKey = JSON.stringify(query);
  const list = useLoad((signal) => api.listTasks(query, signal), queryKey);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Completed here: hidden at once, before the list comes back without them.
  const [completed, setCompleted] = useState<Set<string>>(() => new Set());
  const [lastOpened, setLastOpened] = useState<TaskItem | null>(null);

  const items = (list.data?.items ?? []).filter(
    (x) => filters.status === 'done' || !completed.has(x.id),
  );
  const selected =
    items.find((x) => x.id === filters.task) ??
    (lastOpened?.id === filters.task && !completed.has(lastOpened.id) ? lastOpened : null);

  function open(task: TaskItem) {
    setLastOpened(task);
    setNotice(null);
    go({ ...filters, task: task.id }, user);
  }

  async function assign(task: TaskItem, how: 'claim' | 'release') {
    setBusyId(task.id);
    setActionError(null);
    try {
      const res = how === 'claim' ? await api.claimTask(task.id) : await api.releaseTask(task.id);
      setNotice(
        how === 'claim'
          ? t('tasks.claimed', { account: task.case.accountNumber })
          : t('tasks.released', { account: task.case.accountNumber }),
      );
      if (lastOpened?.id === task.id) setLastOpened({ ...task, assignee: res.assignee });
      list.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusyId(null);
    }
  }

  function done(task: TaskItem, result: TaskCompleted) {
    setCompleted((s) => new Set(s).add(result.taskId));
    setNotice(t('task.completed', { title: task.title, account: task.case.accountNumber }));
    go({ ...filters, task: '' }, user, { replace: true });
    list.reload();
    // The notice is announced (role=status); move focus there so keyboard users hear it.
    requestAnimationFrame(() => document.getElementById('inbox-notice')?.focus());
  }

  const counts = list.data?.counts;
  const scopes = SCOPES.filter((s) => s !== 'all' || isSupervisor(user.role));

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        {counts && (
          <ul className="task-counts" aria-label={t('inbox.counts')} data-testid="task-counts">
            <li className="count-open" data-testid="count-open">
              <span className="count-value">{formatNumber(counts.open, locale)}</span>{' '}
              {t('inbox.count.open', { count: counts.open })}
            </li>
            <li
              className={counts.overdue > 0 ? 'count-overdue has-overdue' : 'count-overdue'}
              data-testid="count-overdue"
            >
              {counts.overdue > 0 && <span aria-hidden="true">⚠ </span>}
              <span className="count-value">{formatNumber(counts.overdue, locale)}</span>{' '}
              {t('inbox.count.overdue', { count: counts.overdue })}
            </li>
          </ul>
        )}
      </div>

      <div
        id="inbox-notice"
        tabIndex={-1}
        role="status"
        aria-live="polite"
        className={notice ? 'alert alert-success' : 'visually-hidden'}
        data-testid="inbox-notice"
      >
        {notice}
      </div>
      <ErrorAlert error={actionError} />

      <div className="inbox-toolbar">
        <fieldset className="segmented">
          <legend>{t('inbox.scope')}</legend>
          {scopes.map((s) => (
            <label key={s}>
              <input
                type="radio"
                name="inbox-scope"
                value={s}
                checked={filters.scope === s}
                onChange={() => go({ ...filters, scope: s, page: 1, task: '' }, user)}
              />
              <span>{tv('inbox.scope', s)}</span>
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>{t('inbox.status')}</legend>
          {STATUSES.map((s) => (
            <label key={s}>
              <input
                type="radio"
                name="inbox-status"
                value={s}
                checked={filters.status === s}
                onChange={() => go({ ...filters, status: s, page: 1, task: '' }, user)}
              />
              <span>{tv('inbox.status', s)}</span>
            </label>
          ))}
        </fieldset>
      </div>

      <InboxFilters key={queryKey} filters={filters} user={user} />

      <div className={selected ? 'inbox-layout has-panel' : 'inbox-layout'}>
        <section className="inbox-list" aria-labelledby="inbox-total">
          <ErrorAlert error={list.error} onRetry={list.reload} />
          {list.loading && !list.data && <Loading />}
          {list.data && (
            <div className={list.loading ? 'is-stale' : undefined}>
              <p className="total" id="inbox-total" aria-live="polite" data-testid="tasks-total">
                {t('inbox.total', { count: list.data.total })}
              </p>
              {items.length === 0 ? (
                <p className="empty" data-testid="tasks-empty">
                  {t('inbox.empty')}
                </p>
              ) : (
                <TaskTable
                  caption={t('inbox.table')}
                  tasks={items}
                  user={user}
                  selectedId={selected?.id ?? null}
                  busyId={busyId}
                  onOpen={open}
                  onClaim={(x) => void assign(x, 'claim')}
                  onRelease={(x) => void assign(x, 'release')}
                />
              )}
              {list.data.total > list.data.pageSize && (
                <Pagination
                  page={list.data.page}
                  pageSize={list.data.pageSize}
                  total={list.data.total}
                  onPage={(page) => go({ ...filters, page, task: '' }, user)}
                />
              )}
            </div>
          )}
        </section>
        {selected && (
          <div className="inbox-panel">
            <TaskPanel
              key={selected.id}
              task={selected}
              user={user}
              onDone={done}
              onClose={() => go({ ...filters, task: '' }, user)}
            />
          </div>
        )}
      </div>
    </>
  );
}

function InboxFilters({ filters, user }: { filters: Filters; user: User }) {
  const { t, tv } = useI18n();
  const [f, setF] = useState(filters);
  const set = (patch: Partial<Filters>) => setF((x) => ({ ...x, ...patch }));

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    go({ ...f, page: 1, task: '' }, user);
  }

  return (
    <form
      className="filters card"
      role="search"
      aria-label={t('inbox.filters')}
      onSubmit={submit}
      data-testid="inbox-filters"
    >
      <div className="field">
        <label htmlFor="t-sector">{t('cases.filter.sector')}</label>
        <input id="t-sector" value={f.sector} onChange={(e) => set({ sector: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="t-route">{t('inbox.filter.route')}</label>
        <input id="t-route" value={f.route} onChange={(e) => set({ route: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="t-stage">{t('cases.filter.stage')}</label>
        <select
          id="t-stage"
          value={f.stage}
          onChange={(e) => set({ stage: e.target.value as Stage | '' })}
        >
          <option value="">{t('cases.filter.stageAll')}</option>
          {STAGES.filter((s) => s !== 'closed').map((s) => (
            <option key={s} value={s}>
              {tv('stage', s)}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-narrow">
        <label htmlFor="t-min">{t('inbox.filter.amountMin')}</label>
        <input
          id="t-min"
          inputMode="decimal"
          value={f.amountMin}
          onChange={(e) => set({ amountMin: e.target.value })}
        />
      </div>
      <div className="field field-narrow">
        <label htmlFor="t-max">{t('inbox.filter.amountMax')}</label>
        <input
          id="t-max"
          inputMode="decimal"
          value={f.amountMax}
          onChange={(e) => set({ amountMax: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="t-sort">{t('inbox.sort')}</label>
        <select
          id="t-sort"
          value={f.sort}
          onChange={(e) => set({ sort: e.target.value === 'priority' ? 'priority' : 'due' })}
        >
          <option value="due">{t('inbox.sort.due')}</option>
          <option value="priority">{t('inbox.sort.priority')}</option>
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary" data-testid="inbox-filter-apply">
          {t('cases.filter.apply')}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() =>
            go(
              {
                ...filters,
                sector: '',
                route: '',
                stage: '',
                amountMin: '',
                amountMax: '',
                sort: 'due',
                page: 1,
                task: '',
              },
              user,
            )
          }
        >
          {t('cases.filter.clear')}
        </button>
      </div>
    </form>
  );
}
