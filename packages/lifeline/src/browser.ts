/**
 * What `import … from 'lifeline'` gives on every runtime with a global WebSocket (browsers, workers,
 * Deno, Bun, Cloudflare Workers, React Native): all of `@lifeline/browser`, Lifeline on the runtime's own
 * WebSocket.
 * @module lifeline (other runtimes)
 */
export * from '@lifeline/browser';
