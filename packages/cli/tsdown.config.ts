import { packageBuild } from '../../tsdown.base.ts';

// a command, not a library: one entry, no declarations
export default packageBuild({ entry: ['src/main.ts'], platform: 'node', dts: false });
