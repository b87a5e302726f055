import { Lifeline } from '@lifeline/browser';
import { inject } from 'vitest';
import { conformanceSuite } from '../../../test/conformance/suite.js';

const servers = { echoUrl: inject('wsUrl'), failUrl: inject('failUrl') };

conformanceSuite('@lifeline/browser', { WebSocket: Lifeline, ...servers });
// Chromium's own WebSocket through the same suite: the expectations are the standard's
conformanceSuite('Chromium WebSocket (reference)', { WebSocket: WebSocket, ...servers, reference: true });
