/** `xivdigest readers invite|list|remove`: the web site's readers (docs/decisions/0038), from the command line. */
import type { Command } from 'commander';
import { XivdigestError } from '../../core/errors.js';
import type { CliContext, RunCommand } from '../context.js';

/** The accounts of the configured site; CONFIG_INVALID when they are off or their settings are incomplete. */
async function accounts(context: CliContext) {
  const loaded = context.config();
  const web = loaded.config.web;
  if (!web.accounts) {
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: 'Accounts are off (web.accounts is not true)',
      hint: 'Set "web": { "accounts": true, "secret": { "env": "XIVDIGEST_WEB_SECRET" }, "mail": { … } } in the config file',
    });
  }
  const problems = loaded.errors.filter((problem) => problem.path === 'web' || problem.path.startsWith('web.'));
  const { invalidConfigError } = await import('../../config.js');
  if (problems.length > 0) throw invalidConfigError(loaded, problems);
  const store = await context.app().store();
  const { accountSettingsFromConfig } = await import('../../web/accounts/setup.js');
  const settings = accountSettingsFromConfig(web, loaded.env, store);
  if (!settings) throw new XivdigestError({ code: 'CONFIG_INVALID', message: 'Accounts are off', hint: 'Set web.accounts to true' });
  return { settings, web };
}

export function registerReaders(program: Command, run: RunCommand): void {
  const readers = program
    .command('readers')
    .description('the readers of the web site: invite, list, remove (with web.accounts on)')
    .addHelpText(
      'after',
      `
Readers sign in to the site (xivdigest serve) by a link emailed to them; there are no passwords. Who may join is
web.signup: "invite" (the default: an admin invites, here or on /admin/readers), "open", or { "domains": [...] }.

Examples:
  xivdigest readers invite ada@example.org
  xivdigest readers list --json
  xivdigest readers remove ada@example.org`,
    );

  readers
    .command('invite')
    .description('invite a reader by email: they get a sign-in link (valid 48 hours; they can ask for a new one on /signin)')
    .argument('<email>', 'the address to invite')
    .addHelpText(
      'after',
      `
The link uses web.baseUrl (default http://127.0.0.1:8080); set it to where readers reach the site.

Example:
  xivdigest readers invite ada@example.org`,
    )
    .action((email: string) =>
      run(async (context) => {
        const { settings, web } = await accounts(context);
        const baseUrl = web.baseUrl ?? 'http://127.0.0.1:8080';
        if (!web.baseUrl) context.reporter.info('web.baseUrl is not set: the link points to http://127.0.0.1:8080');
        const { createAccountService } = await import('../../web/accounts/service.js');
        const { chooseUi } = await import('../../web/i18n.js');
        // The email speaks the site's default language (the generated texts'), as its pages do without a choice.
        const ui = chooseUi({ fallback: context.config().config.llm.lang });
        const invitation = await createAccountService(settings, baseUrl).invite(email, 'cli', ui);
        context.reporter.info(`invited ${invitation.email}; the sign-in link was emailed`);
      }),
    );

  readers
    .command('list')
    .description('list the readers and the pending invitations')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  xivdigest readers list
  xivdigest readers list --json`,
    )
    .action((ownOptions: { json?: boolean }, command: Command) =>
      run(async (context) => {
        const options = command.optsWithGlobals<{ json?: boolean }>();
        void ownOptions;
        const { settings } = await accounts(context);
        const list = await settings.readers.listReaders();
        const known = new Set(list.map((reader) => reader.email));
        const invited = (await settings.readers.listInvitations()).filter((invitation) => !known.has(invitation.email));
        if (options.json) {
          context.print(JSON.stringify({ readers: list, invitations: invited }, null, 2));
          return;
        }
        if (list.length === 0 && invited.length === 0) context.reporter.info('No readers yet: `xivdigest readers invite EMAIL` invites one.');
        for (const reader of list) context.print(`${reader.email}\t${reader.role}\t${reader.createdAt}\t${reader.lastSignInAt ?? '-'}`);
        for (const invitation of invited) context.print(`${invitation.email}\tinvited\t${invitation.createdAt}\tby ${invitation.invitedBy}`);
      }),
    );

  readers
    .command('remove')
    .description('remove a reader (their sessions end at once) or withdraw an invitation')
    .argument('<email>', "the reader's address")
    .addHelpText(
      'after',
      `
Their own subscriptions go with them; the names are kept, as the site keeps them when a reader deletes their account,
so that the digests made for them stay private and no other reader takes a name (docs/decisions/0045).

Example:
  xivdigest readers remove ada@example.org`,
    )
    .action((email: string) =>
      run(async (context) => {
        const { settings } = await accounts(context);
        const address = settings.readers.normalizeEmail(email);
        const hadInvitation = (await settings.readers.getInvitation(address)) !== undefined;
        // As the site does: their subscriptions' names are remembered, so that their digests stay private (decision 0045).
        const { removeReaderKeepingDigestsPrivate } = await import('../../web/private-digests.js');
        const removed = await removeReaderKeepingDigestsPrivate(await context.app().store(), settings.readers, address);
        if (!removed && !hadInvitation)
          throw new XivdigestError({ code: 'NOT_FOUND', message: `No reader or invitation for ${address}`, hint: '`xivdigest readers list` lists them' });
        context.reporter.info(removed ? `removed ${address}; their sessions ended` : `withdrew the invitation of ${address}`);
      }),
    );
}
