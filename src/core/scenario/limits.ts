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
  swap_pages: {
    value: 1 << 24,
    ceiling: 1 << 26,
    unit: 'pages',
    counts: 'pages one swapon adds (its swap map holds a byte per page)',
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

/**
 * The host memory the emulator may use by default: what a learner's laptop tab can afford (a tab
 * that held 9 GB after 8 GiB of emulated RAM was written crashed; issue #13). The app lets the
 * learner choose another (its memory meter); a scenario cannot raise it, so a share link cannot.
 */
export const DEFAULT_MEMORY_BUDGET = 2 * 2 ** 30;

/**
 * A host's memory budget, as the scenario runner checks it (Session.memory): before a statement
 * that may write emulated RAM, the RAM it may back (pages it may write × the page size, at most the
 * RAM not backed yet) is added to what the emulator holds; over the budget, the statement is
 * refused, unchanged. Plain data, set by the host before each statement it runs live.
 */
export interface MemoryBudget {
  /** the budget in bytes */
  budget: number;
  /** host bytes the emulator holds now (RAM chunks of the live machine and of its past, metadata) */
  inUse: number;
  /** how to raise it, said in the refusal */
  raise: string;
}

/** `n` bytes for a person: 1.5 GiB, 312 MiB, 64 KiB. */
export function fmtBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i && n < 10 ? n.toFixed(1).replace(/\.0$/, '') : Math.round(n)} ${units[i]}`;
}
