/** A value, or a promise of it: store methods may answer either way. */
export type Awaitable<T> = T | PromiseLike<T>;

function isPromiseLike<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/**
 * Runs `then` with the result of `call()`: at once when it returns a plain value, so a synchronous store
 * costs no microtask per message; `fail` gets a throw or a rejection.
 */
export function settle<T>(
  call: () => Awaitable<T>,
  then: (value: T) => void,
  fail: (error: unknown) => void,
): void {
  let result: Awaitable<T>;
  try {
    result = call();
  } catch (error) {
    fail(error);
    return;
  }
  if (isPromiseLike(result)) result.then(then, fail);
  else then(result);
}
