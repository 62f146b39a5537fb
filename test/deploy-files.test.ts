/**
 * The deployment examples stay valid: deploy/compose.yaml parses as YAML with the services the README names and
 * healthchecks on /healthz; the systemd units pass `systemd-analyze verify` where it is installed (only the missing
 * /usr/bin/xivdigest of this machine is tolerated).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const deploy = join(import.meta.dirname, '..', 'deploy');

describe('deploy/', () => {
  it('compose.yaml is YAML with postgres 15, redis 7, serve (healthcheck on /healthz) and worker', () => {
    const probe = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('skipped: python3 with PyYAML is not available to parse deploy/compose.yaml');
      return;
    }
    const parsed = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
      input: readFileSync(join(deploy, 'compose.yaml'), 'utf8'),
      encoding: 'utf8',
    });
    expect(parsed.status, parsed.stderr).toBe(0);
    const compose = JSON.parse(parsed.stdout) as { services: Record<string, { image: string; command?: string[]; healthcheck?: { test: string[] } }> };
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis', 'serve', 'worker']);
    expect(compose.services.postgres!.image).toBe('postgres:15');
    expect(compose.services.redis!.image).toBe('redis:7');
    expect(compose.services.serve!.healthcheck!.test.join(' ')).toContain('/healthz');
    expect(compose.services.worker!.command).toContain('worker');
    // Every worker serves /metrics (and /healthz, its healthcheck) on the compose network.
    const worker = compose.services.worker! as { command: string[]; expose?: string[]; healthcheck?: { test: string[] } };
    const port = worker.command[worker.command.indexOf('--metrics-port') + 1];
    expect(port, worker.command.join(' ')).toMatch(/^\d+$/);
    expect(worker.command[worker.command.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    expect(worker.expose).toContain(port);
    expect(worker.healthcheck!.test.join(' ')).toContain(`:${port}/healthz`);
  });

  it('the worker unit serves /metrics on the port its instance names', () => {
    const unit = readFileSync(join(deploy, 'systemd', 'xivdigest-worker@.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/xivdigest worker .*--metrics-port %i( |$)/m);
  });

  it('serve and the workers run as one dynamic user, so their shared StateDirectory stays writable by each', () => {
    const settings = ['xivdigest-serve.service', 'xivdigest-worker@.service'].map((name) => {
      const unit = readFileSync(join(deploy, 'systemd', name), 'utf8');
      const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
      return { dynamic: value('DynamicUser'), user: value('User'), group: value('Group'), state: value('StateDirectory') };
    });
    // Without User=, each unit's dynamic user is named after the unit: two UIDs, and each start chowns the folder away.
    expect(settings[0]).toEqual({ dynamic: 'yes', user: 'xivdigest', group: 'xivdigest', state: 'xivdigest' });
    expect(settings[1]).toEqual(settings[0]);
  });

  it('the systemd units pass systemd-analyze verify', () => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.warn('skipped: systemd-analyze is not installed');
      return;
    }
    for (const unit of ['xivdigest-serve.service', 'xivdigest-worker@.service']) {
      // A worker's instance is its metrics port.
      const target = unit.includes('@') ? unit.replace('@', '@9464') : unit;
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', `${join(deploy, 'systemd', unit)}:${target}`], { encoding: 'utf8' });
      const problems = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((line) => line.trim() !== '' && !/Command \/usr\/bin\/xivdigest is not executable/.test(line));
      expect(problems, unit).toEqual([]);
    }
  });
});
