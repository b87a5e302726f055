import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import type { NodeLifelineOptions, Outgoing, WebSocketConstructor } from '@lifeline/node';
import { WebSocket } from 'ws';

/** What an application's instrumentation of ws recorded. */
export interface Instrumentation {
  sends: number;
  readonly events: Array<string | symbol>;
}

/**
 * A subclass of `Base` (ws's WebSocket by default) instrumented as an application might: its `send`
 * counts messages, its `emit` records every event. Each call makes a new class with its own record.
 */
export function instrumented(Base: typeof WebSocket = WebSocket) {
  const seen: Instrumentation = { sends: 0, events: [] };
  class Instrumented extends Base {
    // every argument passed on, ws's callback included, whichever of send's signatures was used
    override send(...args: [data: unknown, ...rest: unknown[]]): void {
      seen.sends++;
      Reflect.apply(super.send, this, args);
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      seen.events.push(event);
      return super.emit(event, ...args);
    }
  }
  return { Instrumented: Instrumented as unknown as WebSocketConstructor, seen };
}

/**
 * A subclass whose `send` drops ws's callback, as a quick instrumentation may (ws's send has three
 * signatures). Counts its sends.
 */
export function sloppilyInstrumented() {
  const seen = { sends: 0 };
  class Sloppy extends WebSocket {
    override send(data: Outgoing): void {
      seen.sends++;
      super.send(data);
    }
  }
  return { Sloppy: Sloppy as unknown as WebSocketConstructor, seen };
}

/**
 * The WebSocket of a second copy of ws, as an application gets with two copies in node_modules or a
 * bundle: its own class, unrelated to the one @lifeline/node imports. ws's modules are loaded afresh and
 * the require cache is put back as it was, so nothing else in the process sees the copy.
 */
export function anotherCopyOfWs(): typeof WebSocket {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('ws')) + sep;
  const isWs = (path: string) => path.startsWith(root);
  const saved = Object.entries(require.cache).filter(([path]) => isWs(path));
  for (const [path] of saved) delete require.cache[path];
  try {
    return (require('ws') as typeof import('ws')).WebSocket;
  } finally {
    for (const path of Object.keys(require.cache)) if (isWs(path)) delete require.cache[path];
    for (const [path, module] of saved) require.cache[path] = module;
  }
}

/** The ws classes a Node Lifeline must treat as ws: its default, an instrumented subclass, another copy. */
export const wsClasses: ReadonlyArray<{ readonly name: string; readonly options: NodeLifelineOptions }> = [
  { name: 'ws (the default)', options: {} },
  { name: 'a subclass of ws', options: { WebSocket: instrumented().Instrumented } },
  {
    name: 'another copy of ws',
    options: { WebSocket: anotherCopyOfWs() as unknown as WebSocketConstructor },
  },
];
