import type { Lifeline } from './lifeline.js';

/** The values a union's discriminator field `TKey` takes, e.g. `'trade' | 'quote'`. */
export type Variant<TMessage, TKey extends string = 'type'> = TMessage extends {
  readonly [K in TKey]: infer V;
}
  ? V
  : never;

/** The members of a union whose discriminator field `TKey` is `V`. */
export type VariantOf<TMessage, V, TKey extends string = 'type'> = Extract<
  TMessage,
  { readonly [K in TKey]: V }
>;

/** Options of {@link route}. */
export interface RouteOptions<TKey extends string = 'type'> {
  /**
   * The field that tells the union's members apart.
   * @default 'type'
   */
  readonly key?: TKey;
  /**
   * Hear the first matching message only, then stop listening.
   * @default false
   */
  readonly once?: boolean;
}

/**
 * Calls `listener` for the messages whose `key` field is `variant`, typed as that member of the line's
 * message union (inferred from its `schema`, no type arguments). Other messages pass by. Listeners run in
 * the order they were added, together with the plain `on('message')` ones. Returns the function that
 * stops listening.
 *
 * @throws TypeError when `listener` is not a function or `key` not a string
 * @example
 * const off = route(line, 'trade', (trade) => book.fill(trade.price));
 * route(line, 'joined', greet, { key: 'kind', once: true });
 */
export function route<
  TMessage,
  TSend,
  // const: keeps `variant` a literal while TMessage is still being inferred, so the listener is narrowed
  const V extends Variant<TMessage, TKey>,
  TKey extends string = 'type',
>(
  line: Lifeline<TMessage, TSend>,
  variant: V,
  listener: (message: VariantOf<TMessage, V, TKey>) => void,
  { key = 'type' as TKey, once = false }: RouteOptions<TKey> = {},
): () => void {
  if (typeof listener !== 'function') {
    throw new TypeError(`Lifeline: route() takes a listener function, got ${String(listener)}`);
  }
  if (typeof key !== 'string')
    throw new TypeError(`Lifeline: route() option 'key' must be a string, got ${String(key)}`);
  const off = () => {
    line.off('message', routed);
  };
  const routed = (message: TMessage) => {
    if (typeof message !== 'object' || message === null) return;
    if ((message as Record<string, unknown>)[key] !== variant) return;
    if (once) off();
    listener(message as VariantOf<TMessage, V, TKey>);
  };
  line.on('message', routed);
  return off;
}
