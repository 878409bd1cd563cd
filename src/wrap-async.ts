/**
 * `target` with the promise of each of its async methods passed through `wrap` (with the
 * method's name); properties, methods that return no promise, and those in `skip` pass
 * through as they are. For cross-cutting concerns of adapters: timing, deadlines.
 */
export function wrapAsyncMethods<T extends object>(
  target: T,
  wrap: (call: string, out: Promise<unknown>) => Promise<unknown>,
  skip: readonly string[] = [],
): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || skip.includes(prop)) return v;
      return function (this: unknown, ...args: unknown[]) {
        const out = (v as (...a: unknown[]) => unknown).apply(this === receiver ? t : this, args);
        return out instanceof Promise ? wrap(prop, out) : out;
      };
    },
  });
}
