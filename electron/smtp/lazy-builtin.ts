import { createRequire } from 'node:module';

/**
 * A Node builtin loaded when first used rather than at start-up, synchronously (so no caller has to become async):
 * through process.getBuiltinModule (Node 20.16 / 22.3 and later), else require. For the builtins a fresh process
 * pays for and many runs never use (node:tls 6–12 ms, node:crypto ~3.5 ms).
 */
export function lazyBuiltin<T>(id: string): { get(): T; loaded(): T | undefined } {
  let module: T | undefined;
  return {
    get: () => (module ??= (process.getBuiltinModule?.(id) ?? createRequire(import.meta.url)(id)) as T),
    loaded: () => module,
  };
}
