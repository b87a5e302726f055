// Packs every published package the way `pnpm publish` would and fails when a tarball holds anything a
// user does not need, or lacks what they do. Run `pnpm build` first: the tarballs are made from dist.
//
// A tarball fails when it has
// - a file outside the allow-list: dist/ and bin/, and README.md, LICENSE, CHANGELOG.md, package.json at
//   its top (sources, tests, configs and stray files stay home);
// - no README.md or no LICENSE (npm shows the one and the law asks for the other);
// - no file for a path its package.json names in exports, types or bin (a missing build, a wrong path);
// - a `workspace:` range left in its dependencies (pnpm rewrites them on pack; npm would ship them broken).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const ALLOWED_DIRS = ['dist/', 'bin/'];
const ALLOWED_FILES = ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'];
const REQUIRED_FILES = ['README.md', 'LICENSE'];
const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

const root = process.cwd();
const packagesDir = join(root, 'packages');
const destination = mkdtempSync(join(tmpdir(), 'lifeline-pack-'));
let failed = 0;

try {
  for (const dir of readdirSync(packagesDir).sort()) {
    const packageDir = join(packagesDir, dir);
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const problems = check(packageDir, manifest);
    if (problems.length === 0) continue;
    failed++;
    console.error(`${manifest.name}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

if (failed > 0) {
  console.error(`check-pack: ${failed} package(s) would publish the wrong files`);
  process.exit(1);
}

/** What is wrong with the tarball of the package in `packageDir`; empty when nothing is. */
function check(packageDir, manifest) {
  const report = JSON.parse(
    execFileSync('pnpm', ['pack', '--json', '--pack-destination', destination], {
      cwd: packageDir,
      encoding: 'utf8',
    }),
  );
  const files = new Set(report.files.map((file) => file.path));
  const problems = [];
  for (const path of files) {
    const isAllowed = ALLOWED_DIRS.some((dir) => path.startsWith(dir)) || ALLOWED_FILES.includes(path);
    if (!isAllowed) problems.push(`${path} is not something a user needs`);
  }
  for (const required of REQUIRED_FILES) {
    if (!files.has(required)) problems.push(`${required} is missing`);
  }
  for (const target of namedFiles(manifest)) {
    if (!files.has(target)) problems.push(`${target}, named in package.json, is missing (built?)`);
  }
  // the manifest as published, not the one in the repository: pnpm rewrites it while packing
  const tarball = join(destination, basename(report.filename));
  const packed = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (range.startsWith('workspace:')) problems.push(`${field}.${name} is still ${range}`);
    }
  }
  console.log(`${manifest.name}@${manifest.version}: ${files.size} files`);
  return problems;
}

/** The files package.json points at (exports, types, bin), as tarball paths without the leading `./`. */
function namedFiles(manifest) {
  const paths = [];
  const walk = (value) => {
    if (typeof value === 'string') paths.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
  };
  walk(manifest.exports);
  walk(manifest.types);
  walk(manifest.bin);
  return [...new Set(paths.map((path) => path.replace(/^\.\//, '')))].filter((path) => !path.includes('*'));
}
