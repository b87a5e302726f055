// The decode workload's messages: a 4-variant discriminated union of ~150 B JSON objects (schema.mjs
// holds their zod 4 schema), pre-serialised for the server to cycle through.
/** Valid JSON that the schema rejects: sent first in every feed, so each target proves it validates. */
export const PROBE = JSON.stringify({ type: 'bogus', id: 0, ts: 0 });

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-EUR'];

function message(i) {
  const symbol = SYMBOLS[i % SYMBOLS.length];
  const ts = 1_700_000_000_000 + i;
  const src = 'md-gateway-eu-west-1a';
  switch (i % 4) {
    case 0:
      return {
        type: 'trade',
        id: i,
        ts,
        src,
        symbol,
        price: 43_000 + (i % 1000) / 8,
        size: (i % 97) / 16,
        side: i % 2 ? 'buy' : 'sell',
        venue: 'exchange-north-01',
      };
    case 1:
      return {
        type: 'quote',
        id: i,
        ts,
        src,
        symbol,
        bid: 42_999.5,
        ask: 43_000.25,
        bidSize: 1.75,
        askSize: 2.5,
      };
    case 2:
      return {
        type: 'status',
        id: i,
        ts,
        src,
        symbol,
        state: 'halted',
        reason: 'volatility interruption, auction',
      };
    default:
      return {
        type: 'heartbeat',
        id: i,
        ts,
        src,
        seq: i * 7,
        server: 'feed-eu-west-1a',
        load: [0.42, 0.37, 0.31],
      };
  }
}

/** `count` distinct serialised messages, every variant equally often. */
export function messagePool(count = 1024) {
  return Array.from({ length: count }, (_, i) => JSON.stringify(message(i)));
}
