/** `xivdigest render NAME`: prints a stored digest in a format, or writes it to a file. */
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import { RENDER_FORMATS, type RenderFormat } from '../../registry/renderers.js';
import type { RunCommand } from '../context.js';

/** The renderer registry's ids (plain data: `--help` loads no renderer, KaTeX among them). */
export { RENDER_FORMATS };

export function registerRender(program: Command, run: RunCommand): void {
  program
    .command('render')
    .description('print a stored digest (imported with import-digest, or made by xivdigest)')
    .argument('[name]', 'the digest name; omit it to list the stored digests')
    .addOption(new Option('-f, --format <format>', 'output format').choices(RENDER_FORMATS).default('md'))
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
A digest imported from cn-chat-arxiv renders back byte for byte. Digests made by xivdigest fill the English TL;DR,
print the full abstract and escape every text.

Examples:
  xivdigest render                      # list digests
  xivdigest render cs.CL --out cs.CL.md`,
    )
    .action((name: string | undefined, options: { format: RenderFormat; out?: string }) =>
      run(async (context) => {
        const { renderers } = await import('../../app.js');
        const store = await context.app().store();
        if (!name) {
          const digests = await store.listDigests();
          if (digests.length === 0) context.reporter.info('No digests stored yet: import one with `xivdigest import-digest FILE`.');
          for (const digest of digests) context.print(`${digest.name}\t${digest.style}\t${digest.entries} entries\t${digest.createdAt}`);
          return;
        }
        const digest = await store.getDigest(name);
        if (!digest) {
          const names = (await store.listDigests()).map((d) => d.name);
          throw new XivdigestError({
            code: 'NOT_FOUND',
            message: `No digest named ${JSON.stringify(name)}`,
            hint:
              names.length > 0
                ? `Stored digests: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`
                : 'Import one with `xivdigest import-digest FILE`',
          });
        }
        const text = renderers[options.format]().render(digest);
        if (options.out) {
          await writeFile(options.out, text);
          context.reporter.info(`wrote ${options.out} (${digest.entries.length} entries)`);
        } else {
          process.stdout.write(text);
        }
      }),
    );
}
