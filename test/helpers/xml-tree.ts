/** Reads a whole (small) XML document into a tree with the project's strict reader, for tests that check the feeds we write. */
import { createXmlReader } from '../../src/sources/shared/xml-reader.js';

export interface XmlNode {
  ns: string;
  local: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  /** The element's own character data, concatenated (children's text excluded). */
  text: string;
}

/** Parses `text`; throws XivdigestError `XML_MALFORMED` naming `origin` when it is not well-formed XML. */
export function parseXmlTree(text: string, origin: string): XmlNode {
  const root: XmlNode = { ns: '', local: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const reader = createXmlReader(
    {
      onOpen(ns, local, attributes) {
        const node: XmlNode = { ns, local, attributes: { ...attributes }, children: [], text: '' };
        stack.at(-1)!.children.push(node);
        stack.push(node);
      },
      onClose() {
        stack.pop();
      },
      onText(chunk) {
        stack.at(-1)!.text += chunk;
      },
    },
    { origin },
  );
  reader.write(text);
  reader.end();
  return root.children[0]!;
}

/** The children of `node` named `local` (any namespace unless `ns` is given). */
export function childrenNamed(node: XmlNode, local: string, ns?: string): XmlNode[] {
  return node.children.filter((child) => child.local === local && (ns === undefined || child.ns === ns));
}

/** The first child named `local`, or undefined. */
export function childNamed(node: XmlNode, local: string, ns?: string): XmlNode | undefined {
  return childrenNamed(node, local, ns)[0];
}
