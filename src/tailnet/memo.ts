/**
 * The evaluator's memo tables. They live on `globalThis` rather than in module variables: the
 * policy writer runs inside a Pulumi dynamic provider, whose code Pulumi serializes by value
 * with everything it captures (@pulumi/pulumi runtime/closure/createClosure.js), and a captured
 * Map, WeakMap or Set becomes a plain object holding the prototype's methods, which throw
 * ("called on incompatible receiver") when the provider runs. A table created on first use
 * from a global works in both processes. Test: test/pulumi/serialized-provider.test.ts.
 */

/** Versioned: two bundles of different code in one process never share tables of another shape. */
const TABLES = '__tuistTailnetMemo/2';

interface Tables {
  /** Tables of pure functions of their key, kept for the process. */
  readonly lasting: Record<string, object>;
  /** How deep in {@link withReadCache} calls the process is, and their tables. */
  depth: number;
  scoped: Record<string, object>;
}

function tables(): Tables {
  return ((globalThis as Record<string, unknown>)[TABLES] ??= { lasting: {}, depth: 0, scoped: {} }) as Tables;
}

/** The process's table `name` for a pure function of its key, created by `create` on first use. */
export function memoTable<T extends object>(name: string, create: () => T): T {
  const { lasting } = tables();
  return (lasting[name] ??= create()) as T;
}

/**
 * Runs `work` (a synchronous, pure evaluation of documents nobody edits meanwhile) with the
 * scoped tables on; they are dropped when the outermost call returns. Outside any such call
 * {@link scopedTable} gives nothing, so a document edited between two questions is read again.
 */
export function withReadCache<T>(work: () => T): T {
  const state = tables();
  state.depth += 1;
  try {
    return work();
  } finally {
    state.depth -= 1;
    if (state.depth === 0) state.scoped = {};
  }
}

/** The scoped table `name` inside a {@link withReadCache} call; undefined outside one. */
export function scopedTable<T extends object>(name: string, create: () => T): T | undefined {
  const state = tables();
  if (state.depth === 0) return undefined;
  return (state.scoped[name] ??= create()) as T;
}
