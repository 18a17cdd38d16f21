import type { TaskItem, User } from '../api.js';
import { StageBadge } from '../components/StageBadge.js';
import { formatDateTime, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';

interface Props {
  caption: string;
  tasks: TaskItem[];
  user: User;
  selectedId: string | null;
  busyId: string | null;
  onOpen: (task: TaskItem) => void;
  onClaim?: (task: TaskItem) => void;
  onRelease?: (task: TaskItem) => void;
}

/** Tasks in the order given (due date, then priority); overdue rows say so in words too. */
export function TaskTable({
  caption,
  tasks,
  user,
  selectedId,
  busyId,
  onOpen,
  onClaim,
  onRelease,
}: Props) {
  const { t, tv, locale } = useI18n();
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="table table-tasks" data-testid="task-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('tasks.col.due')}</th>
            <th scope="col">{t('tasks.col.task')}</th>
            <th scope="col">{t('tasks.col.account')}</th>
            <th scope="col" className="col-optional">
              {t('tasks.col.stage')}
            </th>
            <th scope="col" className="num">
              {t('tasks.col.balance')}
            </th>
            <th scope="col" className="num col-optional">
              {t('tasks.col.daysOverdue')}
            </th>
            <th scope="col" className="num col-optional">
              {t('tasks.col.priority')}
            </th>
            <th scope="col" className="col-optional">
              {t('tasks.col.assignee')}
            </th>
            <th scope="col">{t('tasks.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => {
            const selected = task.id === selectedId;
            const mine = task.assignee?.id === user.id;
            const inRoleInbox = task.assignee === null && task.role === user.role;
            const mayRelease = task.assignee !== null && (mine || user.role === 'manager');
            return (
              <tr
                key={task.id}
                className={task.overdue ? 'row-overdue' : undefined}
                aria-current={selected ? 'true' : undefined}
                data-testid="task-row"
                data-task-id={task.id}
                data-task-type={task.type}
                data-overdue={task.overdue ? 'true' : 'false'}
              >
                <td className="nowrap">
                  <time dateTime={task.dueAt}>{formatDateTime(task.dueAt, locale)}</time>
                  {task.overdue && task.status === 'open' && (
                    <span className="badge badge-overdue">
                      <span aria-hidden="true">⚠ </span>
                      {t('tasks.overdue')}
                    </span>
                  )}
                  {task.escalated && (
                    <span className="badge badge-escalated">{t('tasks.escalated')}</span>
                  )}
                </td>
                <td>
                  <span className="task-title">{task.title}</span>
                  {/* The kind of step, unless the title already says it. */}
                  {!task.title.startsWith(tv('taskType', task.type)) && (
                    <span className="task-type">{tv('taskType', task.type)}</span>
                  )}
                </td>
                <td>
                  <a href={`#/cases/${encodeURIComponent(task.case.id)}`} className="case-link">
                    {task.case.accountNumber}
                  </a>
                  <span className="holder">{task.case.holderName}</span>
                </td>
                <td className="col-optional">
                  <StageBadge stage={task.case.stage} />
                </td>
                <td className="num">{formatMoney(task.case.balance)}</td>
                <td className="num col-optional">
                  {task.case.daysOverdue !== undefined
                    ? formatNumber(task.case.daysOverdue, locale)
                    : t('common.none')}
                </td>
                <td className="num col-optional">{formatNumber(task.priority, locale, 1)}</td>
                <td className="col-optional">
                  {task.assignee ? (
                    task.assignee.displayName
                  ) : (
                    <span className="muted">{t('tasks.roleInbox')}</span>
                  )}
                </td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      className="btn btn-primary btn-small"
                      onClick={() => onOpen(task)}
                      aria-pressed={selected}
                      aria-label={t('tasks.openLabel', {
                        task: task.title,
                        account: task.case.accountNumber,
                      })}
                      data-testid="task-open"
                    >
                      {t('tasks.open')}
                    </button>
                    {task.status === 'open' && inRoleInbox && onClaim && (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        disabled={busyId === task.id}
                        onClick={() => onClaim(task)}
                        aria-label={t('tasks.claimLabel', { account: task.case.accountNumber })}
                        data-testid="task-claim"
                      >
                        {t('tasks.claim')}
                      </button>
                    )}
                    {task.status === 'open' && mayRelease && onRelease && (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        disabled={busyId === task.id}
                        onClick={() => onRelease(task)}
                        aria-label={t('tasks.releaseLabel', { account: task.case.accountNumber })}
                        data-testid="task-release"
                      >
                        {t('tasks.release')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
