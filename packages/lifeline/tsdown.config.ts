import { packageBuild } from '../../tsdown.base.ts';

// one file per platform build; the export conditions in package.json choose between them
export default packageBuild({ entry: ['src/node.ts', 'src/browser.ts'], platform: 'neutral' });
