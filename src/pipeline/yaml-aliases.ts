import { type Document, isAlias, isCollection, isPair, isScalar, type Node, visit } from 'yaml';

/**
 * Aliases (`*name`) repeat a value without repeating its text, so a small file can stand for
 * an enormous one ("billion laughs": 10 aliases of 10 aliases of ... ). Every later reader of
 * the value (the schema check, JSON) walks the expanded form, so the expansion is measured on
 * the syntax tree first and refused, at the alias that crosses the limit, when it would hold
 * more values than the file itself (or than MIN_ALLOWED, for small files).
 */
const MIN_ALLOWED = 10_000;

export interface AliasProblem {
  /** Offset of the alias in the text. */
  offset: number;
  message: string;
}

/** The first problem with the document's aliases: unknown, recursive, or expanding too far. */
export function checkAliases(doc: Document): AliasProblem | null {
  const latest = new Map<string, Node>();
  const targetOf = new Map<Node, Node>();
  const aliases: Node[] = [];
  let written = 0;
  let problem: AliasProblem | null = null;
  visit(doc, {
    Node(_key, node, path) {
      written++;
      if (isAlias(node)) {
        const target = latest.get(node.source);
        const offset = node.range?.[0] ?? 0;
        if (!target) {
          problem = { offset, message: `alias *${node.source} has no anchor &${node.source} before it` };
          return visit.BREAK;
        }
        if (path.includes(target)) {
          problem = { offset, message: `alias *${node.source} is inside the value it refers to` };
          return visit.BREAK;
        }
        targetOf.set(node, target);
        aliases.push(node);
      } else if (node.anchor) latest.set(node.anchor, node);
      return undefined;
    },
  });
  if (problem) return problem;

  const limit = Math.max(MIN_ALLOWED, written);
  const sizes = new Map<Node, number>();
  // Values a node stands for once aliases are expanded; capped so sums cannot overflow.
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    if (isPair(node)) return size(node.key) + size(node.value);
    if (isScalar(node)) return 1;
    const n = node as Node;
    const known = sizes.get(n);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(n)) total = size(targetOf.get(n));
    else if (isCollection(n)) for (const item of n.items) total = Math.min(total + size(item), limit + 1);
    sizes.set(n, total);
    return total;
  };
  let expanded = 0;
  for (const alias of aliases) {
    expanded += size(targetOf.get(alias));
    if (expanded > limit) {
      const name = (alias as Node & { source: string }).source;
      return {
        offset: alias.range?.[0] ?? 0,
        message: `aliases expand to more than ${limit} values (at *${name}): write the values out, or alias smaller ones`,
      };
    }
  }
  return null;
}
