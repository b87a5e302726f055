/**
 * What `import … from 'lifeline'` gives on Node.js (the `node` export condition): all of
 * `@lifeline/node`, Lifeline on `ws`, with headers, ping frames and HTTP statuses.
 * @module lifeline (Node.js)
 */
export * from '@lifeline/node';
