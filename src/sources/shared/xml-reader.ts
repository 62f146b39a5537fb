/** A strict, streaming, namespace-aware XML tokenizer (XML 1.0 + Namespaces), written for the ingest hot path. */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { XivdigestError } from '../../core/errors.js';
import type { DocumentInput, SourceEvent } from '../../core/source.js';

export interface XmlHandler {
  /** An element starts. `ns` is the resolved namespace URI ('' when none); `local` the local name; attributes keyed by their qualified name as written (values entity-decoded, xmlns declarations included). */
  onOpen(ns: string, local: string, attributes: Record<string, string>): void;
  /** An element ends (also called right after onOpen for `<x/>`). */
  onClose(ns: string, local: string): void;
  /** Character data, entity-decoded, CDATA included. One text node may arrive in several calls. */
  onText(text: string): void;
}

export interface XmlReader {
  /** Feeds the next piece of the document; tokens may be split anywhere. */
  write(chunk: string): void;
  /** Declares the end of the document; throws XML_MALFORMED when it is incomplete. */
  end(): void;
}

/** An element name resolved against the namespace declarations in scope. */
interface ResolvedName {
  qualifiedName: string;
  ns: string;
  local: string;
}

/** The namespace declarations in force, with the element names already resolved under them. */
interface NamespaceScope {
  parent: NamespaceScope | undefined;
  /** Prefix ('' for the default namespace) → URI, for the declarations made on this element. */
  prefixes: Map<string, string>;
  /** First character and length of a name → its resolutions; feeds repeat a few dozen names, each resolved once per scope. */
  resolved: Map<number, ResolvedName[]>;
  /**
   * The scopes of child elements that declared namespaces, by their declarations: OAI-PMH declares the metadata
   * format's namespace on every record, and reusing the scope keeps its resolved names (ADR 0009).
   */
  children: Map<string, NamespaceScope> | undefined;
  /** The child scope used last, with its declarations: compared first, without building a key. */
  lastChild: { declarations: Array<[string, string]>; scope: NamespaceScope } | undefined;
}

function sameDeclarations(a: Array<[string, string]>, b: Array<[string, string]>): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) {
    if (a[index]![0] !== b[index]![0] || a[index]![1] !== b[index]![1]) return false;
  }
  return true;
}

/** Resolved names kept per (first character, length) key in a scope. */
const MAX_NAMES_PER_KEY = 8;

/** Unfinished tokens shorter than this are parsed again with every chunk (the usual case: a tag cut by a chunk boundary). */
const HOLD_BACK_FROM = 256 * 1024;

/** Child scopes kept per scope; more distinct declarations than this (never in arXiv's documents) are not kept. */
const MAX_CHILD_SCOPES = 16;

// Shared by every element without attributes (most of them), so that those allocate nothing; handlers must not mutate it.
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({});

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

// The only named entities XML 1.0 predefines (§4.6); anything else needs a DTD, which we never read.
const PREDEFINED_ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const DECIMAL_DIGITS = /^[0-9]+$/;
const ATTRIBUTE_WHITESPACE_ALL = /\r\n|[\t\n\r]/g;
const LINE_ENDS = /\r\n?/g;

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const EQUALS = 61; // =
const QUOTE = 34; // "
const APOSTROPHE = 39; // '
const SEMICOLON = 59; // ;
const HASH = 35; // #
const QUESTION = 63; // ?
const BANG = 33; // !
const CARRIAGE_RETURN = 13;
const LINE_FEED = 10;

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

// XML NameStartChar and NameChar, simplified to ASCII exactly and "anything non-ASCII" beyond it (arXiv never relies
// on the rest); ASCII is looked up in a table, which the tokenizer consults for every character of every name.
const NAME_START = 1;
const NAME_CHAR = 2;
const ASCII_NAME = new Uint8Array(128);
for (let code = 0; code < 128; code += 1) {
  const start = (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 58;
  const char = start || (code >= 48 && code <= 57) || code === 45 || code === 46;
  ASCII_NAME[code] = (start ? NAME_START : 0) | (char ? NAME_CHAR : 0);
}

function isNameStart(code: number): boolean {
  return code < 128 ? (ASCII_NAME[code]! & NAME_START) !== 0 : true;
}

function isNameChar(code: number): boolean {
  return code < 128 ? (ASCII_NAME[code]! & NAME_CHAR) !== 0 : true;
}

function describeCode(code: number): string {
  return code === LINE_FEED ? 'a line break' : `"${String.fromCharCode(code)}"`;
}

/**
 * Creates a push tokenizer. Errors are XivdigestError `XML_MALFORMED` naming `origin`, line and column. Line and
 * column are only worked out when an error happens: the reader keeps the line count of the text it has dropped.
 * Elements without attributes all receive the same frozen empty object: read attributes, never mutate them.
 */
export function createXmlReader(handler: XmlHandler, options: { origin: string }): XmlReader {
  return new XmlTokenizer(handler, options.origin);
}

/** The tokenizer behind createXmlReader; a class, so that V8 shares optimized code between readers. */
class XmlTokenizer implements XmlReader {
  private readonly handler: XmlHandler;
  private readonly origin: string;
  /** Unconsumed input; `position` indexes into it. */
  private buffer = '';
  private position = 0;
  private final = false;
  // Where `buffer` starts in the document, and the line count of the text already dropped, for error positions.
  private bufferStart = 0;
  /**
   * Input held back while an unfinished token is at least this long: it is parsed again only once the input has
   * doubled, so that a huge attribute, comment, CDATA section or DOCTYPE costs linear time, not one rescan per chunk.
   */
  private waitUntil = 0;
  private readonly pending: string[] = [];
  private pendingLength = 0;
  /** Index in `buffer` of the next "<" at or after the last attribute value (-1 when unknown; buffer.length when none). */
  private nextLessThan = -1;
  private droppedLines = 0;
  /** Absolute offset of the first character of the line that was current when text was last dropped. */
  private droppedLineStart = 0;
  /** Index in `buffer` of the next "&" at or after the last decode (buffer.length when none; -1 when unknown). */
  private nextAmpersand = -1;
  /** Where an entity reference cut by the end of the buffer starts (set by decode). */
  private stopAt = 0;
  /** Whether the buffer holds a CR (XML §2.11 line-end normalization is needed). */
  private mayHaveCarriageReturn = false;
  private sawStart = false;
  /** A DOCTYPE was skipped (its declarations are never read; named in the message for an undefined entity). */
  private sawDoctype = false;
  /** 1 when the document starts with a byte order mark, else 0. */
  private contentStart = 0;
  private rootSeen = false;
  private rootClosed = false;
  /** Open elements, innermost last, and the scope each one's parent had. */
  private readonly open: ResolvedName[] = [];
  private readonly scopes: NamespaceScope[] = [];
  private scope: NamespaceScope;

  constructor(handler: XmlHandler, origin: string) {
    this.handler = handler;
    this.origin = origin;
    const prefixes = new Map<string, string>([
      ['xml', XML_NAMESPACE],
      ['', ''],
    ]);
    this.scope = { parent: undefined, prefixes, resolved: new Map(), children: undefined, lastChild: undefined };
  }

  write(chunk: string): void {
    if (this.final) throw new Error('XmlReader.write() after end()');
    if (chunk.length === 0) return;
    if (this.waitUntil > 0) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.buffer.length + this.pendingLength < this.waitUntil) return;
      chunk = this.takePending();
    }
    // One search per chunk spares one per text node in the usual documents, which have no CR at all. The flag stays
    // set while the buffer holds what it was set for; only the new chunk is searched (linear in the input).
    this.mayHaveCarriageReturn = (this.buffer.length > 0 && this.mayHaveCarriageReturn) || chunk.indexOf('\r') >= 0;
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    this.nextAmpersand = -1;
    this.nextLessThan = -1;
    this.run();
  }

  /** The held-back input as one string (emptying the hold). */
  private takePending(): string {
    const joined = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending.length = 0;
    this.pendingLength = 0;
    this.waitUntil = 0;
    return joined;
  }

  end(): void {
    if (this.final) return;
    if (this.pending.length > 0) {
      const rest = this.takePending();
      this.mayHaveCarriageReturn = (this.buffer.length > 0 && this.mayHaveCarriageReturn) || rest.indexOf('\r') >= 0;
      this.buffer += rest;
      this.nextAmpersand = -1;
      this.nextLessThan = -1;
    }
    this.waitUntil = 0;
    this.final = true;
    this.run();
    if (this.buffer.length > 0) this.fail(0, 'the document ends inside markup');
    const depth = this.open.length;
    if (depth > 0) this.fail(0, `the document ends before </${this.open[depth - 1]!.qualifiedName}> (unclosed element)`);
    if (!this.rootSeen) this.fail(0, 'the document has no root element');
  }

  private run(): void {
    if (!this.sawStart) {
      if (this.buffer.length === 0) return;
      if (this.buffer.charCodeAt(0) === 0xfeff) this.position = this.contentStart = 1;
      this.sawStart = true;
    }
    const buffer = this.buffer;
    const length = buffer.length;
    while (this.position < length) {
      if (buffer.charCodeAt(this.position) === LT) {
        if (!this.readMarkup()) break;
      } else if (!this.readText()) {
        break;
      }
    }
    this.compact();
    // An unfinished token this long is parsed again only when the input has doubled (amortized linear time).
    if (!this.final && this.buffer.length >= HOLD_BACK_FROM) this.waitUntil = 2 * this.buffer.length;
  }

  private fail(at: number, what: string): never {
    let line = this.droppedLines + 1;
    let lineStart = this.droppedLineStart;
    const end = Math.min(at, this.buffer.length);
    for (let index = this.buffer.indexOf('\n'); index >= 0 && index < end; index = this.buffer.indexOf('\n', index + 1)) {
      line += 1;
      lineStart = this.bufferStart + index + 1;
    }
    const column = this.bufferStart + at - lineStart + 1;
    throw new XivdigestError({
      code: 'XML_MALFORMED',
      message: `Malformed XML in ${this.origin} at line ${line}, column ${column}: ${what}`,
      hint: 'The file is cut short or not XML; fetch it again',
      details: { origin: this.origin, line, column },
    });
  }

  /** Drops the consumed part of the buffer, keeping the line count of what it held. */
  private compact(): void {
    if (this.position === 0) return;
    for (let index = this.buffer.indexOf('\n'); index >= 0 && index < this.position; index = this.buffer.indexOf('\n', index + 1)) {
      this.droppedLines += 1;
      this.droppedLineStart = this.bufferStart + index + 1;
    }
    this.bufferStart += this.position;
    this.buffer = this.position >= this.buffer.length ? '' : this.buffer.slice(this.position);
    this.position = 0;
    this.nextAmpersand = -1;
    this.nextLessThan = -1;
  }

  /**
   * Decodes entity and character references in buffer[start, end). Returns the decoded text, or undefined when a
   * reference runs into the end of the buffer (only possible when `end` is the buffer's end and more may come);
   * `stopAt` then tells where the unfinished reference starts.
   */
  private decode(start: number, end: number, inAttribute: boolean): string | undefined {
    // Most text has no "&": remember where the next one is, so each text node does not search the rest of the buffer.
    if (this.nextAmpersand < start) {
      this.nextAmpersand = this.buffer.indexOf('&', start);
      if (this.nextAmpersand < 0) this.nextAmpersand = this.buffer.length;
    }
    let ampersand = this.nextAmpersand;
    if (ampersand >= end) return this.sliceNormalized(start, end, inAttribute);
    let out = '';
    let last = start;
    while (ampersand < end) {
      let cursor = ampersand + 1;
      while (cursor < end) {
        const code = this.buffer.charCodeAt(cursor);
        if (code === SEMICOLON || !(isNameChar(code) || code === HASH)) break;
        cursor += 1;
      }
      if (cursor >= end) {
        if (end === this.buffer.length && !this.final) {
          this.stopAt = ampersand;
          return undefined;
        }
        this.fail(ampersand, 'an "&" that starts no entity reference (write it as &amp;)');
      }
      if (this.buffer.charCodeAt(cursor) !== SEMICOLON) this.fail(ampersand, 'an "&" that starts no entity reference (write it as &amp;)');
      out += this.sliceNormalized(last, ampersand, inAttribute) + this.referenceValue(ampersand, cursor);
      last = cursor + 1;
      ampersand = this.buffer.indexOf('&', last);
      if (ampersand < 0) ampersand = this.buffer.length;
    }
    this.nextAmpersand = ampersand;
    return out + this.sliceNormalized(last, end, inAttribute);
  }

  /** The replacement text of the reference buffer[ampersand, semicolon]. */
  private referenceValue(ampersand: number, semicolon: number): string {
    const body = this.buffer.slice(ampersand + 1, semicolon);
    if (body.charCodeAt(0) === HASH) {
      const hex = body.charCodeAt(1) === 120; // x
      const digits = body.slice(hex ? 2 : 1);
      const valid = digits.length > 0 && (hex ? HEX_DIGITS : DECIMAL_DIGITS).test(digits);
      const code = valid ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
      // XML Char production (§2.2): no NUL, no surrogates, nothing past U+10FFFF.
      if (!(code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0x10ffff))) {
        this.fail(ampersand, `the character reference "&${body};" is not a valid XML character`);
      }
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED_ENTITIES.get(body);
    if (value === undefined) {
      this.fail(
        ampersand,
        body.length === 0
          ? 'an empty entity reference "&;"'
          : `the entity "&${body};" is not defined in XML (only &amp; &lt; &gt; &quot; &apos; are${this.sawDoctype ? '; entities declared in a DOCTYPE are refused for safety and never expanded' : ''})`,
      );
    }
    return value;
  }

  // XML §2.11 (line ends become \n) and §3.3.3 (whitespace in attribute values becomes a space).
  private sliceNormalized(start: number, end: number, inAttribute: boolean): string {
    const text = this.buffer.slice(start, end);
    if (inAttribute) {
      // indexOf runs natively; the character-class regex costs more than the three searches.
      const irregular = text.indexOf('\n') >= 0 || text.indexOf('\t') >= 0 || text.indexOf('\r') >= 0;
      return irregular ? text.replace(ATTRIBUTE_WHITESPACE_ALL, ' ') : text;
    }
    return this.mayHaveCarriageReturn && text.indexOf('\r') >= 0 ? text.replace(LINE_ENDS, '\n') : text;
  }

  /** Outside the root element only whitespace may appear (XML §2.1 `document` production). */
  private checkOutsideText(start: number, end: number): void {
    for (let index = start; index < end; index += 1) {
      if (!isWhitespace(this.buffer.charCodeAt(index))) {
        this.fail(index, this.rootClosed ? 'text after the root element' : 'text before the root element');
      }
    }
  }

  /** Character data from `position` to the next "<". Returns false when it must wait for more input. */
  private readText(): boolean {
    let end = this.buffer.indexOf('<', this.position);
    const atBufferEnd = end < 0;
    if (atBufferEnd) {
      end = this.buffer.length;
      // Keep a trailing CR back: a CR LF split across chunks must still become one \n.
      if (!this.final && end > this.position && this.buffer.charCodeAt(end - 1) === CARRIAGE_RETURN) end -= 1;
    }
    if (this.open.length === 0) {
      this.checkOutsideText(this.position, end);
      this.position = end;
      return !atBufferEnd;
    }
    const text = this.decode(this.position, end, false);
    if (text === undefined) {
      // A reference is cut by the chunk boundary: hand over the text before it, keep the rest for the next chunk.
      const partial = this.stopAt;
      if (partial > this.position) this.handler.onText(this.decode(this.position, partial, false)!);
      this.position = partial;
      return false;
    }
    if (text.length > 0) this.handler.onText(text);
    this.position = end;
    return !atBufferEnd;
  }

  /** Tries to read the markup at `position` (a "<"). Returns false when the buffer ends inside it. */
  private readMarkup(): boolean {
    const next = this.position + 1 < this.buffer.length ? this.buffer.charCodeAt(this.position + 1) : -1;
    if (next === -1) {
      if (this.final) this.fail(this.position, 'the document ends inside a tag');
      return false;
    }
    if (next === SLASH) return this.readEndTag();
    if (next === QUESTION) return this.readProcessingInstruction();
    if (next === BANG) return this.readDeclaration();
    if (!isNameStart(next)) this.fail(this.position, `${describeCode(next)} after "<" (a literal "<" in text must be written &lt;)`);
    return this.readStartTag();
  }

  private needMore(what: string): false {
    if (this.final) this.fail(this.position, `the document ends inside ${what}`);
    return false;
  }

  private readProcessingInstruction(): boolean {
    const end = this.buffer.indexOf('?>', this.position + 2);
    if (end < 0) return this.needMore('a processing instruction');
    const isDeclaration =
      this.buffer.startsWith('<?xml', this.position) && this.position + 5 < this.buffer.length && isWhitespace(this.buffer.charCodeAt(this.position + 5));
    if (isDeclaration && this.bufferStart + this.position !== this.contentStart)
      this.fail(this.position, 'an XML declaration that is not at the start of the document');
    this.position = end + 2;
    return true;
  }

  private readDeclaration(): boolean {
    // <!-- comment -->, <![CDATA[ … ]]>, <!DOCTYPE …>
    if (this.buffer.length - this.position < 9 && !this.final) {
      const available = this.buffer.slice(this.position);
      if ('<!--'.startsWith(available) || '<![CDATA['.startsWith(available) || '<!DOCTYPE'.startsWith(available)) return false;
    }
    if (this.buffer.startsWith('<!--', this.position)) {
      const end = this.buffer.indexOf('-->', this.position + 4);
      if (end < 0) return this.needMore('a comment');
      this.position = end + 3;
      return true;
    }
    if (this.buffer.startsWith('<![CDATA[', this.position)) {
      if (this.open.length === 0) this.fail(this.position, 'a CDATA section outside the root element');
      const end = this.buffer.indexOf(']]>', this.position + 9);
      if (end < 0) return this.needMore('a CDATA section');
      const text = this.buffer.slice(this.position + 9, end);
      this.handler.onText(this.mayHaveCarriageReturn && text.indexOf('\r') >= 0 ? text.replace(LINE_ENDS, '\n') : text);
      this.position = end + 3;
      return true;
    }
    if (this.buffer.startsWith('<!DOCTYPE', this.position)) {
      if (this.rootSeen) this.fail(this.position, 'a DOCTYPE after the root element started');
      this.sawDoctype = true;
      return this.skipDoctype();
    }
    return this.fail(this.position, 'a "<!" that starts no comment, CDATA section or DOCTYPE');
  }

  /** Skips a DOCTYPE with its internal subset; entities it declares are never expanded (no external entities ever). */
  private skipDoctype(): boolean {
    let depth = 0;
    let quote = 0;
    for (let cursor = this.position + 9; cursor < this.buffer.length; cursor += 1) {
      const code = this.buffer.charCodeAt(cursor);
      if (quote !== 0) {
        if (code === quote) quote = 0;
      } else if (code === QUOTE || code === APOSTROPHE) {
        quote = code;
      } else if (code === LT && depth > 0 && (this.buffer.startsWith('<!--', cursor) || this.buffer.startsWith('<?', cursor))) {
        // Comments and PIs in the internal subset may hold "]" and ">" (XML §2.8 markupdecl).
        const close = this.buffer.startsWith('<?', cursor) ? '?>' : '-->';
        const end = this.buffer.indexOf(close, cursor + 2);
        if (end < 0) break;
        cursor = end + close.length - 1;
      } else if (code === 91) {
        depth += 1; // [
      } else if (code === 93) {
        depth -= 1; // ]
      } else if (code === GT && depth <= 0) {
        this.position = cursor + 1;
        return true;
      }
    }
    return this.needMore('a DOCTYPE');
  }

  private readEndTag(): boolean {
    const depth = this.open.length;
    const expected = depth > 0 ? this.open[depth - 1]!.qualifiedName : '';
    const nameEnd = this.position + 2 + expected.length;
    const buffer = this.buffer;
    // Fast path: `</name>` exactly as the open element was written (slice and ===: V8 compares the two as blocks of
    // memory, where startsWith goes character by character).
    if (depth > 0 && buffer.charCodeAt(nameEnd) === GT && buffer.slice(this.position + 2, nameEnd) === expected) {
      this.position = nameEnd + 1;
      this.closeElement();
      return true;
    }
    const end = this.buffer.indexOf('>', this.position + 2);
    if (end < 0) return this.needMore('an end tag');
    let cursor = this.position + 2;
    while (cursor < end && isNameChar(this.buffer.charCodeAt(cursor))) cursor += 1;
    const name = this.buffer.slice(this.position + 2, cursor);
    for (; cursor < end; cursor += 1) {
      if (!isWhitespace(this.buffer.charCodeAt(cursor))) this.fail(cursor, `${describeCode(this.buffer.charCodeAt(cursor))} in the end tag </${name}>`);
    }
    if (depth === 0) this.fail(this.position, `the end tag </${name}> closes no open element`);
    if (name !== expected) this.fail(this.position, `the end tag </${name}> does not match the open element <${expected}>`);
    this.position = end + 1;
    this.closeElement();
    return true;
  }

  /** A scope for an element that declares namespaces (XML Namespaces §3, §6); the same declarations get the same scope. */
  private declare(parent: NamespaceScope, declarations: Array<[string, string]>, name: string): NamespaceScope {
    // The usual case: the same declarations as the sibling before (OAI-PMH's metadata root, record after record).
    const last = parent.lastChild;
    if (last !== undefined && sameDeclarations(last.declarations, declarations)) return last.scope;
    const key = JSON.stringify(declarations);
    const known = parent.children?.get(key);
    if (known !== undefined) {
      parent.lastChild = { declarations, scope: known };
      return known;
    }
    const prefixes = new Map<string, string>();
    for (const [prefix, uri] of declarations) {
      if (prefix !== '' && uri === '') this.fail(this.position, `the prefix ${prefix} is bound to an empty namespace in <${name}>`);
      if (prefix === 'xmlns' || uri === XMLNS_NAMESPACE) this.fail(this.position, `the reserved prefix xmlns is declared in <${name}>`);
      prefixes.set(prefix, uri);
    }
    const scope: NamespaceScope = { parent, prefixes, resolved: new Map(), children: undefined, lastChild: undefined };
    parent.children ??= new Map();
    if (parent.children.size < MAX_CHILD_SCOPES) parent.children.set(key, scope);
    parent.lastChild = { declarations, scope };
    return scope;
  }

  /** The name of the start tag at `position`, which ends at `nameEnd`. */
  private tagName(nameEnd: number): string {
    return this.buffer.slice(this.position + 1, nameEnd);
  }

  /**
   * The resolution of the start tag name at `position`, from the scope's cache when it was seen before (keyed by first
   * character and length, so that a lookup compares with a name or two).
   */
  private lookup(nameEnd: number): ResolvedName {
    const start = this.position + 1;
    const length = nameEnd - start;
    const key = this.buffer.charCodeAt(start) * 1024 + (length < 1024 ? length : 1023);
    const candidates = this.scope.resolved.get(key);
    // slice and ===, not startsWith: V8 compares the two as blocks of memory, startsWith character by character.
    const name = this.buffer.slice(start, nameEnd);
    if (candidates !== undefined) {
      for (let index = 0; index < candidates.length; index += 1) {
        if (candidates[index]!.qualifiedName === name) return candidates[index]!;
      }
    }
    const resolved = this.resolve(name);
    if (candidates === undefined) this.scope.resolved.set(key, [resolved]);
    // A few names per key are kept: many distinct names of one first letter and length (never in arXiv's documents)
    // would otherwise make each lookup compare with all of them.
    else if (candidates.length < MAX_NAMES_PER_KEY) candidates.push(resolved);
    return resolved;
  }

  /** Resolves an element name against the namespace declarations in scope. */
  private resolve(name: string): ResolvedName {
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const local = colon < 0 ? name : name.slice(colon + 1);
    if (colon >= 0 && (local.length === 0 || local.indexOf(':') >= 0 || prefix.length === 0)) {
      this.fail(this.position, `the element name <${name}> is not a valid qualified name`);
    }
    let ns: string | undefined;
    for (let scope: NamespaceScope | undefined = this.scope; scope !== undefined && ns === undefined; scope = scope.parent) {
      ns = scope.prefixes.get(prefix);
    }
    if (ns === undefined) {
      if (prefix !== '') this.fail(this.position, `the namespace prefix "${prefix}" of <${name}> is not declared`);
      ns = '';
    }
    return { qualifiedName: name, ns, local };
  }

  private closeElement(): void {
    const element = this.open.pop()!;
    this.scope = this.scopes.pop()!;
    if (this.open.length === 0) this.rootClosed = true;
    this.handler.onClose(element.ns, element.local);
  }

  private readStartTag(): boolean {
    const length = this.buffer.length;
    let cursor = this.position + 1;
    while (cursor < length && isNameChar(this.buffer.charCodeAt(cursor))) cursor += 1;
    if (cursor >= length) return this.needMore('a start tag');
    const nameEnd = cursor;
    let attributes: Record<string, string> | undefined;
    let declarations: Array<[string, string]> | undefined;
    let selfClosing = false;
    for (;;) {
      const afterValue = cursor;
      while (cursor < length && isWhitespace(this.buffer.charCodeAt(cursor))) cursor += 1;
      if (cursor >= length) return this.needMore('a start tag');
      let code = this.buffer.charCodeAt(cursor);
      if (code === GT) {
        cursor += 1;
        break;
      }
      if (code === SLASH) {
        if (cursor + 1 >= length) return this.needMore('a start tag');
        if (this.buffer.charCodeAt(cursor + 1) !== GT) this.fail(cursor, `"/" not followed by ">" in the start tag <${this.tagName(nameEnd)}>`);
        selfClosing = true;
        cursor += 2;
        break;
      }
      if (!isNameStart(code)) this.fail(cursor, `${describeCode(code)} in the start tag <${this.tagName(nameEnd)}>`);
      if (cursor === afterValue) this.fail(cursor, `no whitespace before the attribute at ${describeCode(code)} in the start tag <${this.tagName(nameEnd)}>`);
      const attributeStart = cursor;
      while (cursor < length && isNameChar(this.buffer.charCodeAt(cursor))) cursor += 1;
      const attributeName = this.buffer.slice(attributeStart, cursor);
      while (cursor < length && isWhitespace(this.buffer.charCodeAt(cursor))) cursor += 1;
      if (cursor >= length) return this.needMore('a start tag');
      if (this.buffer.charCodeAt(cursor) !== EQUALS) this.fail(cursor, `the attribute ${attributeName} in <${this.tagName(nameEnd)}> has no "=" and value`);
      cursor += 1;
      while (cursor < length && isWhitespace(this.buffer.charCodeAt(cursor))) cursor += 1;
      if (cursor >= length) return this.needMore('a start tag');
      code = this.buffer.charCodeAt(cursor);
      if (code !== QUOTE && code !== APOSTROPHE) this.fail(cursor, `the value of the attribute ${attributeName} in <${this.tagName(nameEnd)}> is not quoted`);
      const valueEnd = this.buffer.indexOf(code === QUOTE ? '"' : "'", cursor + 1);
      if (valueEnd < 0) return this.needMore('a start tag');
      // One search serves every attribute before the next "<" (a tag with many attributes stays linear).
      if (this.nextLessThan <= cursor) {
        this.nextLessThan = this.buffer.indexOf('<', cursor + 1);
        if (this.nextLessThan < 0) this.nextLessThan = this.buffer.length;
      }
      const lessThan = this.nextLessThan;
      if (lessThan < valueEnd) this.fail(lessThan, `a "<" in the value of the attribute ${attributeName} (write it as &lt;)`);
      const value = this.decode(cursor + 1, valueEnd, true)!;
      if (attributes === undefined) attributes = {};
      else if (Object.hasOwn(attributes, attributeName))
        this.fail(attributeStart, `the attribute ${attributeName} appears twice in <${this.tagName(nameEnd)}>`);
      attributes[attributeName] = value;
      if (attributeName.charCodeAt(0) === 120 && attributeName.startsWith('xmlns')) {
        if (attributeName.length === 5) (declarations ??= []).push(['', value]);
        else if (attributeName.charCodeAt(5) === 58) (declarations ??= []).push([attributeName.slice(6), value]);
      }
      cursor = valueEnd + 1;
    }

    if (this.rootClosed) this.fail(this.position, `a second root element <${this.tagName(nameEnd)}> after the first one closed`);
    const parentScope = this.scope;
    if (declarations !== undefined) this.scope = this.declare(parentScope, declarations, this.tagName(nameEnd));
    const resolved = this.lookup(nameEnd);
    const { ns, local } = resolved;
    this.rootSeen = true;
    this.position = cursor;
    if (selfClosing) {
      this.scope = parentScope;
      this.handler.onOpen(ns, local, attributes ?? NO_ATTRIBUTES);
      this.handler.onClose(ns, local);
      if (this.open.length === 0) this.rootClosed = true;
      return true;
    }
    this.open.push(resolved);
    this.scopes.push(parentScope);
    this.handler.onOpen(ns, local, attributes ?? NO_ATTRIBUTES);
    return true;
  }
}

/**
 * Text is decoded in pieces of at most this many bytes: V8 allocates a string of 128 KB or more in its large-object
 * space, page by fresh page, which made decoding a 256 KB file chunk ten times slower than decoding it in four.
 */
const DECODE_PIECE = 64 * 1024;

/**
 * The document as text chunks, decoded as UTF-8 (a character split across chunks decoded whole, a leading byte order
 * mark dropped, as TextDecoder does). ASCII bytes, which arXiv's feeds and OAI-PMH pages are made of, decode as
 * Latin-1 at memory speed; from the first other byte on, TextDecoder decodes the rest (ADR 0009).
 */
async function* decodedChunks(input: DocumentInput): AsyncGenerator<string> {
  if (typeof input === 'string') {
    yield input;
    return;
  }
  let decoder: TextDecoder | undefined;
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let start = 0; start < bytes.length; start += DECODE_PIECE) {
      const end = Math.min(bytes.length, start + DECODE_PIECE);
      const piece = bytes.subarray(start, end);
      if (decoder === undefined && isAscii(piece)) {
        // Until a non-ASCII byte, the decoder would hold no partial character, so skipping it loses nothing.
        yield bytes.toString('latin1', start, end);
      } else {
        decoder ??= new TextDecoder('utf-8');
        const text = decoder.decode(piece, { stream: true });
        if (text) yield text;
      }
    }
  }
  const rest = decoder?.decode();
  if (rest) yield rest;
}

/**
 * Drives a reader over a DocumentInput and yields what the handler emits, as chunks arrive (memory stays flat). An
 * iterator of its own rather than an async generator: a generator costs several promises and microtask turns per
 * event, this costs one promise per event (ADR 0009).
 */
export function streamXml(
  input: DocumentInput,
  options: { origin: string },
  setup: (emit: (event: SourceEvent) => void) => XmlHandler,
): AsyncIterableIterator<SourceEvent> {
  return new XmlEventStream(input, options, setup);
}

class XmlEventStream implements AsyncIterableIterator<SourceEvent> {
  /** Events of the chunks read so far; `next` is the first not yet handed out. */
  private events: SourceEvent[] = [];
  private nextEvent = 0;
  private readonly reader: XmlReader;
  private readonly chunks: AsyncIterator<string>;
  private finished = false;
  /** A read of more input under way (a second `next` call waits for it, as an async generator's would). */
  private reading: Promise<IteratorResult<SourceEvent>> | undefined;

  constructor(input: DocumentInput, options: { origin: string }, setup: (emit: (event: SourceEvent) => void) => XmlHandler) {
    this.reader = createXmlReader(
      setup((event) => this.events.push(event)),
      options,
    );
    this.chunks = decodedChunks(input)[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SourceEvent> {
    return this;
  }

  next(): Promise<IteratorResult<SourceEvent>> {
    if (this.reading !== undefined) return this.reading.then(() => this.next());
    if (this.nextEvent < this.events.length) {
      const value = this.events[this.nextEvent]!;
      this.nextEvent += 1;
      return Promise.resolve({ value, done: false });
    }
    this.reading = this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** Reads chunks until one yields events or the input ends; a malformed document ends the stream with its error. */
  private async read(): Promise<IteratorResult<SourceEvent>> {
    this.events = [];
    this.nextEvent = 0;
    try {
      while (!this.finished && this.events.length === 0) {
        const chunk = await this.chunks.next();
        if (chunk.done) {
          this.finished = true;
          this.reader.end();
        } else {
          this.reader.write(chunk.value);
        }
      }
    } catch (error) {
      this.events = [];
      await this.close();
      throw error;
    }
    if (this.events.length === 0) return { value: undefined, done: true };
    this.nextEvent = 1;
    return { value: this.events[0]!, done: false };
  }

  private async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.chunks.return?.();
  }

  /** Stops early (a consumer's `break`): the input is closed. */
  async return(): Promise<IteratorResult<SourceEvent>> {
    this.events = [];
    await this.close();
    return { value: undefined, done: true };
  }
}
