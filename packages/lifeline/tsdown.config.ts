import { defineConfig } from 'tsdown';

export default defineConfig({
  // one file per platform build; the export conditions in package.json choose between them
  entry: ['src/node.ts', 'src/browser.ts'],
  format: ['esm'],
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  sourcemap: true,
  fixedExtension: false,
});
