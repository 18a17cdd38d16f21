/**
 * The inbox side of human tasks. Idempotent: a task's id is chosen by the workflow before the
 * activity runs, and closing an already closed task changes nothing.
 */
import type { CaseStage } from '../domain/case.js';
import type { TaskRole, TaskType } from '../domain/tasks.js';
import type { Prisma, PrismaClient } from '../prisma/client.js';

export interface CreateTask {
  taskId: string;
  caseId: string;
  workflowId: string;
  type: TaskType;
  role: TaskRole;
  title: string;
  priority: number;
  /** ISO instant. */
  dueAt: string;
  payload: Record<string, unknown>;
  stage: CaseStage;
  /** undefined: default assignment; null: the role's shared inbox. */
  assigneeId?: string | null;
}

export interface CloseTask {
  taskId: string;
  caseId: string;
  status: 'done' | 'cancelled';
  result: Record<string, unknown>;
  completedBy: string;
  at: string;
  stage: CaseStage;
  type?: TaskType;
}

export interface EscalateTask {
  taskId: string;
  caseId: string;
  at: string;
  stage: CaseStage;
}

export function createTaskActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    async createTask(t: CreateTask): Promise<void> {
      let assigneeId = t.assigneeId;
      if (assigneeId === undefined) {
        const c = await prisma.case.findUniqueOrThrow({
          where: { id: t.caseId },
          select: { assignedCollectorId: true },
        });
        assigneeId = t.role === 'collector' ? c.assignedCollectorId : null;
      }
      await prisma.$transaction([
        prisma.task.createMany({
          data: [
            {
              id: t.taskId,
              caseId: t.caseId,
              workflowId: t.workflowId,
              type: t.type,
              role: t.role,
              priority: t.priority,
              dueAt: new Date(t.dueAt),
              payload: { title: t.title, ...t.payload } as Prisma.InputJsonObject,
              assigneeId,
            },
          ],
          skipDuplicates: true,
        }),
        prisma.caseEvent.createMany({
          data: [
            {
              eventKey: `task:${t.taskId}:created`,
              caseId: t.caseId,
              type: 'task_created',
              stage: t.stage,
              occurredAt: new Date(),
              actor: 'system',
              reason: t.title,
              data: {
                taskId: t.taskId,
                taskType: t.type,
                role: t.role,
                dueAt: t.dueAt,
                assigneeId,
              },
            },
          ],
          skipDuplicates: true,
        }),
      ]);
    },

    async closeTask(t: CloseTask): Promise<void> {
      await prisma.$transaction([
        prisma.task.updateMany({
          where: { id: t.taskId, status: 'open' },
          data: {
            status: t.status,
            completedAt: new Date(t.at),
            completedBy: t.completedBy,
            result: t.result as Prisma.InputJsonObject,
          },
        }),
        prisma.caseEvent.createMany({
          data: [
            {
              eventKey: `task:${t.taskId}:${t.status}`,
              caseId: t.caseId,
              type: t.status === 'done' ? 'task_completed' : 'task_cancelled',
              stage: t.stage,
              occurredAt: new Date(t.at),
              actor: t.completedBy,
              data: {
                taskId: t.taskId,
                taskType: t.type ?? null,
                result: t.result as Prisma.InputJsonObject,
              },
            },
          ],
          skipDuplicates: true,
        }),
      ]);
    },

    /** Overdue: reassign to the assignee's supervisor (or leave in the role inbox) and flag it. */
    async escalateTask(t: EscalateTask): Promise<void> {
      const task = await prisma.task.findUnique({
        where: { id: t.taskId },
        include: { assignee: true },
      });
      if (!task || task.status !== 'open' || task.escalatedAt) return;
      const supervisorId = task.assignee?.supervisorId ?? null;
      await prisma.$transaction([
        prisma.task.update({
          where: { id: t.taskId },
          data: {
            escalatedAt: new Date(t.at),
            ...(supervisorId ? { assigneeId: supervisorId } : {}),
          },
        }),
        prisma.caseEvent.createMany({
          data: [
            {
              eventKey: `task:${t.taskId}:escalated`,
              caseId: t.caseId,
              type: 'task_escalated',
              stage: t.stage,
              occurredAt: new Date(t.at),
              actor: 'system',
              reason: 'tarea vencida',
              data: { taskId: t.taskId, from: task.assigneeId, to: supervisorId },
            },
          ],
          skipDuplicates: true,
        }),
      ]);
    },
  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
