/** The values a union's discriminator field takes, e.g. `'trade' | 'quote'`. */
export type Variant<TMessage, TKey extends string> = TMessage extends { readonly [K in TKey]: infer V }
  ? V
  : never;

/** The members of a union whose discriminator field is `V`. */
export type VariantOf<TMessage, TKey extends string, V> = Extract<TMessage, { readonly [K in TKey]: V }>;

/** A `message` listener that hears one variant only; `off('message', listener)` finds it by `listener`. */
export interface RoutedListener {
  (message: unknown): void;
  readonly listener: (message: never) => void;
}

/**
 * Wraps `listener` so it runs only for messages whose `key` field is `variant`. `onMatch` runs first on a
 * match (`once` uses it to unsubscribe).
 */
export function route(
  key: string,
  variant: unknown,
  listener: (message: never) => void,
  onMatch?: (routed: RoutedListener) => void,
): RoutedListener {
  const routed: RoutedListener = Object.assign(
    (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      if ((message as Record<string, unknown>)[key] !== variant) return;
      onMatch?.(routed);
      (listener as (message: unknown) => void)(message);
    },
    { listener },
  );
  return routed;
}
