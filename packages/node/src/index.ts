import { Lifeline as CoreLifeline, type LifelineArgs, withDefaults } from '@lifeline/core';
import { NodeSocket } from './socket.js';

export * from '@lifeline/core';

/** Lifeline on `ws`. */
export class Lifeline<TMessage = unknown> extends CoreLifeline<TMessage> {
  constructor(...args: LifelineArgs) {
    super(...withDefaults(args, { WebSocket: NodeSocket, extraBinaryTypes: ['nodebuffer'] }));
  }
}
