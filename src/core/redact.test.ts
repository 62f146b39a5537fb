import { describe, expect, it } from 'vitest';
import { hasUserinfo, redact, redactDeep, redactUrl, rememberConfigSecrets, rememberSecrets } from './redact.js';

describe('redactUrl', () => {
  it('masks the password of database URLs and keeps the user', () => {
    expect(redactUrl('postgres://someone:s3cretPw@127.0.0.1:5432/db?schema=x')).toBe('postgres://someone:***@127.0.0.1:5432/db?schema=x');
    expect(redactUrl('redis://:pw-redis-123@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
  });

  it('masks userinfo in web URLs, a lone user name too', () => {
    expect(redactUrl('https://alice:hunter22@hooks.example.org/in')).toBe('https://alice:***@hooks.example.org/in');
    expect(redactUrl('https://tok_abcdef123@hooks.example.org/in')).toBe('https://***@hooks.example.org/in');
  });

  it('masks key-like query values', () => {
    expect(redactUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123def456')).toBe('https://oapi.dingtalk.com/robot/send?access_token=***');
    expect(redactUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***');
    expect(redactUrl('https://x.example.com/v1?api-version=2024-10-21&api-key=zzz&sig=q')).toBe(
      'https://x.example.com/v1?api-version=2024-10-21&api-key=***&sig=***',
    );
  });

  it('masks path tokens of the chat webhook shapes', () => {
    expect(redactUrl('https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX')).toBe('https://hooks.slack.com/services/***/***/***');
    expect(redactUrl('https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-jkl')).toBe('https://discord.com/api/webhooks/123456789012345678/***');
    expect(redactUrl('https://open.feishu.cn/open-apis/bot/v2/hook/0f8d7c6b-1a2b-4c3d-9e8f-001122334455')).toBe(
      'https://open.feishu.cn/open-apis/bot/v2/hook/***',
    );
    expect(redactUrl('https://api.telegram.org/bot123456:AAEabcdefGHIJ/sendMessage')).toBe('https://api.telegram.org/bot***/sendMessage');
    expect(redactUrl('https://receiver.example.org/hook/Zq9XkP2mLw8RtY4v')).toBe('https://receiver.example.org/hook/***');
    expect(redactUrl('https://receiver.example.org/in/Zq9XkP2mLw8RtY4vBn6Q/x')).toBe('https://receiver.example.org/in/***/x');
  });

  it('leaves ordinary URLs alone', () => {
    for (const url of [
      'https://export.arxiv.org/api/query?search_query=cat:cs.CL&id_list=2411.12345v1',
      'https://arxiv.org/abs/2411.12345v2',
      'https://example.org/digests/2026-11-23-nlp.html',
      'https://oaipmh.arxiv.org/oai?verb=ListRecords&metadataPrefix=arXiv',
      'https://oaipmh.arxiv.org/oai?verb=ListRecords&resumptionToken=7654321%7C1001',
      'http://127.0.0.1:8080/v1/chat/completions',
    ])
      expect(redactUrl(url)).toBe(url);
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('redact', () => {
  it('masks given secrets as written, URL-encoded and JSON-escaped', () => {
    const secret = 'p@ss w/rd+"x"';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${encodeURIComponent(secret).replace(/%20/g, '+')} d ${JSON.stringify(secret)}`;
    const out = redact(text, [secret]);
    expect(out).not.toContain('ss w/rd');
    expect(out).not.toContain('ss%20w');
    expect(out).not.toContain('ss+w');
    expect(out).not.toContain('ss w\\/rd');
    expect(redact('abc', ['ab'])).toBe('abc');
  });

  it('masks URLs inside running text, also percent-encoded ones', () => {
    expect(redact('POST https://hooks.slack.com/services/T1/B2/SeCrEtToKeN123456789012. failed')).toBe(
      'POST https://hooks.slack.com/services/***/***/***. failed',
    );
    expect(redact('database: postgres://u:pw-9x8y7z@db.local/x (from --db)')).toBe('database: postgres://u:***@db.local/x (from --db)');
    const encoded = encodeURIComponent('https://oapi.dingtalk.com/robot/send?access_token=tok9x8y7z6');
    const out = redact(`redirect=${encoded}`);
    expect(out).not.toContain('tok9x8y7z6');
    expect(out).toContain('oapi.dingtalk.com');
  });

  it('masks Authorization, api-key, password and token values', () => {
    expect(redact('Authorization: Bearer sk-live-abcdef')).toBe('Authorization: Bearer ***');
    expect(redact('{"api-key":"k-123456","x":1}')).toBe('{"api-key":"***","x":1}');
    expect(redact('password=hunter2&user=x')).toBe('password=***&user=x');
    expect(redact('x-api-key: abcdefgh')).toBe('x-api-key: ***');
    expect(redact('used 1200 tokens: ok')).toBe('used 1200 tokens: ok');
  });

  it('masks remembered secrets everywhere, and the parts of remembered URLs', () => {
    rememberSecrets('https://hooks.example.net/in/plainname?x=1', 'remembered-secret-42');
    rememberConfigSecrets(
      { llm: { apiKey: 'sk-config-key-777' }, store: { url: 'postgres://u:Pg%40pass99@h/d' } },
      { MY_SERVICE_TOKEN: 'env-token-value-1', HOME: '/root' },
    );
    const out = redact('remembered-secret-42 sk-config-key-777 Pg@pass99 env-token-value-1 /root');
    expect(out).toBe('*** *** *** *** /root');
  });

  it('masks only the password of a database URL: a lone user name is a role, a URL-encoded password goes in both forms', () => {
    rememberConfigSecrets(
      { store: { url: 'postgres://postgres@127.0.0.1:5432/test' }, queue: { url: 'redis://default:R3d%2Fis%40pw@127.0.0.1:6379' } },
      { XIVDIGEST_DB: 'postgres://postgres@127.0.0.1:5432/test', XIVDIGEST_QUEUE_URL: 'redis://default:R3d%2Fis%40pw@127.0.0.1:6379' },
    );
    expect(redact('store: postgres://postgres@127.0.0.1:5432/test (PostgreSQL, role postgres)')).toBe(
      'store: postgres://postgres@127.0.0.1:5432/test (PostgreSQL, role postgres)',
    );
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(redact('queue redis://default:R3d%2Fis%40pw@127.0.0.1:6379; password R3d/is@pw; encoded R3d%2Fis%40pw')).toBe(
      'queue redis://default:***@127.0.0.1:6379; password ***; encoded ***',
    );
    // A web URL's lone user name is still taken for a token.
    expect(redactUrl('https://ghp_T0kenValue9@example.org/hook')).toBe('https://***@example.org/hook');
  });

  it('is idempotent and keeps JSON valid', () => {
    const json = JSON.stringify({ url: 'https://a:b12345@x.org/hook/Zq9XkP2mLw8RtY4v?token=t0k3n', note: 'Authorization: Basic QWxhZGRpbjo=' });
    const once = redact(json);
    expect(redact(once)).toBe(once);
    expect(() => JSON.parse(once)).not.toThrow();
    expect(once).not.toMatch(/b12345|Zq9XkP2mLw8RtY4v|t0k3n|QWxhZGRpbjo/);
  });

  it('redactDeep masks every string of a report', () => {
    const report = { deliveries: [{ error: 'POST https://x.org/hook/Zq9XkP2mLw8RtY4v failed' }], count: 3 };
    expect(redactDeep(report)).toEqual({ deliveries: [{ error: 'POST https://x.org/hook/*** failed' }], count: 3 });
  });
});

describe('hasUserinfo', () => {
  it('finds user:password@ and a lone user in web URLs', () => {
    expect(hasUserinfo('https://a:b@x.org/')).toBe(true);
    expect(hasUserinfo('https://token@x.org/')).toBe(true);
    expect(hasUserinfo('https://x.org/a@b')).toBe(false);
    expect(hasUserinfo('nonsense')).toBe(false);
  });
});
