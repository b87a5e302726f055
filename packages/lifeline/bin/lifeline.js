#!/usr/bin/env node
// `npx lifeline ws://…`: the command of @lifeline/cli, under the name people type. Importing the library
// never loads it: bundles and `import 'lifeline'` see only the export conditions.
import '@lifeline/cli/bin/lifeline.js';
