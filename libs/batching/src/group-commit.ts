interface Waiter<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

interface Group<Item, Result> {
  waiters: Waiter<Item, Result>[];
  /** The distinctBy values of the group's items. */
  taken: Set<string>;
}

export interface GroupCommitOptions<Item, Result> {
  /** The most items one flush takes. */
  maxItems: number;
  /** Handles a group: one result per item, in order. A throw fails every item of the group. */
  flush: (key: string, items: Item[]) => Promise<Result[]>;
  /** Items with the same value never share a group: the later one waits for a later flush. */
  distinctBy?: (item: Item) => string;
}

/**
 * Group commit per key. When nothing is in flight for a key, an item is flushed at once (no added
 * latency when quiet); items arriving while a flush is in flight wait and go together into the
 * next flush when it ends. A busy key then costs one round trip per group instead of one per item.
 * Groups run one after another in arrival order, so what each item gets is what it would get
 * had the items been handled one at a time in that order.
 */
export class GroupCommit<Item, Result> {
  /** Keys with a flush in flight (or about to start one), and the groups waiting behind it. */
  private readonly lanes = new Map<string, Group<Item, Result>[]>();
  /** Keys whose items arrived while nothing was in flight: their first group flushes at once. */
  private readonly quiet = new Set<string>();

  constructor(private readonly options: GroupCommitOptions<Item, Result>) {}

  submit(key: string, item: Item): Promise<Result> {
    return this.submitMany(key, [item]).then(([result]) => result);
  }

  /**
   * Several items that belong together (a job's checks, say): flushed at once when the key is
   * quiet, not split into a flush of the first and a later one of the rest; otherwise they wait
   * like single items. One result per item, in order.
   */
  submitMany(key: string, items: readonly Item[]): Promise<Result[]> {
    const results = items.map(
      (item) =>
        new Promise<Result>((resolve, reject) => {
          this.enqueue(key, { item, resolve, reject });
        }),
    );
    this.startIfQuiet(key);
    return Promise.all(results);
  }

  private enqueue(key: string, waiter: Waiter<Item, Result>): void {
    const distinct = this.options.distinctBy?.(waiter.item);
    let waiting = this.lanes.get(key);
    if (!waiting) {
      waiting = [];
      this.lanes.set(key, waiting);
      this.quiet.add(key);
    }
    // The earliest group with room that has no item like this one: a group only fills up, so
    // an item never lands before one like it that arrived earlier.
    let group = waiting.find((g) => g.waiters.length < this.options.maxItems && (distinct === undefined || !g.taken.has(distinct)));
    if (!group) {
      group = { waiters: [], taken: new Set() };
      waiting.push(group);
    }
    group.waiters.push(waiter);
    if (distinct !== undefined) group.taken.add(distinct);
  }

  /** A key that had nothing in flight flushes its first group now. */
  private startIfQuiet(key: string): void {
    if (!this.quiet.delete(key)) return;
    const first = this.lanes.get(key)!.shift()!;
    void this.run(key, first.waiters);
  }

  private async run(key: string, waiters: Waiter<Item, Result>[]): Promise<void> {
    try {
      const results = await this.options.flush(key, waiters.map((w) => w.item));
      waiters.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
    const next = this.lanes.get(key)!.shift();
    if (next) void this.run(key, next.waiters);
    else this.lanes.delete(key);
  }
}
