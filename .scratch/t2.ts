import { z } from 'zod';
type RS = { [status: number]: z.ZodType | null };
type Reply<R extends RS> = {
  [S in keyof R & number]: R[S] extends z.ZodType ? { status: S; body: z.input<R[S]> } : { status: S; body?: undefined };
}[keyof R & number];
interface Def<R extends RS, Q> { q?: Q; responses: R; handler: (i: Q) => NoInfer<Reply<R>> | Promise<NoInfer<Reply<R>>> }
declare function d<R extends RS, Q>(def: Def<R, Q>): void;
d({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
d({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: async (x) => ({ status: 200, body: { s: 'ok' } }) });
type Reply3<R> = R extends { 200: infer X extends z.ZodType } ? { status: 200; body: z.input<X> } : never;
interface Def3<R, Q> { q?: Q; responses: R; handler: (i: Q) => NoInfer<Reply3<R>> | Promise<NoInfer<Reply3<R>>> }
declare function d3<R, Q>(def: Def3<R, Q>): void;
d3({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
declare function d4<R extends RS>(def: { responses: R; handler: () => NoInfer<Reply<R>> }): void;
d4({ responses: { 200: z.object({ s: z.literal('ok') }) }, handler: () => ({ status: 200, body: { s: 'ok' } }) });
declare function d5<R extends RS>(responses: R,  handler: () => NoInfer<Reply<R>>): void;
d5({ 200: z.object({ s: z.literal('ok') }) }, () => ({ status: 200, body: { s: 'ok' } }) );
