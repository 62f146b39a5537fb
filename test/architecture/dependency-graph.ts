/** Reads the import graph of `src/` between top-level folders and checks it against the dependency rule (decision 0026). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** What one layer may import besides itself. `'*'` means anything under `src/` (the composition root and the CLI). */
export interface LayerRule {
  /** The layers (top-level folders, or `root` for `src/*.ts`) this layer may import. */
  mayImport: readonly string[] | '*';
  /** Why the layer sits where it does; printed with a violation. */
  why: string;
}

/** A file that any layer may import although it lives in another layer's folder. */
export interface SharedHelper {
  /** Path from the repository root, e.g. `src/sources/shared/xml-reader.ts`. */
  file: string;
  why: string;
}

/** One import that breaks the rule today and is tolerated until it is fixed (the list may only shrink). */
export interface KnownException {
  /** The importing file, from the repository root. */
  from: string;
  /** The imported file, from the repository root. */
  to: string;
  why: string;
}

export interface DependencyRules {
  layers: Readonly<Record<string, LayerRule>>;
  /** `src/*.ts` files that form the composition root (layer `root`). */
  rootFiles: readonly string[];
  sharedHelpers: readonly SharedHelper[];
  exceptions: readonly KnownException[];
}

/** One relative import between two files of `src/`. */
export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written in the source. */
  specifier: string;
  fromLayer: string;
  toLayer: string;
}

export interface DependencyReport {
  /** Every relative import that crosses a layer boundary. */
  edges: ImportEdge[];
  /** One human-readable line per broken rule. */
  violations: string[];
  /** Exceptions and shared helpers that nothing needs any more: remove them (the ratchet). */
  stale: string[];
}

/** Every `.ts` file under `directory`, with `/` separators, relative to `cwd`; tests (`*.test.ts`) excluded. */
export function listSourceFiles(directory: string): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.posix.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(directory);
  return files.sort();
}

/** Reads the files into the in-memory form `checkDependencyRule` takes. */
export function readSources(files: readonly string[]): Map<string, string> {
  return new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
}

/**
 * The module specifiers of `import … from`, `export … from`, `import '…'`, `import x = require('…')` and
 * `import('…')` with a string literal. TypeScript's own pre-processor does the scanning, so specifiers inside comments
 * and strings are not mistaken for imports.
 */
export function importSpecifiers(sourceText: string): string[] {
  const info = ts.preProcessFile(sourceText, true, true);
  return info.importedFiles.map((reference) => reference.fileName);
}

/** The layer of a file under `src/`: its top-level folder, `root` for the composition-root files, or `src/<name>.ts`. */
export function layerOf(file: string, rules: Pick<DependencyRules, 'rootFiles'>): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return 'outside-src';
  if (parts.length === 2) return rules.rootFiles.includes(file) ? 'root' : file;
  return parts[1]!;
}

/** `./x.js` from `src/a/b.ts` → `src/a/x.ts` (NodeNext writes `.js` for `.ts`); a folder resolves to its `index.ts`. */
function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [joined.replace(/\.js$/, '.ts'), joined, `${joined}.ts`, `${joined}/index.ts`];
  return candidates.find((candidate) => known.has(candidate)) ?? candidates[0]!;
}

/** Checks every relative import of `sources` (file → text) against `rules`. Pure: the unit test feeds it a small graph. */
export function checkDependencyRule(sources: ReadonlyMap<string, string>, rules: DependencyRules): DependencyReport {
  const known = new Set(sources.keys());
  const shared = new Map(rules.sharedHelpers.map((helper) => [helper.file, helper]));
  const usedShared = new Set<string>();
  const usedExceptions = new Set<KnownException>();
  const edges: ImportEdge[] = [];
  const violations: string[] = [];

  for (const [from, text] of sources) {
    const fromLayer = layerOf(from, rules);
    const rule = rules.layers[fromLayer];
    if (rule === undefined) {
      violations.push(
        `${from}: its folder "${fromLayer}" has no place in the layers; add it to LAYERS in test/architecture/dependency-rule.test.ts (and docs/decisions/0026-dependency-rule.md)`,
      );
      continue;
    }
    for (const specifier of importSpecifiers(text)) {
      // Packages and node: built-ins are outside the rule; it is about our own folders.
      if (!specifier.startsWith('.')) continue;
      const to = resolveRelative(from, specifier, known);
      const toLayer = layerOf(to, rules);
      if (toLayer === fromLayer) continue;
      const edge = { from, to, specifier, fromLayer, toLayer };
      edges.push(edge);
      if (rule.mayImport === '*' && toLayer !== 'outside-src') continue;
      if (rule.mayImport !== '*' && rule.mayImport.includes(toLayer)) continue;
      if (shared.has(to) && fromLayer !== 'core') {
        usedShared.add(to);
        continue;
      }
      const exception = rules.exceptions.find((candidate) => candidate.from === from && candidate.to === to);
      if (exception !== undefined) {
        usedExceptions.add(exception);
        continue;
      }
      const allowed = rule.mayImport === '*' ? 'anything under src/' : rule.mayImport.length === 0 ? 'no other folder' : rule.mayImport.join(', ');
      violations.push(
        `${from} imports '${specifier}' (${to}): layer "${fromLayer}" may import ${allowed}, not "${toLayer}". ` +
          `Rule: ${rule.why} Move the shared code down into core (or inject it from the composition root) instead of importing across.`,
      );
    }
  }

  const stale = [
    ...rules.exceptions
      .filter((exception) => !usedExceptions.has(exception))
      .map((exception) => `exception ${exception.from} → ${exception.to} is no longer used: delete it from KNOWN_EXCEPTIONS (the list only shrinks)`),
    ...rules.sharedHelpers
      .filter((helper) => !usedShared.has(helper.file))
      .map((helper) => `shared helper ${helper.file} is not imported across a layer any more: delete it from SHARED_HELPERS`),
  ];
  return { edges, violations, stale };
}

/** `from → to  count` lines for the layer graph, sorted, for the test's printout. */
export function summarizeEdges(edges: readonly ImportEdge[]): string[] {
  const counts = new Map<string, number>();
  for (const edge of edges) {
    const key = `${edge.fromLayer} → ${edge.toLayer}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${String(count).padStart(4)}  ${key}`);
}
