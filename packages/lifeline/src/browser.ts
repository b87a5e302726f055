// Every runtime with a global WebSocket (browsers, workers, Deno, Bun, Cloudflare Workers, React Native):
// Lifeline on the runtime's own WebSocket.
export * from '@lifeline/browser';
