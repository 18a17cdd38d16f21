import { z } from 'zod';
type RS = { [status: number]: z.ZodType | null };
type Reply<R extends RS> = {
  [S in keyof R & number]: R[S] extends z.ZodType ? { status: S; body: z.input<R[S]> } : { status: S; body?: undefined };
}[keyof R & number];
declare function d<R extends RS>(def: { responses: R }): { handle(h: () => Reply<R> | Promise<Reply<R>>): void };
d({ responses: { 200: z.object({ s: z.literal('ok') }), 204: null } }).handle(() => ({ status: 200, body: { s: 'ok' } }));
d({ responses: { 200: z.object({ s: z.literal('ok') }), 204: null } }).handle(async () => ({ status: 204 }));
d({ responses: { 200: z.object({ s: z.literal('ok') }), 204: null } }).handle(async () => ({ status: 200, body: {s: 'x'} }));
