/** The shape every seam's registry shares (decision 0033): an id, small metadata, and a factory loaded on demand. */

/** One adapter in a registry. The metadata is plain data; `load` imports the adapter's module only when it is called. */
export interface RegistryEntry<Factory> {
  /** One line for help texts, `config schema` and the README. */
  description: string;
  /** Loads the adapter's module (a dynamic `import()`) and returns its factory. */
  load(): Promise<Factory>;
}

/** The ids of a registry, in its order, as a non-empty tuple (for `z.enum` and commander's `.choices`). */
export function registryIds<Registry extends Readonly<Record<string, unknown>>>(registry: Registry): [keyof Registry & string, ...(keyof Registry & string)[]] {
  return Object.keys(registry) as [keyof Registry & string, ...(keyof Registry & string)[]];
}

/** The factories of a registry's entries, by id. */
export type LoadedRegistry<Registry extends Readonly<Record<string, RegistryEntry<unknown>>>> = {
  [Id in keyof Registry]: Awaited<ReturnType<Registry[Id]['load']>>;
};

/** Loads every entry of a registry (the composition root does this once, when a command runs). */
export async function loadRegistry<Registry extends Readonly<Record<string, RegistryEntry<unknown>>>>(registry: Registry): Promise<LoadedRegistry<Registry>> {
  const entries = await Promise.all(Object.entries(registry).map(async ([id, entry]) => [id, await entry.load()] as const));
  return Object.fromEntries(entries) as LoadedRegistry<Registry>;
}
