/** The little XML writing the feed renderers need: escaped text and attributes, optionally ASCII-only. */
import { cleanText } from '../html/escape.js';

/**
 * Escapes character data as Python's ElementTree does (`&`, `<`, `>`; quotes stay) after removing what XML 1.0 cannot
 * hold (cleanText). With `ascii`, every non-ASCII code point becomes a decimal reference, as ElementTree's default
 * `us-ascii` output (`xmlcharrefreplace`) wrote it.
 */
export function xmlText(text: string, ascii = false): string {
  const escaped = cleanText(text).replace(/[&<>]/g, (character) => (character === '&' ? '&amp;' : character === '<' ? '&lt;' : '&gt;'));
  return ascii ? asciiReferences(escaped) : escaped;
}

/** Escapes an attribute value for double quotes; line feeds and tabs as references so they survive normalization. */
export function xmlAttribute(text: string, ascii = false): string {
  const escaped = xmlText(text, ascii).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
  return escaped;
}

function asciiReferences(text: string): string {
  let result = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    result += code < 0x80 ? character : `&#${code};`;
  }
  return result;
}

/**
 * `<name>text</name>`, or `<name />` when the text is empty: ElementTree's short empty element, which the original
 * feed wrote for an empty TL;DR.
 */
export function xmlElement(name: string, text: string, ascii = false, attributes = ''): string {
  const escaped = xmlText(text, ascii);
  return escaped === '' ? `<${name}${attributes} />` : `<${name}${attributes}>${escaped}</${name}>`;
}
