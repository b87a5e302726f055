// Node.js (the `node` export condition): Lifeline on `ws`, with headers, ping frames and HTTP statuses.
export * from '@lifeline/node';
