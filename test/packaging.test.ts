/**
 * What a clean install gets (docs/decisions/0022-clean-install.md), read from the committed package.json and lock file:
 * no engine a Node 20 install warns about, every install script decided, the GPU binaries for users, the CI-only stub.
 * The full install from a clean clone is too slow for the suite (minutes, network); this checks what decides it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The committed file: CI's stub step edits package.json and the lock in its own checkout before installing. */
function committed(file: string): string {
  try {
    return execFileSync('git', ['show', `HEAD:${file}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    console.log(`packaging: not a git checkout, reading ${file} from the working tree`);
    return readFileSync(join(root, file), 'utf8');
  }
}

const manifest = JSON.parse(committed('package.json')) as {
  engines: { node: string };
  files: string[];
  allowScripts: Record<string, boolean>;
  overrides?: Record<string, unknown>;
};
const lock = JSON.parse(committed('package-lock.json')) as {
  packages: Record<
    string,
    { version?: string; engines?: { node?: string }; hasInstallScript?: boolean; link?: boolean; optionalDependencies?: Record<string, string> }
  >;
};

/** The least major Node the engines field allows (">=20" → 20). */
const nodeMajor = Number(/>=\s*(\d+)/.exec(manifest.engines.node)![1]);

/** Whether `range` (npm's ">=a.b.c", "^a.b.c", "a || b" forms) admits Node `major`.99.99. */
function admits(range: string, major: number): boolean {
  return range.split('||').some((part) => {
    const lower = /(?:>=|\^|~)?\s*v?(\d+)(?:\.(\d+))?/.exec(part.trim());
    if (!lower) return true;
    const least = Number(lower[1]);
    if (part.includes('^')) return least === major;
    const upper = /<\s*(\d+)/.exec(part);
    return least <= major && (!upper || major < Number(upper[1]));
  });
}

describe('a clean install (package.json and package-lock.json as committed)', () => {
  it(`installs no package whose engines exclude Node ${nodeMajor} (npm's EBADENGINE warning)`, () => {
    const excluded = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines?.node && !admits(entry.engines.node, nodeMajor))
      .map(([path, entry]) => `${path}@${entry.version} needs node ${entry.engines!.node}`);
    expect(excluded).toEqual([]);
    // katex@0.19 asks for commander 15 (Node 22); the override gives it ours.
    expect(lock.packages['node_modules/katex/node_modules/commander']).toBeUndefined();
  });

  it('decides every install script in allowScripts (npm 11 warns about the others)', () => {
    const scripted = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(scripted.length).toBeGreaterThan(0);
    for (const name of scripted) expect(manifest.allowScripts, name).toHaveProperty([name]);
    // node-llama-cpp's postinstall would compile llama.cpp from source when no binary fits: denied (decision 0022).
    expect(manifest.allowScripts['node-llama-cpp']).toBe(false);
  });

  it('ships node-llama-cpp’s CUDA and Vulkan binaries: nothing overrides a @node-llama-cpp package', () => {
    const overridden = Object.keys(manifest.overrides ?? {}).filter((name) => name.startsWith('@node-llama-cpp/'));
    expect(overridden).toEqual([]);
    const linked = Object.entries(lock.packages).filter(([path, entry]) => path.includes('@node-llama-cpp/') && entry.link);
    expect(linked).toEqual([]);
    for (const name of ['linux-x64', 'linux-x64-cuda', 'linux-x64-cuda-ext', 'linux-x64-vulkan']) {
      expect(lock.packages[`node_modules/@node-llama-cpp/${name}`]?.version, name).toBe(lock.packages['node_modules/node-llama-cpp']!.version);
    }
    expect(manifest.files).not.toContain('stubs');
  });
});

describe('.ci/stub-gpu-binaries.mjs (CI only)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xivdigest-stub-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('overrides exactly the CUDA and Vulkan packages with the stub, by an absolute path that exists', () => {
    writeFileSync(join(dir, 'package.json'), committed('package.json'));
    writeFileSync(join(dir, 'package-lock.json'), committed('package-lock.json'));
    const before = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    execFileSync(process.execPath, [join(root, '.ci', 'stub-gpu-binaries.mjs'), join(dir, 'package.json')], { encoding: 'utf8' });
    const after = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const added = Object.keys(after.overrides).filter((name) => !(name in (before.overrides ?? {})));
    const gpu = Object.keys(lock.packages['node_modules/node-llama-cpp']!.optionalDependencies!).filter((name) => /(cuda|vulkan)/.test(name));
    expect(added.sort()).toEqual(gpu.sort());
    expect(added).toContain('@node-llama-cpp/linux-x64-cuda');
    expect(added).not.toContain('@node-llama-cpp/linux-x64');
    for (const name of added) {
      const spec = after.overrides[name] as string;
      expect(spec).toMatch(/^file:\//);
      expect(existsSync(join(spec.slice('file:'.length), 'package.json'))).toBe(true);
    }
    // Everything else is kept.
    expect({ ...after, overrides: before.overrides }).toEqual(before);
  });

  it('fails, saying why, when the lock lists no GPU package', () => {
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: {} }));
    let message = '';
    try {
      execFileSync(process.execPath, [join(root, '.ci', 'stub-gpu-binaries.mjs'), join(dir, 'package.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      message = String((error as { stderr?: string }).stderr);
    }
    expect(message).toContain('nothing to stub');
  });
});
