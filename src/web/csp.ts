/** The site's Content-Security-Policy (docs/decisions/0029); one page widens script-src by a hash (decision 0040). */
/**
 * No script at all; styles and fonts from this origin only. KaTeX's markup sizes boxes with `style` attributes, which
 * `style-src-attr` allows (an attribute cannot run code); `<style>` elements stay forbidden.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'none'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
