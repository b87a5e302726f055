import { Lifeline } from '@lifeline/node';
import { inject } from 'vitest';
import { conformanceSuite } from '../conformance/suite.js';

conformanceSuite('@lifeline/node', {
  WebSocket: Lifeline,
  echoUrl: inject('wsUrl'),
  failUrl: inject('failUrl'),
});
