/**
 * What one statement may cost, declared once: the scenario runner (CLI, tests, the worker's `run`)
 * and the worker's own commands check the same numbers. A statement whose cost is over a limit is
 * refused before it changes anything, with a message that names the limit and says how to raise
 * it (`limit <name>=<n>`, up to the limit's ceiling). The ceilings keep one statement's memory and
 * time within what a browser tab can afford; the defaults keep a typo (`64G` for `64M`) from
 * starting hours of work.
 */

export interface LimitDecl {
  /** the value a new session starts with */
  readonly value: number;
  /** the most `limit <name>=<n>` may raise it to */
  readonly ceiling: number;
  /** the unit counted (plural) */
  readonly unit: string;
  /** what is counted, for messages and docs */
  readonly counts: string;
}

export const LIMITS = {
  zeroout_bios: {
    value: 1 << 20,
    ceiling: 1 << 21,
    unit: 'bios',
    counts: 'bios one blkdev_zeroout builds (before or after splitting to max_transfer)',
  },
  pagemap_lines: {
    value: 1 << 16,
    ceiling: 1 << 20,
    unit: 'lines',
    counts: 'lines one pagemap prints (one per page)',
  },
  accesses: {
    value: 1 << 26,
    ceiling: 1 << 30,
    unit: 'accesses',
    counts: 'loads or stores one read/write makes, or pages one populate touches',
  },
} as const satisfies Record<string, LimitDecl>;

export type LimitName = keyof typeof LIMITS;

export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

export function isLimitName(name: string): name is LimitName {
  return Object.hasOwn(LIMITS, name);
}

/** A statement would cost more than a limit allows; nothing has changed yet. */
export class BudgetExceeded extends Error {
  constructor(
    readonly limit: LimitName,
    /** what the statement would cost, in the limit's unit */
    readonly need: number,
    readonly allowed: number,
  ) {
    const decl = LIMITS[limit];
    const raise =
      allowed < decl.ceiling
        ? `; ask for less, or raise it with 'limit ${limit}=<n>' (at most ${decl.ceiling})`
        : `, its ceiling; ask for less`;
    super(`${need} ${decl.unit} is over the limit of ${allowed} (${limit}: ${decl.counts})${raise}`);
    this.name = 'BudgetExceeded';
  }
}

/** One session's limits: the declared values, as raised by `limit` statements. */
export class Limits {
  private readonly values = new Map<LimitName, number>();

  get(name: LimitName): number {
    return this.values.get(name) ?? LIMITS[name].value;
  }

  /** Set a limit; returns why not when the value is outside 1..ceiling. */
  set(name: LimitName, value: number): string | undefined {
    const decl = LIMITS[name];
    if (!Number.isSafeInteger(value) || value < 1 || value > decl.ceiling)
      return `${name} must be 1..${decl.ceiling} (${decl.counts})`;
    this.values.set(name, value);
    return undefined;
  }

  /** Throw BudgetExceeded when `need` is over the limit. */
  check(name: LimitName, need: number): void {
    const allowed = this.get(name);
    if (need > allowed) throw new BudgetExceeded(name, need, allowed);
  }
}
