import { afterEach, vi } from 'vitest';

// A library must not talk on the console: any console call made during a test fails it
const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const spies = methods.map((method) => vi.spyOn(console, method));

afterEach(() => {
  const calls = spies.flatMap((spy, i) =>
    spy.mock.calls.map((args) => `console.${methods[i]}(${args.join(' ')})`),
  );
  for (const spy of spies) spy.mockClear();
  if (calls.length > 0) throw new Error(`unexpected console output:\n${calls.join('\n')}`);
});
