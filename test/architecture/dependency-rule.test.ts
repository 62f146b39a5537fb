/** The dependency rule of HOUSE-STYLE.md, enforced: a layer that imports upward or sideways fails this test (decision 0026). */
import { describe, expect, it } from 'vitest';
import {
  checkDependencyRule,
  listSourceFiles,
  readSources,
  summarizeEdges,
  type DependencyRules,
  type KnownException,
  type LayerRule,
  type SharedHelper,
} from './dependency-graph.js';

const ADAPTER = 'adapters import core and the listed shared helpers only; the composition root wires them together.';

/**
 * The layers, bottom to top: core ← adapters ← jobs ← composition root (src/app*.ts, src/config.ts) and cli/.
 * Only production files count; `*.test.ts` files are small composition roots of their own (a test renders a digest with
 * render/ and reads it back with sources/), so they may import whatever they exercise.
 */
export const LAYERS: Record<string, LayerRule> = {
  core: { mayImport: [], why: 'core holds the types, seams and pure helpers every layer shares, so it imports no sibling folder.' },
  sources: { mayImport: ['core'], why: ADAPTER },
  store: { mayImport: ['core'], why: ADAPTER },
  llm: { mayImport: ['core'], why: ADAPTER },
  render: { mayImport: ['core'], why: ADAPTER },
  channels: { mayImport: ['core'], why: ADAPTER },
  library: { mayImport: ['core'], why: ADAPTER },
  rank: { mayImport: ['core'], why: ADAPTER },
  select: { mayImport: ['core'], why: ADAPTER },
  schedule: { mayImport: ['core'], why: ADAPTER },
  queue: { mayImport: ['core'], why: ADAPTER },
  // Pipeline steps are written against the store interface (store/store.ts), run pure selection (select/), call the
  // enrichment helpers of llm/ (prompts, quality gate, scheduler, pricing), parse imported files with sources/'
  // parsers and read the reader's library with library/ (ranking inputs). They get adapter instances from the composition root; they never import render/, channels/ or cli/.
  jobs: {
    mayImport: ['core', 'store', 'select', 'llm', 'sources', 'library'],
    why: 'jobs sit above the adapters they orchestrate and below the composition root.',
  },
  registry: { mayImport: '*', why: 'the registries (one per seam) are part of the composition root: metadata plus lazy factories (decision 0033).' },
  root: { mayImport: '*', why: 'the composition root (src/app*.ts, src/config.ts) composes everything.' },
  cli: { mayImport: '*', why: 'the CLI composes everything and is the only place that exits.' },
  web: { mayImport: '*', why: 'the web service (pages, feeds, API, MCP) composes the parts for readers, as the CLI does for operators.' },
};

/** `src/*.ts` files that are the composition root; any other top-level file fails as unclassified. */
export const ROOT_FILES = ['src/app.ts', 'src/app-channels.ts', 'src/app-daily.ts', 'src/app-llm.ts', 'src/config.ts'];

/** Files meant to be shared across adapters although they live in one adapter's folder. Ratcheted like exceptions. */
export const SHARED_HELPERS: SharedHelper[] = [
  {
    file: 'src/sources/shared/xml-reader.ts',
    why: 'the one hardened XML reader (decision 0004), used by sources/, library/ (Zotero RDF) and render/rss; its home folder belongs to the XML/redaction work.',
  },
  {
    file: 'src/select/query/parse.ts',
    why: 'the one query language (ti:/abs:/au:/cat:, AND/OR/NOT): subscriptions filter with it (select/) and the store searches with it (store/kysely/search, decision 0028); it should move to core/ with select/normalize.ts.',
  },
];

/**
 * Imports that break the rule today. Each is a ratchet: when the import goes, the entry must go too (the test fails on
 * a stale entry), so this list only shrinks. Add to it only with a reason and a decision record.
 */
export const KNOWN_EXCEPTIONS: KnownException[] = [];

const RULES: DependencyRules = { layers: LAYERS, rootFiles: ROOT_FILES, sharedHelpers: SHARED_HELPERS, exceptions: KNOWN_EXCEPTIONS };

describe('dependency rule over src/', () => {
  it('no layer imports upward or sideways, and every listed exception is still needed', () => {
    const files = listSourceFiles('src');
    expect(files.length).toBeGreaterThan(100);
    const report = checkDependencyRule(readSources(files), RULES);
    console.info(`Layer graph of src/ (production files, imports between folders):\n${summarizeEdges(report.edges).join('\n')}`);
    expect(report.violations, `Imports that break the dependency rule:\n${report.violations.join('\n')}`).toEqual([]);
    expect(report.stale, `Stale allowlist entries:\n${report.stale.join('\n')}`).toEqual([]);
  });
});

describe('the checker itself', () => {
  const rules: DependencyRules = { layers: LAYERS, rootFiles: ROOT_FILES, sharedHelpers: [], exceptions: [] };

  it('reports an upward import with the file, the import and the rule', () => {
    const graph = new Map([
      ['src/core/paper.ts', "import { renderMarkdown } from '../render/markdown/index.js';\nexport type Paper = { id: string };"],
      ['src/render/markdown/index.ts', "import type { Paper } from '../../core/paper.js';\nexport const renderMarkdown = (paper: Paper) => paper.id;"],
    ]);
    const { violations } = checkDependencyRule(graph, rules);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('src/core/paper.ts');
    expect(violations[0]).toContain("'../render/markdown/index.js'");
    expect(violations[0]).toContain('layer "core" may import no other folder, not "render"');
  });

  it('catches sideways re-exports and dynamic imports, ignores packages, node: and comments', () => {
    const graph = new Map([
      ['src/sources/a/index.ts', "export { x } from '../../render/x.js';\nimport 'node:fs';\nimport { z } from 'zod';\n// import '../../cli/index.js'\n"],
      ['src/select/filter.ts', "export async function load() { return import('../channels/index.js'); }"],
      ['src/render/x.ts', 'export const x = 1;'],
      ['src/channels/index.ts', 'export const y = 1;'],
    ]);
    const { violations } = checkDependencyRule(graph, rules);
    expect(violations.map((line) => line.split(' ')[0])).toEqual(['src/sources/a/index.ts', 'src/select/filter.ts']);
  });

  it('accepts allowed edges and the composition root, and fails stale exceptions and unknown folders', () => {
    const graph = new Map([
      ['src/jobs/run.ts', "import type { Store } from '../store/store.js';\nimport { filter } from '../select/filter.js';"],
      ['src/app.ts', "import { render } from './render/index.js';\nimport { run } from './jobs/run.js';"],
      ['src/gui/index.ts', "import { x } from '../core/paper.js';"],
      ['src/misc.ts', ''],
    ]);
    const stale: KnownException = { from: 'src/render/listing.ts', to: 'src/select/taxonomy.ts', why: 'test' };
    const report = checkDependencyRule(graph, { ...rules, exceptions: [stale] });
    expect(report.violations).toHaveLength(2);
    expect(report.violations.join('\n')).toMatch(/src\/gui\/index\.ts: its folder "gui" has no place/);
    expect(report.violations.join('\n')).toMatch(/src\/misc\.ts: its folder "src\/misc\.ts" has no place/);
    expect(report.stale).toEqual([expect.stringContaining('exception src/render/listing.ts → src/select/taxonomy.ts is no longer used')]);
  });

  it('lets a listed shared helper be imported across layers, but not by core', () => {
    const graph = new Map([
      ['src/library/rdf.ts', "import { read } from '../sources/shared/xml-reader.js';"],
      ['src/core/x.ts', "import { read } from '../sources/shared/xml-reader.js';"],
      ['src/sources/shared/xml-reader.ts', 'export const read = 1;'],
    ]);
    const report = checkDependencyRule(graph, { ...rules, sharedHelpers: [{ file: 'src/sources/shared/xml-reader.ts', why: 'test' }] });
    expect(report.violations.map((line) => line.split(' ')[0])).toEqual(['src/core/x.ts']);
    expect(report.stale).toEqual([]);
  });
});
