/**
 * Human tasks inside a workflow. A task is a row in the inbox (created by an activity) and an
 * entry here; completing it is the `completeTask` update, whose validator checks the form with
 * the same zod schema the API uses, so the caller gets 200 or a clear error at once, and a
 * second completion is refused (TaskNotOpen) instead of acting twice. Overdue tasks escalate
 * to the supervisor once.
 */
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { deadlineAfter, type WaitingPeriod } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import type { Policy } from '../domain/policy.js';
import { parseTaskForm, TASKS, type TaskForm, type TaskType } from '../domain/tasks.js';
import type { TaskActivities } from '../activities/tasks.js';
import { completeTaskUpdate, type Actor, type OpenTaskView } from './messages.js';
import { finishEvenIfCancelled, STORE_ACTIVITY_OPTIONS } from './options.js';

const acts = finishEvenIfCancelled(proxyActivities<TaskActivities>(STORE_ACTIVITY_OPTIONS));

interface OpenTask {
  taskId: string;
  type: TaskType;
  dueAt: number;
  escalated: boolean;
}

/** A business check of a completed form beyond its schema; returns the refusal, or null. */
export type FormCheck<T extends TaskType = TaskType> = (form: TaskForm<T>) => string | null;

/** A completed task's form, with who completed it and when. */
export interface TaskOutcome<T extends TaskType> {
  form: TaskForm<T>;
  by: Actor;
  /** ISO instant. */
  at: string;
}

/** What survives continue-as-new. */
export interface TaskBoardSnapshot {
  open: OpenTask[];
  done: [string, TaskOutcome<TaskType>][];
}

export interface TaskBoardContext {
  caseId: string;
  policy: Policy;
  priority: number;
  stage: () => CaseStage;
}

export interface OpenTaskSpec {
  type: TaskType;
  sla: WaitingPeriod;
  /** What the person needs to see (amounts, proposal, title number…). */
  payload?: Record<string, unknown>;
  /** Assign to this user; default: the case's collector for collector tasks, the role's inbox otherwise. */
  assigneeId?: string | null;
  title: string;
  /**
   * Refuses a form the schema accepts but the case cannot (a promise beyond the policy's
   * horizon, a reconnection before its order): the caller gets a 400 with the reason. Not
   * carried across continue-as-new (tasks are withdrawn before it).
   */
  check?: FormCheck;
  /**
   * Survives `cancelAll` when a stage ends (a review that belongs to the case, not the stage);
   * withdrawn only by `cancelAll(reason, true)` (the case closes or continues as new).
   */
  persistent?: boolean;
}

export class TaskBoard {
  private readonly open = new Map<string, OpenTask>();
  private readonly done = new Map<string, TaskOutcome<TaskType>>();
  private readonly checks = new Map<string, FormCheck>();
  private readonly persistent = new Set<string>();

  constructor(
    private readonly ctx: TaskBoardContext,
    restored?: TaskBoardSnapshot,
  ) {
    for (const t of restored?.open ?? []) this.open.set(t.taskId, t);
    for (const [id, outcome] of restored?.done ?? []) this.done.set(id, outcome);
    setHandler(
      completeTaskUpdate,
      async ({ taskId, actor, form }) => {
        const task = this.open.get(taskId);
        if (!task)
          throw ApplicationFailure.nonRetryable('La tarea ya no está abierta', 'TaskNotOpen');
        const parsed = parseTaskForm(task.type, form);
        if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.message, 'InvalidForm');
        const at = new Date().toISOString();
        // Marked done before any await: a concurrent second completion finds it closed.
        this.open.delete(taskId);
        this.done.set(taskId, { form: parsed.form, by: actor, at });
        await acts.closeTask({
          taskId,
          caseId: this.ctx.caseId,
          status: 'done',
          result: parsed.form as Record<string, unknown>,
          completedBy: actor.id,
          at,
          stage: this.ctx.stage(),
          type: task.type,
        });
        return { taskId, type: task.type, status: 'done' as const };
      },
      {
        validator: ({ taskId, actor, form }) => {
          const task = this.open.get(taskId);
          if (!task)
            throw ApplicationFailure.nonRetryable('La tarea ya no está abierta', 'TaskNotOpen');
          const role = TASKS[task.type].role;
          if (actor.role !== role && actor.role !== 'manager' && actor.role !== 'admin') {
            throw ApplicationFailure.nonRetryable(
              'Su rol no puede completar esta tarea',
              'Forbidden',
            );
          }
          const parsed = parseTaskForm(task.type, form);
          if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.message, 'InvalidForm');
          // Business checks run in the validator only: an accepted update is replayed as it was.
          const refusal = this.checks.get(taskId)?.(parsed.form);
          if (refusal) throw ApplicationFailure.nonRetryable(refusal, 'InvalidForm');
        },
      },
    );
  }

  snapshot(): TaskBoardSnapshot {
    return { open: [...this.open.values()], done: [...this.done.entries()] };
  }

  views(): OpenTaskView[] {
    return [...this.open.values()].map((t) => ({
      taskId: t.taskId,
      type: t.type,
      role: TASKS[t.type].role,
      dueAt: new Date(t.dueAt).toISOString(),
    }));
  }

  /** Opens a task in the inbox (idempotent: the id is fixed before the activity runs). */
  async create<T extends TaskType>(
    spec: Omit<OpenTaskSpec, 'check'> & { type: T; check?: FormCheck<T> },
  ): Promise<string> {
    const taskId = uuid4();
    const dueAt = deadlineAfter(new Date(), spec.sla, this.ctx.policy.calendar);
    this.open.set(taskId, { taskId, type: spec.type, dueAt: dueAt.getTime(), escalated: false });
    if (spec.check) this.checks.set(taskId, spec.check as FormCheck);
    if (spec.persistent) this.persistent.add(taskId);
    await acts.createTask({
      taskId,
      caseId: this.ctx.caseId,
      workflowId: workflowInfo().workflowId,
      type: spec.type,
      role: TASKS[spec.type].role,
      title: spec.title,
      priority: this.ctx.priority,
      dueAt: dueAt.toISOString(),
      payload: spec.payload ?? {},
      stage: this.ctx.stage(),
      ...(spec.assigneeId !== undefined ? { assigneeId: spec.assigneeId } : {}),
    });
    return taskId;
  }

  /**
   * Waits until the task is completed, or `interrupt` becomes true (then returns null and the
   * task stays open: cancel it if it no longer applies). Escalates once when overdue.
   */
  async wait<T extends TaskType>(
    taskId: string,
    interrupt: () => boolean = () => false,
  ): Promise<TaskOutcome<T> | null> {
    const finished = () => this.done.has(taskId) || interrupt();
    for (;;) {
      const task = this.open.get(taskId);
      if (!task || task.escalated) {
        await condition(finished);
        break;
      }
      const escalateAt = deadlineAfter(
        new Date(task.dueAt),
        this.ctx.policy.tasks.escalateOverdueAfter,
        this.ctx.policy.calendar,
      );
      const ms = Math.max(1, escalateAt.getTime() - Date.now());
      if (await condition(finished, ms)) break;
      task.escalated = true;
      await acts.escalateTask({
        taskId,
        caseId: this.ctx.caseId,
        at: new Date().toISOString(),
        stage: this.ctx.stage(),
      });
    }
    const outcome = this.done.get(taskId);
    if (!outcome) return null;
    this.done.delete(taskId);
    this.checks.delete(taskId);
    return outcome as TaskOutcome<T>;
  }

  /** Creates a task and waits for it. */
  async ask<T extends TaskType>(
    spec: Omit<OpenTaskSpec, 'check'> & { type: T; check?: FormCheck<T> },
    interrupt?: () => boolean,
  ): Promise<TaskOutcome<T> | null> {
    const id = await this.create(spec);
    const outcome = await this.wait<T>(id, interrupt);
    if (!outcome) await this.cancel(id, 'superseded');
    return outcome;
  }

  /** Withdraws an open task (the case moved on). */
  async cancel(taskId: string, reason: string): Promise<void> {
    this.checks.delete(taskId);
    this.persistent.delete(taskId);
    if (!this.open.delete(taskId)) return;
    await acts.closeTask({
      taskId,
      caseId: this.ctx.caseId,
      status: 'cancelled',
      result: { reason },
      completedBy: 'system',
      at: new Date().toISOString(),
      stage: this.ctx.stage(),
    });
  }

  /** Withdraws every open task (stage abandoned), persistent ones too with `everything`. */
  async cancelAll(reason: string, everything = false): Promise<void> {
    for (const id of [...this.open.keys()])
      if (everything || !this.persistent.has(id)) await this.cancel(id, reason);
  }
}
