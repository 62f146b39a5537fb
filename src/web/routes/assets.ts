/** `/assets/<file>`: the stylesheet and KaTeX's CSS and fonts, named by content hash or version: cached for a year. */
import { Hono } from 'hono';
import { XivdigestError } from '../../core/errors.js';
import { siteAssets } from '../assets.js';
import { restOfPath, type WebEnv } from './context.js';

export function assetRoutes(): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/assets/*', (c) => {
    const file = restOfPath(c, '/assets/');
    const asset = siteAssets().get(file);
    if (!asset) throw new XivdigestError({ code: 'NOT_FOUND', message: `No asset ${file}`, hint: 'Assets are linked from the pages' });
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
}
