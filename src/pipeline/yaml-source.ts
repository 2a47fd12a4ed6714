import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Diagnostic, PathSegment } from './diagnostics.js';
import { checkAliases } from './yaml-aliases.js';

/**
 * A parsed YAML file that still knows where each value came from, so every error can name
 * its file, line and field path.
 */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document;
  /**
   * The plain JS value of the document (after any in-place edits of `doc`). Call it only when
   * parsing reported no error: an alias problem is such an error.
   */
  value(): unknown;
  /** 1-based line of the value at `path`, else of its nearest existing parent. */
  lineOf(path: readonly PathSegment[]): number | null;
  /** 1-based line of the key at the end of `path` (for "unknown field" errors). */
  keyLineOf(path: readonly PathSegment[]): number | null;
  /** 1-based line of a character offset. */
  lineAt(offset: number): number;
}

export function parseYamlSource(
  file: string,
  text: string,
): { source: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  for (const err of doc.errors) {
    const pos = err.linePos?.[0];
    diagnostics.push({
      severity: 'error',
      file,
      line: pos?.line ?? lineCounter.linePos(err.pos[0]).line,
      path: '',
      message: `YAML syntax: ${firstLine(err.message)}`,
    });
  }

  if (diagnostics.length === 0) {
    const alias = checkAliases(doc);
    if (alias) {
      diagnostics.push({
        severity: 'error',
        file,
        line: lineCounter.linePos(alias.offset).line,
        path: '',
        message: `YAML: ${alias.message}`,
      });
    }
  }

  const lineAt = (offset: number | undefined): number | null =>
    offset === undefined ? null : lineCounter.linePos(offset).line;

  const walk = (
    path: readonly PathSegment[],
  ): { node: Node | null; parent: Node | null; keyNode: Node | null } => {
    let node: unknown = doc.contents;
    let parent: Node | null = null;
    let keyNode: Node | null = null;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return { node: null, parent: node as Node, keyNode: null };
        parent = node as Node;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        parent = node as Node;
        keyNode = null;
        node = node.items[seg];
        if (node === undefined) return { node: null, parent, keyNode: null };
      } else {
        return { node: null, parent: (node as Node | null) ?? parent, keyNode: null };
      }
    }
    return { node: (node as Node | null) ?? null, parent, keyNode };
  };

  const source: YamlSource = {
    file,
    text,
    doc,
    // checkAliases bounds the expansion by the file's own size, which is what matters;
    // the library's fixed count (100 uses of one anchor) would refuse honest files.
    value: () => doc.toJS({ maxAliasCount: -1 }),
    lineAt: (offset) => lineCounter.linePos(offset).line,
    lineOf(path) {
      const { node, parent, keyNode } = walk(path);
      return (
        lineAt(node?.range?.[0] ?? keyNode?.range?.[0] ?? parent?.range?.[0]) ?? (path.length ? 1 : null)
      );
    },
    keyLineOf(path) {
      const { keyNode, node, parent } = walk(path);
      return lineAt(keyNode?.range?.[0] ?? node?.range?.[0] ?? parent?.range?.[0]);
    },
  };
  return { source, diagnostics };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
