/** Turns any DocumentInput (a string, or chunks from a file or HTTP body) into decoded text chunks. */
import { createReadStream } from 'node:fs';
import type { DocumentInput } from '../../core/source.js';

/** Yields the document as UTF-8 text chunks; a multi-byte character split across chunks is decoded whole. */
export async function* textChunks(input: DocumentInput): AsyncGenerator<string> {
  if (typeof input === 'string') {
    yield input;
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield chunk;
    } else {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** A local file as DocumentInput, read in chunks so that memory stays flat. */
export function fileInput(path: string, highWaterMark = 256 * 1024): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark });
}

/** Yields the lines of a document (without their line ends), for JSON lines formats. */
export async function* textLines(input: DocumentInput): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of textChunks(input)) {
    const text = carry + chunk;
    let start = 0;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry) yield carry;
}
