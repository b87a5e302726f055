#!/usr/bin/env node
// The bin is a source file, not a build output: pnpm links a workspace package's bins at install time,
// before anything is built, and skips a bin whose file is missing. The command itself is in dist.
import '../dist/main.js';
