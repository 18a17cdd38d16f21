import { useState } from 'react';
import { api } from '../api.js';
import type {
  AcknowledgeDebtInput,
  CaseAction,
  CaseResponse,
  FileExceptionsInput,
  IrregularReconnectionInput,
  Role,
  RuleExceptionsInput,
  TaskItem,
  User,
  WorkflowState,
} from '../api.js';
import { AccountCard } from '../components/AccountCard.js';
import { AgreementsList } from '../components/AgreementsList.js';
import { CaseActions } from '../components/CaseActions.js';
import { CaseDocuments } from '../components/CaseDocuments.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { InvoiceTable } from '../components/InvoiceTable.js';
import { Loading } from '../components/Loading.js';
import { ProtectedBadge, StageBadge } from '../components/StageBadge.js';
import { StageStepper } from '../components/StageStepper.js';
import { Timeline, fromCaseEvent, fromTimelineEvent } from '../components/Timeline.js';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import { isSupervisor } from '../roles.js';
import { STEP_SCHEMAS, STEP_SPECS, stepsFor } from '../tasks/caseSteps.js';
import type { CaseStep } from '../tasks/caseSteps.js';
import { PayloadFacts } from '../tasks/PayloadFacts.js';
import { SpecForm } from '../tasks/SpecForm.js';
import { TaskForm, pick } from '../tasks/TaskForm.js';
import { useLoad } from '../useLoad.js';
import { useTitle } from '../useTitle.js';

/** Until the API sends `allowedActions`, what the routes' role checks allow. */
function fallbackActions(role: Role): CaseAction[] {
  if (role === 'manager')
    return ['assign', 'hold', 'resume', 'close', 'dispute', 'resolveDispute', 'proposeAgreement'];
  if (role === 'collector') return ['dispute', 'proposeAgreement'];
  if (role === 'legal') return ['dispute', 'resolveDispute'];
  return [];
}

export function CasePage({ id, user }: { id: string; user: User }) {
  const { t } = useI18n();
  const load = useLoad((signal) => api.getCase(id, signal), id);
  useTitle(
    load.data ? t('case.title', { account: load.data.case.accountNumber }) : t('cases.title'),
  );

  return (
    <>
      <p className="back-link">
        <a href="#/cases">← {t('case.back')}</a>
      </p>
      {load.loading && !load.data && <Loading />}
      <ErrorAlert error={load.error} onRetry={load.reload} />
      {load.data && <CaseView data={load.data} user={user} reloadCase={load.reload} />}
    </>
  );
}

function CaseView({
  data,
  user,
  reloadCase,
}: {
  data: CaseResponse;
  user: User;
  reloadCase: () => void;
}) {
  const { t, tv, locale } = useI18n();
  const c = data.case;
  const wf = data.workflow;
  const [notice, setNotice] = useState<string | null>(null);
  const timeline = useLoad((signal) => api.caseTimeline(c.id, 1, signal), c.id);
  const agreements = useLoad((signal) => api.caseAgreements(c.id, signal), c.id);
  const documents = useLoad((signal) => api.caseDocuments(c.id, signal), c.id);
  const tasks = useLoad(
    (signal) => api.listTasks({ caseId: c.id, status: 'open', pageSize: 100 }, signal),
    c.id,
  );
  const [openTask, setOpenTask] = useState<string | null>(null);
  const actions = c.status !== 'open' ? [] : (data.allowedActions ?? fallbackActions(user.role));
  const temporal = isSupervisor(user.role) ? (data.links?.temporal ?? data.temporalUiUrl) : null;

  function changed(message: string) {
    setNotice(message);
    setOpenTask(null);
    reloadCase();
    timeline.reload();
    agreements.reload();
    documents.reload();
    tasks.reload();
    requestAnimationFrame(() => document.getElementById('case-notice')?.focus());
  }

  const events = timeline.data
    ? timeline.data.items.map(fromTimelineEvent)
    : data.events.map(fromCaseEvent);

  return (
    <div data-testid="case-page" data-case-id={c.id}>
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('case.title', { account: c.accountNumber })}</h1>
          <p className="page-sub">
            {c.holderName} {c.protected && <ProtectedBadge />}
          </p>
        </div>
        {temporal && (
          <a
            className="btn btn-secondary"
            href={temporal}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="temporal-link"
          >
            {t('case.temporal')}
            <span className="visually-hidden"> {t('case.temporalNewTab')}</span>
            <span aria-hidden="true"> ↗</span>
          </a>
        )}
      </div>

      <div
        id="case-notice"
        tabIndex={-1}
        role="status"
        aria-live="polite"
        className={notice ? 'alert alert-success' : 'visually-hidden'}
        data-testid="case-notice"
      >
        {notice}
      </div>

      <div className="card stepper-card">
        <StageStepper stage={c.stage} />
      </div>
      <div className="case-grid">
        <div className="case-col">
          <section className="card" aria-labelledby="summary-heading" data-testid="case-summary">
            <h2 id="summary-heading">{t('case.summary')}</h2>
            <p className="big-balance">
              <span className="big-balance-label">{t('case.balance')}</span>
              <span className="big-balance-value" data-testid="case-balance">
                {formatMoney(c.balance)}
              </span>
            </p>
            <dl className="facts">
              <div>
                <dt>{t('case.status')}</dt>
                <dd>{tv('status', c.status)}</dd>
              </div>
              <div>
                <dt>{t('case.stage')}</dt>
                <dd>
                  <StageBadge stage={c.stage} />
                </dd>
              </div>
              <div>
                <dt>{t('case.priority')}</dt>
                <dd>{formatNumber(c.priority, locale, 1)}</dd>
              </div>
              <div>
                <dt>{t('case.daysPastDue')}</dt>
                <dd>{formatNumber(c.daysPastDue, locale)}</dd>
              </div>
              <div>
                <dt>{t('case.oldestDueOn')}</dt>
                <dd>{formatDate(c.oldestDueOn, locale)}</dd>
              </div>
              <div>
                <dt>{t('case.collector')}</dt>
                <dd>{c.assignedCollector?.displayName ?? t('cases.unassigned')}</dd>
              </div>
              <div>
                <dt>{t('case.openedAt')}</dt>
                <dd>{formatDateTime(c.openedAt, locale)}</dd>
              </div>
              {c.closedAt && (
                <div>
                  <dt>{t('case.closedAt')}</dt>
                  <dd>{formatDateTime(c.closedAt, locale)}</dd>
                </div>
              )}
              {c.closeReason && (
                <div>
                  <dt>{t('case.closeReason')}</dt>
                  <dd>{tv('closeReason', c.closeReason)}</dd>
                </div>
              )}
            </dl>
          </section>

          <AccountCard account={c.account} />

          <CaseActions
            caseId={c.id}
            actions={actions}
            currentCollectorId={c.assignedCollector?.id ?? null}
            onChanged={changed}
          />

          {wf && c.status === 'open' && (
            <LegalCard caseId={c.id} view={wf} role={user.role} onChanged={changed} />
          )}

          <section className="card" aria-labelledby="workflow-heading" data-testid="workflow-card">
            <h2 id="workflow-heading">{t('case.workflow')}</h2>
            {wf ? (
              <dl className="facts">
                <div>
                  <dt>{t('case.workflow.status')}</dt>
                  <dd>{tv('status', wf.status)}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.stage')}</dt>
                  <dd>{tv('stage', wf.stage)}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.balance')}</dt>
                  <dd>{formatMoney(wf.balance)}</dd>
                </div>
                <div>
                  <dt>{t('case.workflow.paymentsApplied')}</dt>
                  <dd>{formatNumber(wf.paymentsApplied, locale)}</dd>
                </div>
              </dl>
            ) : (
              <p className="muted">{t('case.workflow.none')}</p>
            )}
          </section>
        </div>

        <div className="case-col">
          <section className="card" aria-labelledby="case-tasks-heading" data-testid="case-tasks">
            <h2 id="case-tasks-heading">{t('case.tasks')}</h2>
            <ErrorAlert error={tasks.error} onRetry={tasks.reload} />
            {tasks.data &&
              (tasks.data.items.length === 0 ? (
                <p className="muted">{t('case.tasks.empty')}</p>
              ) : (
                <ul className="case-task-list">
                  {tasks.data.items.map((task) => (
                    <CaseTask
                      key={task.id}
                      task={task}
                      open={openTask === task.id}
                      onToggle={() => setOpenTask((x) => (x === task.id ? null : task.id))}
                      onDone={() =>
                        changed(
                          t('task.completed', { title: task.title, account: c.accountNumber }),
                        )
                      }
                    />
                  ))}
                </ul>
              ))}
          </section>

          <AgreementsList
            agreements={agreements.data?.items ?? []}
            mayDecide={user.role === 'manager' && c.status === 'open'}
            onChanged={changed}
          />
          <ErrorAlert error={agreements.error} />

          <section className="card" aria-labelledby="invoices-heading">
            <h2 id="invoices-heading">{t('case.invoices')}</h2>
            <InvoiceTable invoices={c.invoices} />
          </section>

          <section
            className="card"
            aria-labelledby="documents-heading"
            data-testid="case-documents-card"
          >
            <h2 id="documents-heading">{t('documents.title')}</h2>
            <ErrorAlert error={documents.error} onRetry={documents.reload} />
            {documents.loading && !documents.data && <Loading />}
            {documents.data && <CaseDocuments documents={documents.data.documents} />}
          </section>

          <section className="card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t('case.timeline')}</h2>
            <Timeline events={events} />
          </section>
        </div>
      </div>
    </div>
  );
}

function CaseTask({
  task,
  open,
  onToggle,
  onDone,
}: {
  task: TaskItem;
  open: boolean;
  onToggle: () => void;
  onDone: () => void;
}) {
  const { t, tv, locale } = useI18n();
  return (
    <li className={task.overdue ? 'case-task row-overdue' : 'case-task'} data-testid="case-task">
      <div className="case-task-head">
        <div>
          <span className="task-title">{task.title}</span>
          <span className="task-type">
            {tv('taskType', task.type)} ·{' '}
            {t('task.due', { when: formatDateTime(task.dueAt, locale) })}
            {' · '}
            {task.assignee ? task.assignee.displayName : t('tasks.roleInbox')}
          </span>
          {task.overdue && (
            <span className="badge badge-overdue">
              <span aria-hidden="true">⚠ </span>
              {t('tasks.overdue')}
            </span>
          )}
        </div>
        <button
          type="button"
          className="btn btn-secondary btn-small"
          aria-expanded={open}
          onClick={onToggle}
          data-testid="case-task-open"
        >
          {open ? t('task.close') : t('task.openTask')}
        </button>
      </div>
      {open && (
        <div className="case-task-body">
          <PayloadFacts type={task.type} payload={task.payload} />
          <TaskForm taskId={task.id} type={task.type} onDone={onDone} />
        </div>
      )}
    </li>
  );
}

/** Sends one legal step's validated body to its route. */
function sendStep(step: CaseStep, caseId: string, form: Record<string, unknown>) {
  switch (step) {
    case 'irregularReconnection':
      return api.reportIrregularReconnection(caseId, form as unknown as IrregularReconnectionInput);
    case 'acknowledgement':
      return api.acknowledgeDebt(caseId, form as unknown as AcknowledgeDebtInput);
    case 'fileExceptions':
      return api.fileExceptions(caseId, form as unknown as FileExceptionsInput);
    case 'ruleExceptions':
      return api.ruleExceptions(caseId, form as unknown as RuleExceptionsInput);
    case 'declarePrescribed':
      return api.declarePrescribed(caseId, String(form.note ?? ''));
  }
}

/**
 * The case's legal situation as its workflow reports it (service, prescription, excepciones)
 * and the lawful steps the user's role may take now, one form at a time.
 */
function LegalCard({
  caseId,
  view,
  role,
  onChanged,
}: {
  caseId: string;
  view: WorkflowState;
  role: Role;
  onChanged: (message: string) => void;
}) {
  const { t, tv, locale } = useI18n();
  const [openStep, setOpenStep] = useState<CaseStep | null>(null);
  const steps = stepsFor(role, view);
  const ex = view.exceptions;
  return (
    <section className="card" aria-labelledby="legal-heading" data-testid="case-legal">
      <h2 id="legal-heading">{t('case.legal')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('case.service')}</dt>
          <dd data-testid="case-service">{tv('service', view.service)}</dd>
        </div>
        <div>
          <dt>{t('case.prescribesOn')}</dt>
          <dd data-testid="case-prescribes-on">
            {view.prescribesOn
              ? formatDate(view.prescribesOn, locale)
              : t('case.prescribesOn.none')}
          </dd>
        </div>
      </dl>
      <h3>{t('case.exceptions')}</h3>
      {ex ? (
        <dl className="facts" data-testid="case-exceptions">
          <div>
            <dt>{t('case.exceptions.status')}</dt>
            <dd>
              {ex.status === 'pending' && <span aria-hidden="true">⏸ </span>}
              {tv('exceptionsStatus', ex.status)}
            </dd>
          </div>
          <div>
            <dt>{t('case.exceptions.court')}</dt>
            <dd>{ex.court}</dd>
          </div>
          <div>
            <dt>{t('case.exceptions.processNumber')}</dt>
            <dd>{ex.processNumber}</dd>
          </div>
          <div>
            <dt>{t('case.exceptions.filedOn')}</dt>
            <dd>{formatDate(ex.filedOn, locale)}</dd>
          </div>
          {ex.ruledOn && (
            <div>
              <dt>{t('case.exceptions.ruledOn')}</dt>
              <dd>{formatDate(ex.ruledOn, locale)}</dd>
            </div>
          )}
          <div>
            <dt>{t('case.exceptions.grounds')}</dt>
            <dd>{ex.grounds}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">{t('case.exceptions.none')}</p>
      )}

      {steps.length > 0 && (
        <>
          <h3 id="legal-steps-heading">{t('step.heading')}</h3>
          <div className="action-buttons" role="group" aria-labelledby="legal-steps-heading">
            {steps.map((step) => (
              <button
                key={step}
                type="button"
                className={openStep === step ? 'btn btn-primary' : 'btn btn-secondary'}
                aria-expanded={openStep === step}
                aria-controls="legal-step-form"
                onClick={() => setOpenStep((x) => (x === step ? null : step))}
                data-testid={`step-${step}`}
              >
                {t(`step.${step}`)}
              </button>
            ))}
          </div>
          <div id="legal-step-form">
            {openStep && steps.includes(openStep) && (
              <div key={openStep}>
                <p className="muted">{t(`step.intro.${openStep}`)}</p>
                <SpecForm
                  spec={STEP_SPECS[openStep]}
                  schema={STEP_SCHEMAS[openStep]}
                  name={t(`step.${openStep}`)}
                  legend={t('step.field.outcome')}
                  label={(name) =>
                    pick(locale, [`step.field.${openStep}.${name}`, `step.field.${name}`])
                  }
                  option={(name, value) => pick(locale, [`step.option.${name}.${value}`])}
                  submitLabel={t('step.submit')}
                  busyLabel={t('step.submitting')}
                  onSubmit={async (form) => {
                    await sendStep(openStep, caseId, form);
                    setOpenStep(null);
                    onChanged(t(`step.done.${openStep}`));
                  }}
                  testId="step-form"
                  dataAttributes={{ 'data-step': openStep }}
                />
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}
