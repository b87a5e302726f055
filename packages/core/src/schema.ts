import type { StandardSchemaV1 } from '@standard-schema/spec';
import { messageOf } from './errors.js';

/** What a failed decode or validation reports: Standard Schema issues (`message`, optional `path`). */
export type Issues = ReadonlyArray<StandardSchemaV1.Issue>;

type Result = StandardSchemaV1.Result<unknown>;

/** One issue from a thrown error: a codec that cannot parse, or a validator that throws instead of failing. */
export function failure(error: unknown): StandardSchemaV1.FailureResult {
  return { issues: [{ message: messageOf(error) }] };
}

/** Runs a Standard Schema validator; never throws. The result may be a promise (async validators). */
export function validate(schema: StandardSchemaV1, value: unknown): Result | Promise<Result> {
  try {
    return schema['~standard'].validate(value);
  } catch (error) {
    return failure(error);
  }
}

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Validates a value about to be sent and returns the schema's output, the value that gets encoded.
 * @throws TypeError naming the issues, or when the validator is asynchronous (send() cannot wait)
 */
export function checkOutgoing(schema: StandardSchemaV1, value: unknown): unknown {
  const result = validate(schema, value);
  if (isPromise(result)) {
    // the caller gets the TypeError; the validator's own late outcome has nowhere to go
    result.catch(() => {});
    throw new TypeError('Lifeline: sendSchema must validate synchronously');
  }
  if (result.issues) {
    throw new TypeError(`Lifeline: sendSchema rejected the value: ${formatIssues(result.issues)}`);
  }
  return result.value;
}

/** `path.to.field: message; other: message`, for error messages. */
export function formatIssues(issues: Issues): string {
  return issues
    .map(({ message, path }) =>
      path?.length
        ? `${path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.')}: ${message}`
        : message,
    )
    .join('; ');
}
