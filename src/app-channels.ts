/**
 * Part of the composition root: `createChannel(spec)`, from a config entry to a channel, through the channel registry
 * (src/registry/channels.ts) after the checks every type shares. Its factories are loaded when this module is first
 * imported, which only the commands that deliver or check the config do.
 */
import { prepareChannel, type ChannelContext, type ChannelRuntime } from './channels/index.js';
import type { Channel } from './core/channel.js';
import { XivdigestError } from './core/errors.js';
import { channels, CHANNEL_TYPES, type ChannelSpec } from './registry/channels.js';
import { loadRegistry } from './registry/registry.js';

export { channelSpecSchema, type ChannelSpec, type ChannelType } from './registry/channels.js';
export type { ChannelRuntime };

const factories = await loadRegistry(channels);

/** Creates a channel from its config; throws CONFIG_INVALID (bad or missing settings) or DELIVERY_URL_REFUSED. */
export function createChannel(spec: ChannelSpec, runtime: ChannelRuntime): Channel {
  const context = prepareChannel(spec, runtime);
  if (!Object.hasOwn(factories, spec.type)) {
    // Unreachable for a spec the config schema accepted: the schema's union is the registry's.
    throw new XivdigestError({
      code: 'CONFIG_INVALID',
      message: `unknown channel type ${JSON.stringify((spec as { type?: unknown }).type)}`,
      hint: `Use one of: ${CHANNEL_TYPES.join(', ')}`,
    });
  }
  // The registry pairs each type's factory with the schema that parsed `spec`, so the spec has the factory's type.
  const factory = factories[spec.type] as (spec: ChannelSpec, context: ChannelContext) => Channel;
  return factory(spec, context);
}
