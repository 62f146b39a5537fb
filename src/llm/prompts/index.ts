/** Versioned prompt files (`prompts/<id>.v<N>.md`): loading, rendering the system, user and repair messages, the output schema, language names. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XivdigestError } from '../../core/errors.js';
import type { JsonSchema } from '../../core/llm.js';

/** The prompt every enrichment uses unless told otherwise; part of the texts cache key. */
export const PAPER_TEXTS_PROMPT_VERSION = 'paper-texts@1';
/** The same call with a four-part structured summary (motivation, method, result, conclusion); off by default. */
export const PAPER_TEXTS_STRUCTURED_PROMPT_VERSION = 'paper-texts-structured@1';
/** The schema name APIs that require one are given. */
export const PAPER_TEXTS_SCHEMA_NAME = 'paper_texts';

/** The placeholders a prompt file may use; any other `{{…}}` is an error when the file is loaded. */
export const PROMPT_PLACEHOLDERS = ['language', 'title', 'abstract', 'problems'] as const;
export type PromptPlaceholder = (typeof PROMPT_PLACEHOLDERS)[number];

/** One prompt file, parsed. */
export interface PromptTemplate {
  /** `paper-texts`. */
  id: string;
  /** 1, 2, …: a wording change is a new version, in a new file. */
  version: number;
  /** `paper-texts@1`: what stored texts record as their prompt version. */
  promptVersion: string;
  description: string;
  /** The `## system` section, with placeholders. */
  system: string;
  /** The `## user` section: the paper. */
  user: string;
  /** The `## repair` section: appended to the user message when an answer was rejected; holds `{{problems}}`. */
  repair: string;
  /** The file it came from. */
  file: string;
}

/** The messages of one call. */
export interface PromptMessages {
  system: string;
  prompt: string;
}

/** What a paper prompt is filled with. */
export interface PaperPromptInput {
  title: string;
  abstract: string;
  /** Target language code: `zh`, `zh-TW`, `ja`, … */
  lang: string;
}

const moduleDir = dirname(fileURLToPath(import.meta.url));

/**
 * The package's `prompts/` folder: the first ancestor of this module that holds both `package.json` and `prompts/`.
 * This module sits at `src/llm/prompts/` in a checkout and at `dist/llm/prompts/` in the published package, so both
 * find the same folder.
 */
export function defaultPromptsDir(): string {
  let dir = moduleDir;
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prompts'))) return join(dir, 'prompts');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new XivdigestError({
    code: 'CONFIG_INVALID',
    message: `Cannot find the prompts folder above ${moduleDir}`,
    hint: 'Reinstall xivdigest (its package ships prompts/), or set the prompts folder explicitly',
  });
}

/** Splits `paper-texts@1` into id and version; throws CONFIG_INVALID for anything else. */
export function parsePromptVersion(promptVersion: string): { id: string; version: number } {
  const match = /^([a-z0-9][a-z0-9-]*)@([1-9]\d*)$/.exec(promptVersion.trim());
  if (!match) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `Not a prompt version: ${JSON.stringify(promptVersion)}`,
      hint: `Write it as <id>@<version>, e.g. ${PAPER_TEXTS_PROMPT_VERSION}`,
    });
  }
  return { id: match[1]!, version: Number(match[2]) };
}

const loaded = new Map<string, PromptTemplate>();

/** Loads `prompts/<id>.v<version>.md` (read once per process and folder). Throws CONFIG_INVALID when absent or malformed. */
export function loadPrompt(promptVersion: string = PAPER_TEXTS_PROMPT_VERSION, options: { dir?: string } = {}): PromptTemplate {
  const { id, version } = parsePromptVersion(promptVersion);
  const dir = options.dir ?? defaultPromptsDir();
  const file = join(dir, `${id}.v${version}.md`);
  const known = loaded.get(file);
  if (known) return known;
  if (!existsSync(file)) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `No prompt file for ${id}@${version}: ${file} does not exist`,
      hint: `Use a version that exists (the default is ${PAPER_TEXTS_PROMPT_VERSION}) or add the file`,
      details: { file },
    });
  }
  const template = parsePrompt(readFileSync(file, 'utf8'), file);
  if (template.id !== id || template.version !== version) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${file} says it is ${template.id}@${template.version}, but its name says ${id}@${version}`,
      hint: 'Make the front matter id and version match the file name',
      details: { file },
    });
  }
  loaded.set(file, template);
  return template;
}

/** Parses a prompt file: front matter (`id`, `version`, `description`), then `## system`, `## user`, `## repair`. */
export function parsePrompt(text: string, file = '(prompt)'): PromptTemplate {
  const invalid = (what: string): XivdigestError =>
    new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `${file}: ${what}`,
      hint: 'A prompt file starts with --- front matter (id, version), then ## system, ## user and ## repair sections',
      details: { file },
    });
  const normalized = text.replace(/\r\n?/g, '\n');
  const front = /^---\n([\s\S]*?)\n---\n/.exec(normalized);
  if (!front) throw invalid('no front matter between --- lines at the top');
  const meta = new Map<string, string>();
  for (const line of front[1]!.split('\n')) {
    const field = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (field) meta.set(field[1]!, field[2]!.trim());
  }
  const id = meta.get('id');
  const version = Number(meta.get('version'));
  if (!id) throw invalid('the front matter has no id');
  if (!Number.isInteger(version) || version < 1) throw invalid(`the front matter version must be a whole number from 1, got ${JSON.stringify(meta.get('version'))}`);

  const sections = new Map<string, string>();
  const body = normalized.slice(front[0].length);
  const headings = [...body.matchAll(/^## +(\S+)[ \t]*$/gm)];
  headings.forEach((heading, index) => {
    const start = heading.index + heading[0].length;
    const end = headings[index + 1]?.index ?? body.length;
    sections.set(heading[1]!.toLowerCase(), body.slice(start, end).trim());
  });
  for (const name of ['system', 'user', 'repair']) {
    if (!sections.get(name)) throw invalid(`the ## ${name} section is missing or empty`);
  }
  for (const [name, section] of sections) {
    for (const match of section.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!(PROMPT_PLACEHOLDERS as readonly string[]).includes(match[1]!)) {
        throw invalid(`the ## ${name} section uses {{${match[1]}}}; the placeholders are ${PROMPT_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
      }
    }
  }
  if (!sections.get('repair')!.includes('{{problems}}')) throw invalid('the ## repair section must contain {{problems}}');
  return {
    id,
    version,
    promptVersion: `${id}@${version}`,
    description: meta.get('description') ?? '',
    system: sections.get('system')!,
    user: sections.get('user')!,
    repair: sections.get('repair')!,
    file,
  };
}

/**
 * Fills `{{name}}` placeholders in one pass: a value that itself contains `{{title}}` (an abstract may) is inserted
 * as it is, never expanded. A placeholder without a value is an error, so that no prompt goes out half-filled.
 */
export function renderTemplate(template: string, values: Partial<Record<PromptPlaceholder, string>>): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, name: string) => {
    const value = values[name as PromptPlaceholder];
    if (value === undefined) {
      throw new XivdigestError({ code: 'CONFIG_INVALID', message: `The prompt placeholder ${whole} has no value`, details: { placeholder: name } });
    }
    return value;
  });
}

/** The system and user messages of the first call for a paper. */
export function renderPaperPrompt(template: PromptTemplate, input: PaperPromptInput): PromptMessages {
  const values = { language: languageName(input.lang), title: input.title.trim(), abstract: input.abstract.trim() };
  return { system: renderTemplate(template.system, values), prompt: renderTemplate(template.user, values) };
}

/**
 * The messages of a repair call: the same system message, and the user message followed by the repair section with
 * the problems listed. The seam sends one user message, so the rejected answer is described, not replayed.
 */
export function renderRepairPrompt(template: PromptTemplate, input: PaperPromptInput, problems: string): PromptMessages {
  const first = renderPaperPrompt(template, input);
  const values = { language: languageName(input.lang), title: input.title.trim(), abstract: input.abstract.trim(), problems: problems.trim() };
  return { system: first.system, prompt: `${first.prompt}\n\n${renderTemplate(template.repair, values)}` };
}

const TEXT_PROPERTIES = {
  title: { type: 'string', description: 'The title, translated' },
  tldr: { type: 'string', description: 'One sentence: the main contribution, in the target language' },
  tldrEn: { type: 'string', description: 'The same sentence in English' },
  abstract: { type: 'string', description: 'The abstract, translated in full' },
} as const;

const SUMMARY_PROPERTIES = {
  motivation: { type: 'string', description: 'One sentence: the problem or gap addressed, in the target language' },
  method: { type: 'string', description: 'One sentence: what the authors propose or do, in the target language' },
  result: { type: 'string', description: 'One sentence: the main finding, in the target language' },
  conclusion: { type: 'string', description: 'One sentence: what the finding means, in the target language' },
} as const;

/** The output schema: `{title, tldr, tldrEn, abstract}`, all strings, all required, nothing else (OpenAI strict mode needs that). */
export const PAPER_TEXTS_SCHEMA: JsonSchema = Object.freeze({
  type: 'object',
  properties: TEXT_PROPERTIES,
  required: Object.keys(TEXT_PROPERTIES),
  additionalProperties: false,
});

/** The schema with the structured summary's four fields added (for {@link PAPER_TEXTS_STRUCTURED_PROMPT_VERSION}). */
export const PAPER_TEXTS_STRUCTURED_SCHEMA: JsonSchema = Object.freeze({
  type: 'object',
  properties: { ...TEXT_PROPERTIES, ...SUMMARY_PROPERTIES },
  required: [...Object.keys(TEXT_PROPERTIES), ...Object.keys(SUMMARY_PROPERTIES)],
  additionalProperties: false,
});

/** The four extra fields of the structured summary, in order. */
export const STRUCTURED_SUMMARY_FIELDS = Object.keys(SUMMARY_PROPERTIES) as Array<keyof typeof SUMMARY_PROPERTIES>;

/** The schema a prompt answers with: prompts whose id ends in `-structured` add the summary fields. */
export function schemaFor(template: Pick<PromptTemplate, 'id'>): JsonSchema {
  return template.id.endsWith('-structured') ? PAPER_TEXTS_STRUCTURED_SCHEMA : PAPER_TEXTS_SCHEMA;
}

/** English names of target languages, as the prompt says them to the model. */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  zh: 'Simplified Chinese',
  'zh-cn': 'Simplified Chinese',
  'zh-sg': 'Simplified Chinese',
  'zh-hans': 'Simplified Chinese',
  'zh-tw': 'Traditional Chinese (as used in Taiwan)',
  'zh-hk': 'Traditional Chinese (as used in Hong Kong)',
  'zh-hant': 'Traditional Chinese',
  ja: 'Japanese',
  ko: 'Korean',
  fr: 'French',
  de: 'German',
  es: 'Spanish',
  ru: 'Russian',
  pt: 'Portuguese',
  'pt-br': 'Brazilian Portuguese',
  it: 'Italian',
  vi: 'Vietnamese',
  ar: 'Arabic',
  en: 'English',
});

/**
 * The name of a language code for the prompt: `zh` → `Simplified Chinese`, `zh-TW` → `Traditional Chinese (as used in
 * Taiwan)`. Codes not in the table fall back to the name Intl knows (`nl` → `Dutch`), then to the base code's entry
 * (`fr-CA` → `French`), then to the code itself, so that a prompt is never sent without a language.
 */
export function languageName(lang: string): string {
  const code = lang.trim().replace(/_/g, '-').toLowerCase();
  const known = LANGUAGE_NAMES[code];
  if (known) return known;
  const base = code.split('-')[0] ?? code;
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(base);
    if (name && name.toLowerCase() !== base) return LANGUAGE_NAMES[base] ?? name;
  } catch {
    // Not a well-formed language tag: fall through to the code itself.
  }
  return LANGUAGE_NAMES[base] ?? lang.trim();
}
