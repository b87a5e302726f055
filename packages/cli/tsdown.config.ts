import { defineConfig } from 'tsdown';

export default defineConfig({
  // a command, not a library: one entry, no declarations
  entry: ['src/main.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'es2022',
  dts: false,
  sourcemap: true,
  // platform 'node' would emit .mjs, which the bin field does not name
  fixedExtension: false,
});
