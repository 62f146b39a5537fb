#!/usr/bin/env node
// CI only: CI machines have no GPU, so node-llama-cpp's CUDA and Vulkan prebuilt binaries (about 340 MB to download,
// 610 MB unpacked on linux-x64) are replaced with an empty package in THIS checkout, before `npm install`. Users get
// the real binaries (docs/decisions/0022-clean-install.md). node-llama-cpp treats the stub like a missing package and
// runs on its CPU build.
//
// It writes `overrides` into package.json (so npm install also rewrites package-lock.json here: never commit either).
// The stub's path is absolute: npm resolves a relative `file:` override against the package that depends on it.
// Usage: node .ci/stub-gpu-binaries.mjs [path/to/package.json]   (default: the repository's)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagePath = resolve(process.argv[2] ?? join(root, 'package.json'));
const lock = JSON.parse(readFileSync(join(dirname(packagePath), 'package-lock.json'), 'utf8'));
const optional = lock.packages?.['node_modules/node-llama-cpp']?.optionalDependencies ?? {};
const gpu = Object.keys(optional).filter((name) => /^@node-llama-cpp\/.+-(cuda|cuda-ext|vulkan)$/.test(name));
if (gpu.length === 0) {
  console.error('stub-gpu-binaries: package-lock.json lists no CUDA or Vulkan package of node-llama-cpp; nothing to stub');
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(packagePath, 'utf8'));
const stub = `file:${join(root, 'stubs', 'no-binary')}`;
manifest.overrides = { ...manifest.overrides, ...Object.fromEntries(gpu.map((name) => [name, stub])) };
writeFileSync(packagePath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`stub-gpu-binaries: ${gpu.length} GPU packages replaced with ${stub} in ${packagePath} (CI only): ${gpu.join(', ')}`);
