/** The one place secrets are masked: every log line, error text, run report and stored report passes through here (decision 0025). */

/** What a masked secret reads as. */
export const MASK = '***';

/** Secrets shorter than this are not masked by value (too likely to match ordinary text); the patterns still apply. */
const MIN_SECRET_LENGTH = 4;

/** Values the process has learned are secret: the resolved channel secrets, API keys, database passwords. */
const remembered = new Set<string>();
/** The forms of the remembered secrets, in masking order; rebuilt only after a secret is added (redact runs per log line and per report string). */
let rememberedForms: string[] | undefined;

/** Adds values (and their secret parts, for URLs) to the process-wide list masked by {@link redact}. */
export function rememberSecrets(...values: ReadonlyArray<string | undefined | null>): void {
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const part of secretParts(value)) {
      if (part.length < MIN_SECRET_LENGTH || remembered.has(part)) continue;
      remembered.add(part);
      rememberedForms = undefined;
    }
  }
}

/**
 * A value and, when it is a URL, its secret parts: the password (or a web URL's lone user name), token-like path segments and key-like query values.
 * Used to remember a configured webhook URL so that any of its parts is masked wherever it shows up alone.
 */
export function secretParts(value: string): string[] {
  const parts = [value];
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return parts;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return parts;
  if (parsed.password) parts.push(safeDecode(parsed.password), parsed.password);
  // A lone user name is a token only in web URLs (`https://TOKEN@host`); `postgres://postgres@host` names a role.
  if (parsed.username && !parsed.password && WEB_PROTOCOL.test(parsed.protocol)) parts.push(safeDecode(parsed.username), parsed.username);
  for (const [name, inner] of parsed.searchParams) if (secretName(name) && inner) parts.push(inner);
  const segments = parsed.pathname.split('/');
  segments.forEach((segment, index) => {
    if (segment && tokenSegment(segments, index, parsed.hostname)) parts.push(safeDecode(segment), segment);
  });
  return parts;
}

/** Schemes whose lone `user@` is usually a token; elsewhere (postgres, redis, smtp) it is a user name. */
const WEB_PROTOCOL = /^(https?|wss?):$/i;

/** Query and header names whose values are secret. */
const SECRET_NAME =
  /(^|[-_.])(key|api[-_]?key|apikey|token|access[-_]?token|secret|sig|signature|password|passwd|pass|pwd|auth|authorization|credential|credentials|code|session)($|[-_.])|^(sign|sig|key|token|secret|password|auth)$/i;

function secretName(name: string): boolean {
  // OAI-PMH's paging token (OAI-PMH 2.0 §3.5) is public and needed to follow a harvest in the logs.
  if (/^resumptiontoken$/i.test(name)) return false;
  return SECRET_NAME.test(name) || /token|secret|passw|apikey|api-key|api_key|auth/i.test(name);
}

/**
 * Whether the path segment at `index` is a token: host rules for the chat webhooks whose path is the secret (Slack,
 * Discord, Feishu/Lark, Telegram, Mattermost, Google Chat), else any long token-looking segment.
 */
function tokenSegment(segments: readonly string[], index: number, hostname: string): boolean {
  const segment = segments[index]!;
  const before = segments.slice(0, index).join('/');
  const host = hostname.toLowerCase();
  // Slack: /services/T…/B…/TOKEN; everything after /services/ together identifies and authorises the hook.
  if (/(^|\.)slack\.com$/.test(host) && /\/services$|\/services\/[^/]+$|\/services\/[^/]+\/[^/]+$/.test(before)) return true;
  // Discord: /api/webhooks/ID/TOKEN.
  if (/\/webhooks\/[^/]+$/.test(before) && /(^|\.)discord(app)?\.com$/.test(host)) return true;
  // Feishu / Lark: /open-apis/bot/v2/hook/UUID.
  if (/\/hook$/.test(before)) return true;
  // Telegram: /bot<id>:<token>/method.
  if (/^bot\d+:/.test(safeDecode(segment))) return true;
  return randomToken(safeDecode(segment));
}

/**
 * Whether a path segment looks like a random token rather than a name: mixed case with digits, a long hex or base32
 * run, a UUID, or 32+ token characters. File names (an extension) and dated slugs (`2026-11-23-nlp`) are not tokens.
 */
function randomToken(plain: string): boolean {
  if (plain.length < 16 || !/^[A-Za-z0-9_\-~.:=+]+$/.test(plain)) return false;
  if (/\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(plain) && !/[=+]/.test(plain)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(plain)) return true;
  if (/^[0-9a-f]{20,}$/i.test(plain) || /^[A-Z2-7]{20,}$/.test(plain)) return true;
  if (/[a-z]/.test(plain) && /[A-Z]/.test(plain) && /\d/.test(plain)) return true;
  return plain.length >= 32 && /\d/.test(plain) && !/^[a-z]+(-[a-z0-9]+)*$/.test(plain);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A URL as it may be shown: userinfo password masked (a lone username too, as it is then usually a token), key-like
 * query values masked, token path segments masked. A text that is not a URL is returned unchanged.
 */
export function redactUrl(url: string): string;
export function redactUrl(url: string | undefined): string | undefined;
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  let changed = false;
  if (parsed.password) {
    parsed.password = MASK;
    changed = true;
  } else if (parsed.username && WEB_PROTOCOL.test(parsed.protocol)) {
    parsed.username = MASK;
    changed = true;
  }
  const segments = parsed.pathname.split('/');
  let pathChanged = false;
  segments.forEach((segment, index) => {
    if (segment && segment !== MASK && tokenSegment(segments, index, parsed.hostname)) {
      segments[index] = /^bot\d+(:|%3A)/i.test(segment) ? `bot${MASK}` : MASK;
      pathChanged = true;
    }
  });
  const query: string[] = [];
  let queryChanged = false;
  for (const [name, inner] of parsed.searchParams) {
    if (secretName(name) && inner !== MASK) {
      query.push(`${encodeURIComponent(name)}=${MASK}`);
      queryChanged = true;
    } else {
      query.push(`${encodeURIComponent(name)}=${encodeURIComponent(inner)}`);
    }
  }
  if (!changed && !pathChanged && !queryChanged) return url;
  // Built by hand so that `***` is not percent-encoded by the URL setters.
  const auth = parsed.username || parsed.password ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
  const authority = parsed.host ? `//${auth}${parsed.host}` : '';
  const search = queryChanged ? `?${query.join('&')}` : parsed.search;
  return `${parsed.protocol}${authority}${segments.join('/')}${search}${parsed.hash}`.replace(/%2A%2A%2A/gi, MASK);
}

/** A URL in running text (stops at spaces, quotes and brackets; a trailing full stop or comma is not part of it). */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>`)\]}]+/gi;
/** A percent-encoded URL in running text (a URL carried in another URL's query, a form body). */
const ENCODED_URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}%3A%2F%2F[^\s"'<>&`)\]}]+/gi;
/** `Authorization: Bearer x`, `api-key=x`, `"password": "x"`, `token=x`: the value is masked. */
const KEY_VALUE =
  /(["']?)\b(proxy-authorization|authorization|x-api-key|api[-_]?key|apikey|x-goog-api-key|access[-_]?token|auth[-_]?token|refresh[-_]?token|client[-_]?secret|password|passwd|secret|token)\1(\s*[:=]\s*)(["']?)((?:(?:Bearer|Basic|Token|Bot|Digest)\s+)?)([^\s"',;&}<>]+)/gi;

/**
 * Masks secrets in a text: the given and remembered secrets (as written, URL-encoded and JSON-escaped), every URL's
 * userinfo, token path segments and key-like query values (also inside percent-encoded URLs), and the values of
 * `Authorization`, `api-key`, `password`, `token`-like settings. Safe to run twice and on JSON text.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  if (typeof text !== 'string' || text === '') return text;
  let out = text;
  const forms =
    secrets.length === 0
      ? (rememberedForms ??= formsInMaskingOrder(remembered))
      : formsInMaskingOrder(new Set([...secrets.flatMap((secret) => (typeof secret === 'string' ? secretParts(secret) : [])), ...remembered]));
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(MASK);
  out = out.replace(URL_IN_TEXT, (found) => {
    const trailing = /[.,;:!?]+$/.exec(found)?.[0] ?? '';
    const url = trailing ? found.slice(0, -trailing.length) : found;
    return redactUrl(url) + trailing;
  });
  out = out.replace(ENCODED_URL_IN_TEXT, (found) => {
    const decoded = safeDecode(found);
    if (decoded === found) return found;
    const masked = redactUrl(decoded);
    return masked === decoded ? found : encodeURIComponent(masked).replace(/%2A%2A%2A/gi, MASK);
  });
  out = out.replace(KEY_VALUE, (_all, quote: string, name: string, separator: string, open: string, scheme: string, value: string) =>
    value === MASK || value.startsWith(`${MASK}`) ? _all : `${quote}${name}${quote}${separator}${open}${scheme}${MASK}`,
  );
  return out;
}

/** The forms a secret takes in text: as is, percent-encoded (component and form style), JSON-escaped. */
/** Every form of every secret, longest secret first, so that a secret containing another is masked whole. */
function formsInMaskingOrder(secrets: ReadonlySet<string>): string[] {
  return [...secrets]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
    .flatMap(secretForms);
}

function secretForms(secret: string): string[] {
  const forms = new Set([secret]);
  const component = encodeURIComponent(secret);
  forms.add(component);
  forms.add(component.replace(/%20/g, '+'));
  forms.add(component.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  forms.add(encodeURI(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** A deep copy of a JSON-like value with every string passed through {@link redact} (run reports before they are stored or printed). */
export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactDeep(inner, secrets)])) as T;
  }
  return value;
}

/** Whether a URL carries `user:password@` (refused in the config: such secrets belong in the environment). */
export function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== '' || (parsed.username !== '' && WEB_PROTOCOL.test(parsed.protocol));
  } catch {
    return false;
  }
}

/** The URL with userinfo, token path segments and key-like query values masked, for messages. */
export function maskUrl(url: string): string {
  return redactUrl(maskUserinfo(url));
}

/** Both halves of `user:password@` masked (an endpoint's user name may itself be a key). */
function maskUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    let changed = false;
    for (const name of [...parsed.searchParams.keys()]) {
      if (/key|token|secret|sig|password|auth/i.test(name)) {
        parsed.searchParams.set(name, '***');
        changed = true;
      }
    }
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? '***' : '';
      parsed.password = parsed.password ? '***' : '';
      changed = true;
    }
    return changed ? parsed.toString() : url;
  } catch {
    return url;
  }
}

/** Environment variables whose values are secret by their name. */
const SECRET_VARIABLE = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|_PASS$|_PWD$|WEBHOOK|CREDENTIAL/i;

/**
 * Remembers the secrets in a loaded config and its environment: values of secret-named settings and variables, and
 * the secret parts of every URL (its userinfo, token path segments and key-like query values, not the whole URL).
 */
export function rememberConfigSecrets(config: unknown, env: Readonly<Record<string, string | undefined>> = {}): void {
  for (const [name, value] of Object.entries(env)) {
    // Short values and paths under secret-sounding names (`…_KEY_FILE=/etc/x`, `…_TOKEN=true`) are settings, not secrets.
    if (value && SECRET_VARIABLE.test(name) && value.length >= 8 && !/^[./~]/.test(value) && !/:\/\//.test(value)) rememberSecrets(value);
    else if (value && /:\/\//.test(value)) rememberSecrets(...secretParts(value).slice(1));
  }
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (/apikey|api_key|password|secret|token/i.test(key)) rememberSecrets(value);
      else if (/:\/\//.test(value)) rememberSecrets(...secretParts(value).slice(1));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [inner, item] of Object.entries(value)) walk(item, /^headers$/i.test(key) ? 'secret' : inner);
    }
  };
  walk(config, '');
}
