/**
 * The renderer registry: every output format, with its media type and file extension, and a lazy factory. The render
 * command's `--format` choices, the config's `outputs.formats`, the published files' extensions and the renderers of a
 * run are all derived from it. Plain data and `import()` only, so `xivdigest --help` loads no renderer (KaTeX among them).
 */
import type { Renderer } from '../core/render.js';
import { registryIds, type RegistryEntry } from './registry.js';

/** Options every renderer factory accepts: where the digest is published (feeds link to it). */
export interface RendererSettings {
  homepage?: string;
}

export type RendererFactory = (settings?: RendererSettings) => Renderer;

export interface RendererEntry extends RegistryEntry<RendererFactory> {
  /** The output format it writes, as `outputs.formats` names it. */
  format: string;
  /** An alternative layout of `format`, chosen by a subscription's `outputs.style` (not an output format of its own). */
  style?: 'rich';
  /** The Content-Type of what it writes. */
  mediaType: string;
  /** The published file's extension (`xml` for RSS: the original system's `<category>.xml`). */
  extension: string;
}

/** One line per renderer; `md` is the original table layout (byte-exact for imported digests), `md-rich` the richer one. */
export const renderers = {
  md: {
    format: 'md',
    mediaType: 'text/markdown; charset=utf-8',
    extension: 'md',
    description: "Markdown: the original system's table layout",
    load: async () => {
      const { createMarkdownRenderer } = await import('../render/markdown/index.js');
      return () => createMarkdownRenderer();
    },
  },
  'md-rich': {
    format: 'md',
    style: 'rich',
    mediaType: 'text/markdown; charset=utf-8',
    extension: 'md',
    description: 'Markdown: a richer layout (outputs.style "rich")',
    load: async () => {
      const { renderRichMarkdown } = await import('../render/markdown/rich.js');
      return (): Renderer => ({ format: 'md', mediaType: 'text/markdown; charset=utf-8', render: (digest) => renderRichMarkdown(digest) });
    },
  },
  html: {
    format: 'html',
    mediaType: 'text/html; charset=utf-8',
    extension: 'html',
    description: 'a standalone HTML page',
    load: async () => {
      const { createHtmlRenderer } = await import('../render/html/index.js');
      return () => createHtmlRenderer();
    },
  },
  rss: {
    format: 'rss',
    mediaType: 'application/rss+xml; charset=utf-8',
    extension: 'xml',
    description: 'an RSS 2.0 feed',
    load: async () => {
      const { createRssRenderer } = await import('../render/rss/index.js');
      return (settings = {}) => createRssRenderer(settings.homepage ? { channel: { link: settings.homepage } } : {});
    },
  },
  atom: {
    format: 'atom',
    mediaType: 'application/atom+xml; charset=utf-8',
    extension: 'atom',
    description: 'an Atom feed',
    load: async () => {
      const { createAtomRenderer } = await import('../render/atom/index.js');
      return (settings = {}) => createAtomRenderer(settings.homepage ? { link: settings.homepage } : {});
    },
  },
  json: {
    format: 'json',
    mediaType: 'application/feed+json; charset=utf-8',
    extension: 'json',
    description: 'a JSON Feed 1.1',
    load: async () => {
      const { createJsonFeedRenderer } = await import('../render/json-feed/index.js');
      return (settings = {}) => createJsonFeedRenderer(settings.homepage ? { homePageUrl: settings.homepage } : {});
    },
  },
  txt: {
    format: 'txt',
    mediaType: 'text/plain; charset=utf-8',
    extension: 'txt',
    description: 'plain text (the chat and e-mail text part)',
    load: async () => {
      const { createTextRenderer } = await import('../render/text/index.js');
      return () => createTextRenderer();
    },
  },
} as const satisfies Record<string, RendererEntry>;

export type RenderFormat = keyof typeof renderers;

/** `render --format` choices: every renderer. */
export const RENDER_FORMATS = registryIds(renderers);

type OutputEntry = { [Id in RenderFormat]: (typeof renderers)[Id] extends { style: string } ? never : (typeof renderers)[Id] }[RenderFormat];
export type OutputFormat = OutputEntry['format'];

/** The formats a subscription can write (`outputs.formats`): each renderer's format, layouts of one format counted once. */
export const OUTPUT_FORMATS = [...new Set(Object.values(renderers as Record<string, RendererEntry>).map((entry) => entry.format))] as [
  OutputFormat,
  ...OutputFormat[],
];

/** The renderer that writes `format` in a subscription's `style` (the plain one when the style has no layout of its own). */
export function rendererFor(format: string, style?: string): RenderFormat | undefined {
  const entries = Object.entries(renderers as Record<string, RendererEntry>);
  const styled = style ? entries.find(([, entry]) => entry.format === format && entry.style === style) : undefined;
  const plain = entries.find(([, entry]) => entry.format === format && entry.style === undefined);
  return (styled ?? plain)?.[0] as RenderFormat | undefined;
}

/** Media type and file extension of an output format. */
export function outputFormatInfo(format: string): { mediaType: string; extension: string } | undefined {
  const id = rendererFor(format);
  return id ? { mediaType: renderers[id].mediaType, extension: renderers[id].extension } : undefined;
}
