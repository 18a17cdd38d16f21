import { z } from 'zod';
import { moneyStringSchema } from '/work/main/domain/money.ts';
const q = z.object({ page: z.coerce.number().int().min(1).default(1), d: z.iso.date().optional(), m: moneyStringSchema, u: z.uuid(), n: z.string().nullable(), e: z.enum(['a','b']).meta({description:'x'}) });
console.log(JSON.stringify(z.toJSONSchema(q, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }), null, 1));
console.log(JSON.stringify(z.toJSONSchema(q, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' })));
const a = z.object({x: z.string()}).meta({id: 'A'});
const reg = z.registry<{id?: string}>();
console.log(JSON.stringify(z.toJSONSchema(z.object({a, b: z.array(a)}), { target: 'draft-2020-12' })));
