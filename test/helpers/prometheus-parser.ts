/**
 * Parses Prometheus text exposition with the reference Python client's parser (prometheus_client), when python3 can
 * import it (installed, or from a wheel under /opt/pypi/files); otherwise says why not, for the test to print.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface ParsedFamily {
  name: string;
  type: string;
  samples: ParsedSample[];
}

const SCRIPT = `
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": family.name, "type": family.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]})
print(json.dumps(out))
`;

function pythonPath(): string | undefined {
  const wheels = existsSync('/opt/pypi/files') ? readdirSync('/opt/pypi/files').filter((name) => /^prometheus_client-.*\.whl$/.test(name)) : [];
  return wheels.length > 0 ? `/opt/pypi/files/${wheels.sort().at(-1)}` : undefined;
}

/** The parser, or the reason there is none. */
export function prometheusParser(): { parse(text: string): ParsedFamily[] } | { missing: string } {
  const extra = pythonPath();
  const env = { ...process.env, ...(extra ? { PYTHONPATH: extra } : {}) };
  const probe = spawnSync('python3', ['-c', 'import prometheus_client.parser'], { env, encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return { missing: 'python3 with prometheus_client is not available, so the exposition was not checked by the reference parser' };
  return {
    parse(text) {
      const result = spawnSync('python3', ['-c', SCRIPT], { env, input: text, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`prometheus_client rejected the exposition: ${result.stderr}`);
      return JSON.parse(result.stdout) as ParsedFamily[];
    },
  };
}
