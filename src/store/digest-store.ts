/** The digests aggregate: each digest saved whole under its name. */
import type { Digest } from '../core/digest.js';

/** A digest as listed: its name and a few facts, without its entries. */
export interface DigestSummary {
  name: string;
  style: string;
  entries: number;
  createdAt: string;
}

/** Digests. */
export interface DigestStore {
  /** Saves a digest under its name, replacing an earlier one of that name; it reads back exactly as saved. */
  saveDigest(digest: Digest): Promise<void>;
  getDigest(name: string): Promise<Digest | undefined>;
  /** Every digest, newest first. */
  listDigests(): Promise<DigestSummary[]>;
}
