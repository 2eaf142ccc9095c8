/**
 * Whether JSON holds a value exactly, so that its JSON text can stand for it: a cache key
 * (src/config/structure.ts remembers valid literals by it) or a round trip through a file
 * (src/diff/rendered-tree.ts seeds the diff with the build's objects). JSON drops or changes
 * an `undefined` field, a function, a symbol, a bigint (throws), a non-finite number, a hole
 * in an array, an inherited property, a boxed primitive, a class instance (a Date, anything
 * with `toJSON`), and cannot hold a cycle; a validator sees all of them.
 */
export function isPlainJson(value: unknown): boolean {
  const ancestors = new Set<object>();
  const plain = (v: unknown): boolean => {
    switch (typeof v) {
      case 'string': case 'boolean': return true;
      case 'number': return Number.isFinite(v);
      case 'object': {
        if (v === null) return true;
        if (ancestors.has(v)) return false;
        ancestors.add(v);
        const ok = Array.isArray(v) ? plainArray(v) : plainObject(v);
        ancestors.delete(v);
        return ok;
      }
      default: return false;
    }
  };
  const plainArray = (list: readonly unknown[]): boolean => {
    if (Object.getPrototypeOf(list) !== Array.prototype) return false;
    for (let i = 0; i < list.length; i++) if (!(i in list) || !plain(list[i])) return false;
    return true;
  };
  const plainObject = (object: object): boolean => {
    const prototype: unknown = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) return false;
    if (Object.getOwnPropertySymbols(object).length > 0) return false;
    for (const key of Object.getOwnPropertyNames(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key)!;
      // A getter or a hidden field is not what JSON writes (or not written at all).
      if (!descriptor.enumerable || !('value' in descriptor) || !plain(descriptor.value)) return false;
    }
    return true;
  };
  return plain(value);
}
