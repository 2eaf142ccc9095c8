/**
 * The evaluator's memo tables, kept on `globalThis` rather than in module variables: the
 * policy writer runs inside a Pulumi dynamic provider, whose code Pulumi serializes by value
 * with everything it captures (@pulumi/pulumi runtime/closure/createClosure.js), and a captured
 * Map, WeakMap or Set becomes a plain object holding the prototype's methods, which throw
 * ("called on incompatible receiver") when the provider runs. A table created on first use
 * from a global works in both processes. Test: test/pulumi/serialized-provider.test.ts.
 */

const TABLES = '__tuistTailnetMemo';

/** The process's table `name`, created by `create` on first use. */
export function memoTable<T extends object>(name: string, create: () => T): T {
  const tables = ((globalThis as Record<string, unknown>)[TABLES] ??= {}) as Record<string, T>;
  return (tables[name] ??= create());
}
