import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../core/errors.js';
import { checkDeliveryUrl, isPrivateAddress } from './url-guard.js';
import { createWebhookChannel } from '../webhook/index.js';
import { makeContent, makeDigest, makeEntry } from '../../../test/helpers/channel-digests.js';
import { useTestServers } from '../../../test/helpers/http-server.js';

const serve = useTestServers();

describe('isPrivateAddress', () => {
  it.each([
    '0.0.0.0',
    '10.1.2.3',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.255.0.9',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '192.0.0.8',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '::127.0.0.1',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.1',
    '172.32.0.1',
    '192.169.0.1',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2606:4700::1111',
  ])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('checkDeliveryUrl', () => {
  const refused = (url: string): XivdigestError => {
    try {
      checkDeliveryUrl(url, { label: 'test URL' });
    } catch (error) {
      if (XivdigestError.isInstance(error)) return error;
      throw error;
    }
    throw new Error(`${url} was not refused`);
  };

  it.each([
    'http://localhost/hook',
    'http://LOCALHOST./hook',
    'http://api.localhost/hook',
    'http://127.0.0.1:8080/hook',
    'http://2130706433/hook', // decimal
    'http://0177.0.0.1/hook', // octal
    'http://0x7f.1/hook', // hex, short form
    'http://127.1/hook',
    'http://0/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:169.254.169.254]/latest/meta-data',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://100.100.100.200/hook',
    'http://10.0.0.5/hook',
  ])('refuses %s with DELIVERY_URL_REFUSED and a hint to allow it', (url) => {
    const error = refused(url);
    expect(error.code).toBe('DELIVERY_URL_REFUSED');
    expect(error.hint).toContain('allowPrivateNetwork: true');
  });

  it('refuses schemes other than http and https, even with the flag', () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.org/x', 'gopher://example.org/']) {
      expect(() => checkDeliveryUrl(url, { label: 'test URL', allowPrivateNetwork: true })).toThrow(/not http or https/);
    }
  });

  it('accepts public hosts, and private ones when the channel allows them', () => {
    expect(checkDeliveryUrl('https://hooks.slack.com/services/x', { label: 'x' }).hostname).toBe('hooks.slack.com');
    expect(checkDeliveryUrl('https://8.8.8.8/x', { label: 'x' }).hostname).toBe('8.8.8.8');
    expect(checkDeliveryUrl('http://127.0.0.1:9/x', { label: 'x', allowPrivateNetwork: true }).port).toBe('9');
  });

  it('says CONFIG_INVALID for something that is not a URL', () => {
    expect(() => checkDeliveryUrl('not a url', { label: 'x' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('refusal when sending', () => {
  it('sends nothing to a loopback server unless allowPrivateNetwork is set', async () => {
    const server = await serve([{ method: 'POST', path: '/hook', reply: { status: 200 } }]);
    expect(() => createWebhookChannel({ url: `${server.url}/hook` })).toThrow(expect.objectContaining({ code: 'DELIVERY_URL_REFUSED' }));
    const allowed = createWebhookChannel({ url: `${server.url}/hook`, allowPrivateNetwork: true });
    const result = await allowed.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result.status).toBe('sent');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses at DNS resolution time a name that resolves to a private address', async (context) => {
    // The machine's own name resolves (through /etc/hosts) to a loopback or private address on most hosts.
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || !addresses.every((entry) => isPrivateAddress(entry.address)) || /localhost/i.test(name)) {
      console.warn(
        `skipped: the host name ${name} does not resolve only to private addresses here (${addresses.map((entry) => entry.address).join(', ') || 'no answer'})`,
      );
      context.skip();
    }
    const server = await serve([{ method: 'POST', path: '/hook', reply: { status: 200 } }]);
    const port = new URL(server.url).port;
    // The name passes the check at creation (it is not an address literal) and is caught when connecting.
    const channel = createWebhookChannel({ url: `http://${name}:${port}/hook`, retry: { maxAttempts: 3, sleep: async () => {} } });
    const result = await channel.send(makeContent(makeDigest([makeEntry(1)])));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('DELIVERY_URL_REFUSED');
    expect(result.error?.message).toContain(`${name} resolves to`);
    expect(result.attempts).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});
