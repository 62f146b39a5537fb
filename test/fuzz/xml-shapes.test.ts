/**
 * The XML reader on hostile shapes (one construct grown to the whole document), read in 64 KB chunks as a download
 * arrives: the events are right whatever the size. Time and memory per MB are measured by `npm run bench:ingest`,
 * never here.
 */
import { describe, expect, it } from 'vitest';
import { XivdigestError } from '../../src/core/errors.js';
import { createXmlReader } from '../../src/sources/shared/xml-reader.js';

interface Seen {
  opens: number;
  closes: number;
  maxDepth: number;
  text: string[];
  attributes: Array<Record<string, string>>;
  names: string[];
}

function read(document: string, chunkSize: number): Seen {
  const seen: Seen = { opens: 0, closes: 0, maxDepth: 0, text: [], attributes: [], names: [] };
  let depth = 0;
  const reader = createXmlReader(
    {
      onOpen(_ns, local, attributes) {
        seen.opens += 1;
        depth += 1;
        seen.maxDepth = Math.max(seen.maxDepth, depth);
        if (seen.names.length < 4) seen.names.push(local);
        if (seen.attributes.length < 4) seen.attributes.push(attributes);
      },
      onClose() {
        seen.closes += 1;
        depth -= 1;
      },
      onText(text) {
        seen.text.push(text);
      },
    },
    { origin: 'shape.xml' },
  );
  for (let start = 0; start < document.length; start += chunkSize) reader.write(document.slice(start, start + chunkSize));
  reader.end();
  return seen;
}

// Above the reader's hold-back threshold (256 K characters), so that the held-back path is taken.
const SIZE = 700 * 1024;

describe('XML reader on hostile shapes', () => {
  for (const chunkSize of [64 * 1024, 1000 * 1024]) {
    describe(`in chunks of ${chunkSize}`, () => {
      it('a huge attribute', () => {
        const value = 'abcdefgh '.repeat(SIZE / 9);
        const seen = read(`<a v="${value}" w='&lt;x&gt;'/>`, chunkSize);
        expect(seen.attributes[0]!.v).toBe(value);
        expect(seen.attributes[0]!.w).toBe('<x>');
        expect([seen.opens, seen.closes]).toEqual([1, 1]);
      });

      it('huge text with entities and CR LF line ends', () => {
        const unit = 'abc &amp; d\r\n';
        const seen = read(`<a>${unit.repeat(SIZE / unit.length)}</a>`, chunkSize);
        expect(seen.text.join('')).toBe('abc & d\n'.repeat(SIZE / unit.length));
      });

      it('a huge comment, CDATA section and DOCTYPE', () => {
        const filler = 'x] > y'.repeat(SIZE / 6);
        const seen = read(`<!DOCTYPE a [ <!-- ${filler} --> ]><a><!--${filler}--><![CDATA[${filler}]]></a>`, chunkSize);
        expect(seen.text.join('')).toBe(filler);
      });

      it('deep nesting', () => {
        const depth = Math.floor(SIZE / 7);
        const seen = read(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`, chunkSize);
        expect(seen.maxDepth).toBe(depth);
        expect(seen.closes).toBe(depth);
      });

      it('many attributes', () => {
        const count = Math.floor(SIZE / 16);
        const attributes = Array.from({ length: count }, (_, index) => ` n${index}="v&gt;${index % 10}"`).join('');
        const seen = read(`<a${attributes}/>`, chunkSize);
        expect(Object.keys(seen.attributes[0]!)).toHaveLength(count);
        expect(seen.attributes[0]![`n${count - 1}`]).toBe(`v>${(count - 1) % 10}`);
      });

      it('a long element name, and many distinct long names', () => {
        const name = `n${'abcdefgh'.repeat(SIZE / 8)}`;
        expect(read(`<${name}/>`, chunkSize).names[0]).toBe(name);
        const names = Array.from({ length: 2000 }, (_, index) => `x${String(index).padStart(6, '0')}${'y'.repeat(200)}`);
        const seen = read(`<r>${names.map((each) => `<${each}/>`).join('')}</r>`, chunkSize);
        expect(seen.opens).toBe(2001);
      });

      it('a huge attribute cut short still fails as XML_MALFORMED', () => {
        let error: unknown;
        try {
          read(`<a v="${'x'.repeat(SIZE)}`, chunkSize);
        } catch (caught) {
          error = caught;
        }
        expect(XivdigestError.isInstance(error) && error.code).toBe('XML_MALFORMED');
        expect((error as Error).message).toMatch(/ends inside a start tag/);
      });
    });
  }

  it('names the DOCTYPE when an entity it declares is used', () => {
    let error: unknown;
    try {
      read('<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>', 10);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(/entities declared in a DOCTYPE are refused for safety/);
  });
});
