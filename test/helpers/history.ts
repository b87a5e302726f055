/*
 * The history checker of issue #15 (Jepsen's "total queue" check, per direction): the delivered ids
 * must be a gap-free, duplicate-free, in-order prefix of the accepted ids, and after the final drain
 * all of them. Tests decide delivery claims with its verdict, never by eyeballing counts.
 */

/** What one direction of a session saw: ids in the order each side saw them. */
export interface DirectionHistory<TId = string> {
  /** Ids in the order the sender's session accepted them (each at most once). */
  readonly accepted: readonly TId[];
  /** Ids in the order the receiving application got them. */
  readonly delivered: readonly TId[];
}

/** The checker's finding for one direction. `ok` is true when every count is 0. */
export interface Verdict<TId = string> {
  readonly ok: boolean;
  readonly accepted: number;
  readonly delivered: number;
  /**
   * Accepted ids never delivered although a later accepted id was (a gap), or, after the final drain,
   * accepted ids never delivered at all.
   */
  readonly lost: number;
  /** Deliveries of an id that had been delivered before. */
  readonly duplicated: number;
  /** Deliveries of an id after an id accepted later than it. */
  readonly reordered: number;
  /** Deliveries of an id the sender never accepted. */
  readonly unknown: number;
  /** The first offending id of each kind, in accepted order (lost) or delivered order (the rest). */
  readonly first: {
    readonly lost?: TId;
    readonly duplicated?: TId;
    readonly reordered?: TId;
    readonly unknown?: TId;
  };
}

/**
 * Checks one direction. With `isDrained` (every accepted id has had its chance to arrive: the final
 * drain is over), an accepted id not delivered is lost even at the tail; without it, the undelivered
 * tail is still in flight and only a gap counts.
 * @throws TypeError when `accepted` holds an id twice: the ids must name messages uniquely.
 */
export function checkHistory<TId>(
  history: DirectionHistory<TId>,
  options: { isDrained: boolean },
): Verdict<TId> {
  const position = new Map<TId, number>();
  history.accepted.forEach((id, index) => {
    if (position.has(id)) throw new TypeError(`accepted holds the id ${String(id)} twice`);
    position.set(id, index);
  });

  const first: { lost?: TId; duplicated?: TId; reordered?: TId; unknown?: TId } = {};
  const seen = new Set<TId>();
  let duplicated = 0;
  let reordered = 0;
  let unknown = 0;
  let furthest = -1; // the highest accepted position delivered so far
  for (const id of history.delivered) {
    const at = position.get(id);
    if (at === undefined) {
      unknown++;
      first.unknown ??= id;
    } else if (seen.has(id)) {
      duplicated++;
      first.duplicated ??= id;
    } else {
      seen.add(id);
      if (at < furthest) {
        reordered++;
        first.reordered ??= id;
      } else {
        furthest = at;
      }
    }
  }

  // a late (reordered) delivery still counts as delivered: it is reported once, as reordered
  const end = options.isDrained ? history.accepted.length : furthest + 1;
  let lost = 0;
  for (let index = 0; index < end; index++) {
    const id = history.accepted[index] as TId;
    if (seen.has(id)) continue;
    lost++;
    first.lost ??= id;
  }

  return {
    ok: lost + duplicated + reordered + unknown === 0,
    accepted: history.accepted.length,
    delivered: history.delivered.length,
    lost,
    duplicated,
    reordered,
    unknown,
    first,
  };
}

const KINDS = ['lost', 'duplicated', 'reordered', 'unknown'] as const;

/** One line for a failure message: `lost 2 (first m-17), duplicated 0, … of 100 accepted, 98 delivered`. */
export function describeVerdict<TId>(verdict: Verdict<TId>): string {
  const parts = KINDS.map((kind) =>
    verdict[kind] === 0 ? `${kind} 0` : `${kind} ${verdict[kind]} (first ${String(verdict.first[kind])})`,
  );
  return `${parts.join(', ')} of ${verdict.accepted} accepted, ${verdict.delivered} delivered`;
}

/** Records one direction as it happens, for `checkHistory`. */
export class HistoryRecorder<TId = string> implements DirectionHistory<TId> {
  readonly accepted: TId[] = [];
  readonly delivered: TId[] = [];

  /** The sender's session accepted `id` (its `send` returned). */
  accept(id: TId): void {
    this.accepted.push(id);
  }

  /** The receiving application got `id`. */
  deliver(id: TId): void {
    this.delivered.push(id);
  }

  check(options: { isDrained: boolean }): Verdict<TId> {
    return checkHistory(this, options);
  }
}
