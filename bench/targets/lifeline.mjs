// Lifeline (@lifeline/node, or a bundle of the sources with --source): the standard event API for text,
// typed messages through its `schema` option for decoding, drained(line) for backpressure.
import { whenOpen } from './common.mjs';

export async function load({ lifelineModule }) {
  const lifeline = await import(lifelineModule);
  const { Lifeline } = lifeline;
  // a checkout from before the kernel split (--from) has the method instead of the function
  const drained = lifeline.drained ?? ((line) => line.drained());
  let decodeMode = 'pending';

  const open = (url, onText, options) => {
    const line = new Lifeline(url, options);
    line.onmessage = (event) => onText(event.data);
    return line;
  };

  return {
    get decodeMode() {
      return decodeMode;
    },

    connect: (url, onText) => whenOpen(open(url, onText)),

    connectDecoding(url, schema, onValue, onInvalid) {
      const line = new Lifeline(url, { schema });
      // Every feed starts with a probe the schema rejects. Where the `schema` option is honoured the
      // probe arrives as `invalid`; where it is not (yet), it reaches on('message') and the handler
      // validates instead, like the peers do.
      line.on('invalid', () => {
        if (decodeMode === 'pending') decodeMode = 'schema-option';
        onInvalid();
      });
      line.on('message', (value) => {
        if (decodeMode === 'pending') decodeMode = 'handler';
        if (decodeMode === 'schema-option') {
          onValue(value);
          return;
        }
        const result = schema.safeParse(value);
        if (result.success) onValue(result.data);
        else onInvalid();
      });
      return whenOpen(line);
    },

    connectReconnecting(url, delayMs, onOpen, onText) {
      const line = open(url, onText, {
        reconnect: { minDelay: delayMs, maxDelay: delayMs, factor: 1, jitter: false },
      });
      line.onopen = onOpen;
      return line;
    },

    async pump(line, chunk, count) {
      for (let i = 0; i < count; i++) {
        line.send(chunk);
        await drained(line);
      }
    },
  };
}
