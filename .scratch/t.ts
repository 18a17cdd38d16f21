import { z } from 'zod';
type RS = { [status: number]: z.ZodType | null };
type Reply<R extends RS> = {
  [S in keyof R & number]: R[S] extends z.ZodType ? { status: S; body: z.input<R[S]> } : { status: S; body?: undefined };
}[keyof R & number];
type Reply2<R extends RS> = {
  [S in keyof R & number]: { status: S; body: R[S] extends z.ZodType ? z.input<R[S]> : undefined };
}[keyof R & number];
interface Def<R extends RS, Q> { q?: Q; responses: R; handler: (i: Q) => Reply<R> | Promise<Reply<R>> }
interface Def2<R extends RS, Q> { q?: Q; responses: R; handler: (i: Q) => Reply2<R> | Promise<Reply2<R>> }
declare function d<R extends RS, Q>(def: Def<R, Q>): void;
declare function d2<R extends RS, Q>(def: Def2<R, Q>): void;
declare function d3<const R extends RS, Q>(def: Def<R, Q>): void;
d({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
d2({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
d3({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
d({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: async (x) => ({ status: 200, body: { s: 'ok' } }) });
