import { useState } from 'react';
import { ApiError, api } from '../api.js';
import type { LegalCase, LegalStage, TaskCompleted, TaskItem, User } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Loading } from '../components/Loading.js';
import { Pagination } from '../components/Pagination.js';
import { formatDate, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { href, navigate } from '../router.js';
import { TaskPanel } from '../tasks/TaskPanel.js';
import { TaskTable } from '../tasks/TaskTable.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

const LEGAL_STAGES: readonly LegalStage[] = ['credit_title', 'coactiva'];
/** Deadlines this close (business days) are flagged. */
const SOON_DAYS = 2;

interface View {
  stage: LegalStage;
  page: number;
  task: string;
}

function readView(params: URLSearchParams): View {
  const stage = params.get('stage');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    stage: stage === 'coactiva' ? 'coactiva' : 'credit_title',
    page: Number.isFinite(page) && page > 0 ? page : 1,
    task: params.get('task') ?? '',
  };
}

function go(v: View, opts: { replace?: boolean } = {}) {
  navigate(
    href('/legal', {
      stage: v.stage === 'credit_title' ? undefined : v.stage,
      page: v.page > 1 ? v.page : undefined,
      task: v.task,
    }),
    opts,
  );
}

/** The legal unit's work: cases in título de crédito / coactiva with their deadlines, and tasks. */
export function LegalPage({ params, user }: { params: URLSearchParams; user: User }) {
  const { t, tv, locale } = useI18n();
  const view = readView(params);
  useTitle(t('legal.title'));
  const cases = useLoad(
    (signal) => api.legalCases(view.stage, view.page, signal),
    `${view.stage}:${view.page}`,
  );
  // The legal role's inbox (unassigned) and what is assigned to me, merged by due date.
  const tasks = useLoad(async (signal) => {
    const [role, mine] = await Promise.all([
      api.listTasks({ scope: 'role', status: 'open', pageSize: 100 }, signal),
      api.listTasks({ scope: 'mine', status: 'open', pageSize: 100 }, signal),
    ]);
    const byId = new Map<string, TaskItem>();
    for (const x of [...mine.items, ...role.items]) byId.set(x.id, x);
    const items = [...byId.values()].sort(
      (a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || b.priority - a.priority,
    );
    return { items, overdue: items.filter((x) => x.overdue).length };
  }, 'legal-tasks');
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [completed, setCompleted] = useState<Set<string>>(() => new Set());

  const taskItems = (tasks.data?.items ?? []).filter((x) => !completed.has(x.id));
  const selected = taskItems.find((x) => x.id === view.task) ?? null;

  function done(task: TaskItem, result: TaskCompleted) {
    setCompleted((s) => new Set(s).add(result.taskId));
    setNotice(t('task.completed', { title: task.title, account: task.case.accountNumber }));
    go({ ...view, task: '' }, { replace: true });
    tasks.reload();
    cases.reload();
    requestAnimationFrame(() => document.getElementById('legal-notice')?.focus());
  }

  async function assign(task: TaskItem, how: 'claim' | 'release') {
    setBusyId(task.id);
    setActionError(null);
    try {
      if (how === 'claim') await api.claimTask(task.id);
      else await api.releaseTask(task.id);
      setNotice(
        how === 'claim'
          ? t('tasks.claimed', { account: task.case.accountNumber })
          : t('tasks.released', { account: task.case.accountNumber }),
      );
      tasks.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusyId(null);
    }
  }

  const notReady = cases.error instanceof ApiError && cases.error.status === 404;

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>{t('legal.title')}</h1>
      </div>
      <div
        id="legal-notice"
        tabIndex={-1}
        role="status"
        aria-live="polite"
        className={notice ? 'alert alert-success' : 'visually-hidden'}
        data-testid="legal-notice"
      >
        {notice}
      </div>
      <ErrorAlert error={actionError} />

      <section aria-labelledby="legal-tasks-heading" className="legal-tasks">
        <h2 id="legal-tasks-heading">
          {t('legal.tasks')}
          {tasks.data && (
            <span className="heading-count">
              {' '}
              {t('legal.tasksCount', {
                open: formatNumber(taskItems.length, locale),
                overdue: formatNumber(tasks.data.overdue, locale),
              })}
            </span>
          )}
        </h2>
        <ErrorAlert error={tasks.error} onRetry={tasks.reload} />
        {tasks.loading && !tasks.data && <Loading />}
        <div className={selected ? 'inbox-layout has-panel' : 'inbox-layout'}>
          <div className="inbox-list">
            {tasks.data &&
              (taskItems.length === 0 ? (
                <p className="empty" data-testid="legal-tasks-empty">
                  {t('legal.tasks.empty')}
                </p>
              ) : (
                <TaskTable
                  caption={t('legal.tasks')}
                  tasks={taskItems}
                  user={user}
                  selectedId={selected?.id ?? null}
                  busyId={busyId}
                  onOpen={(x) => {
                    setNotice(null);
                    go({ ...view, task: x.id });
                  }}
                  onClaim={(x) => void assign(x, 'claim')}
                  onRelease={(x) => void assign(x, 'release')}
                />
              ))}
          </div>
          {selected && (
            <div className="inbox-panel">
              <TaskPanel
                key={selected.id}
                task={selected}
                user={user}
                onDone={done}
                onClose={() => go({ ...view, task: '' })}
              />
            </div>
          )}
        </div>
      </section>

      <section aria-labelledby="legal-cases-heading" className="legal-cases">
        <h2 id="legal-cases-heading">{t('legal.cases')}</h2>
        <nav className="tabs" aria-label={t('legal.stageTabs')}>
          <ul>
            {LEGAL_STAGES.map((s) => (
              <li key={s}>
                <a
                  href={href('/legal', { stage: s === 'credit_title' ? undefined : s })}
                  aria-current={view.stage === s ? 'page' : undefined}
                  data-testid={`legal-tab-${s}`}
                >
                  {tv('stage', s)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {notReady ? (
          <p className="alert alert-info">{t('legal.notReady')}</p>
        ) : (
          <ErrorAlert error={cases.error} onRetry={cases.reload} />
        )}
        {cases.loading && !cases.data && <Loading />}
        {cases.data && (
          <div className={cases.loading ? 'is-stale' : undefined}>
            <p className="total" aria-live="polite" data-testid="legal-total">
              {t('legal.total', { count: cases.data.total })}
            </p>
            {cases.data.items.length === 0 ? (
              <p className="empty">{t('legal.empty')}</p>
            ) : (
              <LegalTable
                items={cases.data.items}
                caption={t('legal.caption', { stage: tv('stage', view.stage) })}
                onOpenTask={(id, caseId) =>
                  taskItems.some((x) => x.id === id)
                    ? go({ ...view, task: id })
                    : navigate(`/cases/${encodeURIComponent(caseId)}`)
                }
              />
            )}
            {cases.data.total > cases.data.pageSize && (
              <Pagination
                page={cases.data.page}
                pageSize={cases.data.pageSize}
                total={cases.data.total}
                onPage={(page) => go({ ...view, page, task: '' })}
              />
            )}
          </div>
        )}
      </section>
    </>
  );
}

function Deadline({ d }: { d: NonNullable<LegalCase['nextDeadline']> }) {
  const { t, locale } = useI18n();
  const overdue = d.businessDaysLeft < 0;
  const soon = !overdue && d.businessDaysLeft <= SOON_DAYS;
  return (
    <div
      className={
        overdue ? 'deadline deadline-overdue' : soon ? 'deadline deadline-soon' : 'deadline'
      }
      data-testid="legal-deadline"
      data-days-left={d.businessDaysLeft}
    >
      <span className="deadline-label">{d.label}</span>
      <span>{formatDate(d.on, locale)}</span>
      <span className="deadline-left">
        {(overdue || soon) && <span aria-hidden="true">⚠ </span>}
        {overdue
          ? t('legal.deadline.overdue', { count: -d.businessDaysLeft })
          : t('legal.deadline.left', { count: d.businessDaysLeft })}
      </span>
    </div>
  );
}

function LegalTable({
  items,
  caption,
  onOpenTask,
}: {
  items: LegalCase[];
  caption: string;
  onOpenTask: (taskId: string, caseId: string) => void;
}) {
  const { t, tv, locale } = useI18n();
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="table table-legal" data-testid="legal-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('legal.col.account')}</th>
            <th scope="col" className="num">
              {t('cases.col.balance')}
            </th>
            <th scope="col">{t('legal.col.title')}</th>
            <th scope="col">{t('legal.col.notification')}</th>
            <th scope="col">{t('legal.col.deadline')}</th>
            <th scope="col">{t('legal.col.paymentOrder')}</th>
            <th scope="col">{t('legal.col.measures')}</th>
            <th scope="col">{t('legal.col.tasks')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((x) => {
            const left = x.nextDeadline?.businessDaysLeft;
            const flag = left !== undefined && left <= SOON_DAYS;
            return (
              <tr
                key={x.case.id}
                className={flag ? 'row-overdue' : undefined}
                data-testid="legal-row"
                data-case-id={x.case.id}
              >
                <td>
                  <a href={`#/cases/${encodeURIComponent(x.case.id)}`} className="case-link">
                    {x.case.accountNumber}
                  </a>
                  <span className="holder">{x.case.holderName}</span>
                  {x.case.idNumber && <span className="muted small">{x.case.idNumber}</span>}
                </td>
                <td className="num">{formatMoney(x.case.balance)}</td>
                <td>
                  {x.titleNumber ?? t('common.none')}
                  {x.titleIssuedOn && (
                    <span className="muted small">
                      {t('legal.issuedOn', { date: formatDate(x.titleIssuedOn, locale) })}
                    </span>
                  )}
                  {x.titleValidatedOn && (
                    <span className="muted small">
                      {t('legal.validatedOn', { date: formatDate(x.titleValidatedOn, locale) })}
                    </span>
                  )}
                </td>
                <td>
                  {x.notifiedOn ? (
                    <>
                      {formatDate(x.notifiedOn, locale)}
                      {x.notificationMethod && (
                        <span className="muted small">
                          {tv('taskOption.method', x.notificationMethod)}
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="muted">{t('legal.notNotified')}</span>
                  )}
                </td>
                <td>{x.nextDeadline ? <Deadline d={x.nextDeadline} /> : t('common.none')}</td>
                <td>
                  {x.paymentOrderNumber || x.paymentOrderOn ? (
                    <>
                      {x.paymentOrderNumber ?? t('common.none')}
                      {x.paymentOrderOn && (
                        <span className="muted small">{formatDate(x.paymentOrderOn, locale)}</span>
                      )}
                    </>
                  ) : (
                    t('common.none')
                  )}
                </td>
                <td>
                  {x.measures.length === 0 ? (
                    t('common.none')
                  ) : (
                    <ul className="plain-list">
                      {x.measures.map((m, i) => (
                        <li key={i}>
                          {tv('measure', m.kind)}
                          {m.number ? ` ${m.number}` : ''}
                          {m.orderedOn ? ` · ${formatDate(m.orderedOn, locale)}` : ''}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {x.openTasks.length === 0 ? (
                    t('common.none')
                  ) : (
                    <ul className="plain-list">
                      {x.openTasks.map((task) => (
                        <li key={task.id}>
                          <button
                            type="button"
                            className="btn btn-secondary btn-small"
                            onClick={() => onOpenTask(task.id, x.case.id)}
                          >
                            {tv('taskType', task.type)}
                          </button>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
