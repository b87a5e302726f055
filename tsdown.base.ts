import { defineConfig, type UserConfig } from 'tsdown';

/**
 * How every package is built: ESM for ES2022 with declarations and source maps, under `.js` names
 * (platform 'node' would emit `.mjs`, which the exports maps and bin fields do not name). A package
 * names its entries and platform, and anything it does differently.
 */
export function packageBuild(config: UserConfig & Required<Pick<UserConfig, 'entry' | 'platform'>>) {
  return defineConfig({
    format: ['esm'],
    target: 'es2022',
    dts: true,
    sourcemap: true,
    fixedExtension: false,
    ...config,
  });
}
