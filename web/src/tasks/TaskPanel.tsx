import { useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import type { TaskCompleted, TaskItem, User } from '../api.js';
import { AgreementProposal } from '../components/AgreementProposal.js';
import { ProtectedBadge, StageBadge } from '../components/StageBadge.js';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { useLoad } from '../useLoad.js';
import { PayloadFacts } from './PayloadFacts.js';
import { TaskForm } from './TaskForm.js';

interface Props {
  task: TaskItem;
  user: User;
  onDone: (task: TaskItem, result: TaskCompleted) => void;
  onClose: () => void;
}

/** One task: the case it belongs to, what the task carries, and the form that completes it. */
export function TaskPanel({ task, user, onDone, onClose }: Props) {
  const { t, tv, locale } = useI18n();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [proposing, setProposing] = useState(false);
  // The case detail adds holder ID and days overdue; a collector may not see cases of
  // colleagues (role inbox), so the panel falls back to what the task itself says.
  const detail = useLoad((signal) => api.getCase(task.case.id, signal), task.case.id);
  const c = detail.data?.case;

  useEffect(() => {
    headingRef.current?.focus();
  }, [task.id]);

  const daysOverdue = c?.daysPastDue ?? task.case.daysOverdue;
  const mayPropose =
    task.type === 'contact_debtor' && (user.role === 'collector' || user.role === 'manager');

  return (
    <section
      className="card task-panel"
      aria-labelledby="task-panel-heading"
      data-testid="task-panel"
      data-task-id={task.id}
    >
      <div className="panel-head">
        <h2 id="task-panel-heading" ref={headingRef} tabIndex={-1}>
          {t('task.heading', { title: task.title })}
        </h2>
        <button type="button" className="btn btn-secondary btn-small" onClick={onClose}>
          {t('task.close')}
        </button>
      </div>
      <p className="muted">
        {tv('taskType', task.type)} · {t('task.due', { when: formatDateTime(task.dueAt, locale) })}
        {task.overdue && (
          <>
            {' '}
            <span className="badge badge-overdue">
              <span aria-hidden="true">⚠ </span>
              {t('tasks.overdue')}
            </span>
          </>
        )}
      </p>

      <h3>{t('task.caseSummary')}</h3>
      <dl className="facts facts-compact" data-testid="task-case-summary">
        <div>
          <dt>{t('case.account.number')}</dt>
          <dd>{task.case.accountNumber}</dd>
        </div>
        <div>
          <dt>{t('case.account.holder')}</dt>
          <dd>
            {task.case.holderName} {c?.protected && <ProtectedBadge />}
          </dd>
        </div>
        {c?.account.holderId && (
          <div>
            <dt>{t('case.account.holderId')}</dt>
            <dd>{c.account.holderId}</dd>
          </div>
        )}
        {c?.account.phone && (
          <div>
            <dt>{t('case.account.phone')}</dt>
            <dd>
              <a href={`tel:${c.account.phone.replace(/\s+/g, '')}`}>{c.account.phone}</a>
            </dd>
          </div>
        )}
        {c?.account.address && (
          <div>
            <dt>{t('case.account.address')}</dt>
            <dd>{c.account.address}</dd>
          </div>
        )}
        <div>
          <dt>{t('case.balance')}</dt>
          <dd>{formatMoney(c?.balance ?? task.case.balance)}</dd>
        </div>
        <div>
          <dt>{t('case.stage')}</dt>
          <dd>
            <StageBadge stage={c?.stage ?? task.case.stage} />
          </dd>
        </div>
        <div>
          <dt>{t('case.daysPastDue')}</dt>
          <dd>
            {daysOverdue !== undefined ? formatNumber(daysOverdue, locale) : t('common.none')}
          </dd>
        </div>
        {c?.oldestDueOn && (
          <div>
            <dt>{t('case.oldestDueOn')}</dt>
            <dd>{formatDate(c.oldestDueOn, locale)}</dd>
          </div>
        )}
      </dl>
      <p>
        <a href={`#/cases/${encodeURIComponent(task.case.id)}`} data-testid="task-case-link">
          {t('task.openCase', { account: task.case.accountNumber })}
        </a>
      </p>

      <PayloadFacts type={task.type} payload={task.payload} />

      {task.status === 'open' ? (
        <>
          <h3>{t('task.formHeading')}</h3>
          <TaskForm
            key={task.id}
            taskId={task.id}
            type={task.type}
            onDone={(r) => onDone(task, r)}
          />
          {mayPropose && (
            <div className="propose-box">
              <button
                type="button"
                className="btn btn-secondary"
                aria-expanded={proposing}
                onClick={() => setProposing((p) => !p)}
                data-testid="propose-toggle"
              >
                {t('agreement.propose')}
              </button>
              {proposing && <AgreementProposal caseId={task.case.id} />}
            </div>
          )}
        </>
      ) : (
        <p className="muted">{t('task.notOpen', { status: tv('taskStatus', task.status) })}</p>
      )}
    </section>
  );
}
