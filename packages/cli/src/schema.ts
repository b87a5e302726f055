import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StandardSchemaV1 } from '@lifeline/node';
import { UsageError } from './args.js';

/**
 * Loads `--schema <module>#<export>`: a file path (relative to the working directory) or a package name,
 * and the name of the export (`default` when there is no `#`). It must be a Standard Schema v1 (zod,
 * valibot, arktype, … or a hand-written one).
 * @throws UsageError when the module does not load or the export is not a Standard Schema
 */
export async function loadSchema(spec: string): Promise<StandardSchemaV1> {
  const hash = spec.lastIndexOf('#');
  const module = hash === -1 ? spec : spec.slice(0, hash);
  const name = hash === -1 ? 'default' : spec.slice(hash + 1);
  // a path is imported as a file URL, so it resolves against the working directory, not against this file
  const isPath = module.startsWith('.') || isAbsolute(module);
  const specifier = isPath ? pathToFileURL(resolve(module)).href : module;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--schema: cannot load '${module}': ${(error as Error).message}`, false);
  }
  const schema = exports[name] as Partial<StandardSchemaV1> | undefined;
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new UsageError(
      `--schema: '${name}' of '${module}' is not a Standard Schema (no ~standard.validate)`,
      false,
    );
  }
  return schema as StandardSchemaV1;
}
