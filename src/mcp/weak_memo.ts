/**
 * Memoizes a builder per tuple of object keys, held weakly: `weakMemo(build)(a, b)` builds once per `(a, b)`
 * and forgets the value when any key is collected. Servers use it to build their per-client tables once and
 * share them across every session and request over that client.
 */
export function weakMemo<K extends readonly object[], V>(build: (...keys: K) => V): (...keys: K) => V {
  interface Node {
    next: WeakMap<object, Node>;
    value?: { built: V };
  }
  const root: Node = { next: new WeakMap() };
  return (...keys: K): V => {
    let node = root;
    for (const key of keys) {
      let child = node.next.get(key);
      if (!child) node.next.set(key, child = { next: new WeakMap() });
      node = child;
    }
    node.value ??= { built: build(...keys) };
    return node.value.built;
  };
}
