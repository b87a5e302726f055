// The zod 4 schema of the decode workload's messages (messages.mjs), as an application would write it.
import * as z from 'zod';

const base = { id: z.number().int(), ts: z.number().int(), src: z.string() };

export const marketMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('trade'),
    ...base,
    symbol: z.string(),
    price: z.number(),
    size: z.number(),
    side: z.enum(['buy', 'sell']),
    venue: z.string(),
  }),
  z.object({
    type: z.literal('quote'),
    ...base,
    symbol: z.string(),
    bid: z.number(),
    ask: z.number(),
    bidSize: z.number(),
    askSize: z.number(),
  }),
  z.object({
    type: z.literal('status'),
    ...base,
    symbol: z.string(),
    state: z.enum(['open', 'halted', 'closed']),
    reason: z.string(),
  }),
  z.object({
    type: z.literal('heartbeat'),
    ...base,
    seq: z.number().int(),
    server: z.string(),
    load: z.array(z.number()).length(3),
  }),
]);
