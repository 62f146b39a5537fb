import { describe, expect, it } from 'vitest';
import { cutMarkup, pack, packText, utf16Length, utf8Bytes } from './split.js';

describe('cutMarkup', () => {
  it('never cuts a surrogate pair', () => {
    const text = '😀'.repeat(50);
    const pieces = cutMarkup(text, 7, utf16Length);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(7);
      expect(piece).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('never cuts inside a UTF-8 sequence, measuring bytes', () => {
    const text = '中文字符测试'.repeat(40);
    const pieces = cutMarkup(text, 100, utf8Bytes);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(utf8Bytes(piece)).toBeLessThanOrEqual(100);
      // A cut inside a sequence would leave U+FFFD after a round trip through bytes.
      expect(Buffer.from(piece, 'utf8').toString('utf8')).toBe(piece);
    }
  });

  it('keeps character references and escapes whole', () => {
    const text = '&amp;&lt;\\*'.repeat(30);
    for (const piece of cutMarkup(text, 17, utf16Length)) {
      expect(piece).toMatch(/^(?:&amp;|&lt;|\\\*)+$/);
    }
  });

  it('closes and reopens HTML tags at a cut, so every piece is well-formed', () => {
    const text = `<b>${'粗体文字 '.repeat(30)}</b> <i>${'斜体 '.repeat(30)}</i>`;
    const pieces = cutMarkup(text, 60, utf16Length, { html: true });
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(60);
      const opened = (piece.match(/<[bi]>/g) ?? []).length;
      const closed = (piece.match(/<\/[bi]>/g) ?? []).length;
      expect(opened).toBe(closed);
    }
    const visible = pieces.map((piece) => piece.replace(/<[^>]+>/g, '')).join(' ');
    expect(visible.replace(/\s+/g, '')).toBe(text.replace(/<[^>]+>/g, '').replace(/\s+/g, ''));
  });

  it('prefers a break at white space', () => {
    const pieces = cutMarkup('alpha beta gamma delta epsilon zeta eta theta', 20, utf16Length);
    for (const piece of pieces) expect(piece).toMatch(/^[a-z]+(?: [a-z]+)*$/);
  });
});

describe('pack and packText', () => {
  it('packs greedily and keeps order', () => {
    expect(pack([1, 2, 3, 4, 5], (group) => group.reduce((a, b) => a + b, 0) <= 6)).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('numbers parts only when there are several, and puts the footer on the last', () => {
    const blocks = Array.from({ length: 30 }, (_, index) => `entry ${index + 1} ${'x'.repeat(40)}`);
    const one = packText({ blocks: blocks.slice(0, 2), limit: 1000, measure: utf16Length, header: (label) => `Digest ${label}`.trim(), footer: 'END' });
    expect(one).toEqual([`Digest\n\n${blocks[0]}\n\n${blocks[1]}\n\nEND`]);
    const many = packText({ blocks, limit: 300, measure: utf16Length, header: (label) => `Digest ${label}`.trim(), footer: 'END' });
    expect(many.length).toBeGreaterThan(1);
    many.forEach((message, index) => {
      expect(message.length).toBeLessThanOrEqual(300);
      expect(message.startsWith(`Digest (${index + 1}/${many.length})`)).toBe(true);
      expect(message.endsWith('END')).toBe(index === many.length - 1);
    });
    expect(many.join('\n\n').match(/entry \d+/g)).toEqual(blocks.map((_, index) => `entry ${index + 1}`));
  });

  it('keeps room for the part label before the number of parts is known', () => {
    const blocks = Array.from({ length: 9 }, (_, index) => `${index}`.padEnd(45, 'x'));
    const messages = packText({ blocks, limit: 100, measure: utf16Length, header: (label) => `H ${label}`.trim() });
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(100);
    expect(messages[0]).toMatch(/^H \(1\/\d\)/);
  });
});
