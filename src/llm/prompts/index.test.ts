/** The prompt files: loading from the package folder, rendering, the schema, language names, and malformed files rejected. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import {
  defaultPromptsDir,
  languageName,
  loadPrompt,
  PAPER_TEXTS_PROMPT_VERSION,
  PAPER_TEXTS_SCHEMA,
  PAPER_TEXTS_STRUCTURED_PROMPT_VERSION,
  PAPER_TEXTS_STRUCTURED_SCHEMA,
  parsePrompt,
  parsePromptVersion,
  renderPaperPrompt,
  renderRepairPrompt,
  renderTemplate,
  schemaFor,
  STRUCTURED_SUMMARY_FIELDS,
} from './index.js';

function thrown(run: () => unknown): XivdigestError {
  try {
    run();
  } catch (error) {
    if (XivdigestError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an XivdigestError');
}

const paper = {
  title: 'Sparse Mixture Adapters for Low-Resource Machine Translation',
  abstract: 'We propose sparse mixture adapters. They improve BLEU by 2.1 points with $O(n \\log n)$ cost and {{title}} stays literal.',
  lang: 'zh',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xivdigest-prompts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadPrompt', () => {
  it('finds the package prompts folder from the module and loads paper-texts@1', () => {
    expect(defaultPromptsDir()).toMatch(/[/\\]prompts$/);
    const template = loadPrompt();
    expect(PAPER_TEXTS_PROMPT_VERSION).toBe('paper-texts@1');
    expect(template).toMatchObject({ id: 'paper-texts', version: 1, promptVersion: 'paper-texts@1' });
    expect(template.system).toContain('{{language}}');
    expect(template.user).toContain('{{abstract}}');
    expect(template.repair).toContain('{{problems}}');
    expect(template.description).not.toBe('');
    expect(loadPrompt('paper-texts@1')).toBe(template);
  });

  it('loads the structured-summary variant, whose schema adds four required fields', () => {
    const template = loadPrompt(PAPER_TEXTS_STRUCTURED_PROMPT_VERSION);
    expect(template.promptVersion).toBe('paper-texts-structured@1');
    for (const field of STRUCTURED_SUMMARY_FIELDS) expect(template.system).toContain(`"${field}"`);
    expect(schemaFor(template)).toBe(PAPER_TEXTS_STRUCTURED_SCHEMA);
    expect(schemaFor(loadPrompt())).toBe(PAPER_TEXTS_SCHEMA);
    expect(PAPER_TEXTS_STRUCTURED_SCHEMA.required).toEqual(['title', 'tldr', 'tldrEn', 'abstract', 'motivation', 'method', 'result', 'conclusion']);
  });

  it('says which file is missing for an unknown version, and rejects malformed version strings', () => {
    const missing = thrown(() => loadPrompt('paper-texts@99'));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain('paper-texts.v99.md');
    expect(thrown(() => parsePromptVersion('paper-texts')).code).toBe('CONFIG_INVALID');
    expect(thrown(() => parsePromptVersion('paper-texts@0')).code).toBe('CONFIG_INVALID');
    expect(parsePromptVersion(' custom-x@12 ')).toEqual({ id: 'custom-x', version: 12 });
  });

  it('loads from another folder, and rejects a file whose front matter disagrees with its name', async () => {
    const good = '---\nid: mine\nversion: 2\n---\n\n## system\nS {{language}}\n\n## user\nT {{title}} A {{abstract}}\n\n## repair\nFix {{problems}}\n';
    await writeFile(join(dir, 'mine.v2.md'), good);
    await writeFile(join(dir, 'mine.v3.md'), good);
    expect(loadPrompt('mine@2', { dir })).toMatchObject({ id: 'mine', version: 2, system: 'S {{language}}', repair: 'Fix {{problems}}' });
    expect(thrown(() => loadPrompt('mine@3', { dir })).message).toContain('mine@2');
  });
});

describe('parsePrompt', () => {
  const sections = '## system\nS\n\n## user\nU {{title}}\n\n## repair\nR {{problems}}\n';
  it.each([
    ['no front matter', sections, 'front matter'],
    ['no id', `---\nversion: 1\n---\n${sections}`, 'no id'],
    ['a bad version', `---\nid: x\nversion: one\n---\n${sections}`, 'version'],
    ['a missing section', '---\nid: x\nversion: 1\n---\n## system\nS\n## user\nU\n', '## repair'],
    ['an unknown placeholder', `---\nid: x\nversion: 1\n---\n${sections.replace('U {{title}}', 'U {{titel}}')}`, '{{titel}}'],
    ['a repair without problems', `---\nid: x\nversion: 1\n---\n${sections.replace('R {{problems}}', 'R')}`, '{{problems}}'],
  ])('rejects %s', (_name, text, expected) => {
    const error = thrown(() => parsePrompt(text, 'x.v1.md'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('x.v1.md');
    expect(error.message).toContain(expected);
  });

  it('reads CRLF files', () => {
    const text = '---\r\nid: x\r\nversion: 1\r\n---\r\n## system\r\nS\r\n## user\r\nU\r\n## repair\r\nR {{problems}}\r\n';
    expect(parsePrompt(text)).toMatchObject({ id: 'x', system: 'S', user: 'U', repair: 'R {{problems}}' });
  });
});

describe('rendering', () => {
  it('fills the system and user messages, and leaves placeholders inside values alone', () => {
    const messages = renderPaperPrompt(loadPrompt(), paper);
    expect(messages.system).toContain('who read Simplified Chinese');
    expect(messages.system).not.toMatch(/\{\{/);
    expect(messages.prompt).toBe(`Title: ${paper.title}\n\nAbstract: ${paper.abstract}`);
    expect(messages.prompt).toContain('{{title}} stays literal');
  });

  it('appends the repair section with the problems to the same user message', () => {
    const repair = renderRepairPrompt(loadPrompt(), { ...paper, lang: 'ja' }, '- Write abstract in Japanese.\n');
    expect(repair.system).toContain('who read Japanese');
    expect(repair.prompt.startsWith(`Title: ${paper.title}`)).toBe(true);
    expect(repair.prompt).toContain('rejected for these reasons:\n- Write abstract in Japanese.\n\nAnswer again');
  });

  it('refuses to send a placeholder without a value', () => {
    expect(renderTemplate('{{ title }}!', { title: 'T' })).toBe('T!');
    expect(thrown(() => renderTemplate('{{problems}}', {})).code).toBe('CONFIG_INVALID');
  });
});

describe('schema', () => {
  it('asks for four required strings and nothing else', () => {
    expect(PAPER_TEXTS_SCHEMA).toEqual({
      type: 'object',
      properties: {
        title: expect.objectContaining({ type: 'string' }),
        tldr: expect.objectContaining({ type: 'string' }),
        tldrEn: expect.objectContaining({ type: 'string' }),
        abstract: expect.objectContaining({ type: 'string' }),
      },
      required: ['title', 'tldr', 'tldrEn', 'abstract'],
      additionalProperties: false,
    });
  });
});

describe('languageName', () => {
  it.each([
    ['zh', 'Simplified Chinese'],
    ['zh-CN', 'Simplified Chinese'],
    ['zh-TW', 'Traditional Chinese (as used in Taiwan)'],
    ['zh_Hant', 'Traditional Chinese'],
    ['ja', 'Japanese'],
    ['ko', 'Korean'],
    ['fr', 'French'],
    ['de', 'German'],
    ['es', 'Spanish'],
    ['ru', 'Russian'],
    ['pt', 'Portuguese'],
    ['it', 'Italian'],
    ['vi', 'Vietnamese'],
    ['ar', 'Arabic'],
    ['fr-CA', 'French'],
    ['nl', 'Dutch'],
    ['qqq', 'qqq'],
  ])('%s is %s', (code, name) => {
    expect(languageName(code)).toBe(name);
  });
});
