/**
 * Calibration of the quality gate on real outputs of the original system: nearly all pass, the genuinely bad ones and
 * corrupted variants of good ones fail with the expected code. Floors come from docs/decisions/0003-quality-gate.md.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { corruptionClasses, isFullCase, seeded, type ForeignTexts, type FullCase } from '../../../test/fixtures/gate/corrupt.js';
import { hasSharedFixtures, ownFixture, sharedFixture } from '../../../test/helpers/shared-fixtures.js';
import { checkTexts, gateCaseFromRecord, type CnChatArxivRecord, type GateCase, type GateIssueCode, type GateResult } from './index.js';

function readJsonl(path: string): CnChatArxivRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CnChatArxivRecord);
}

function errorCodes(result: GateResult): string[] {
  return result.issues.filter((found) => found.severity === 'error').map((found) => `${found.code}:${found.field}`);
}

/** The errors of a result, leaving out a missing English TL;DR: most records of 2023 were made before it existed. */
function errorsExcusingTldrEn(result: GateResult): string[] {
  return errorCodes(result).filter((code) => code !== 'field-missing:tldrEn');
}

const foreign = JSON.parse(readFileSync(ownFixture('gate', 'foreign-texts.json'), 'utf8')) as ForeignTexts;

describe('gateCaseFromRecord', () => {
  const sample = readJsonl(ownFixture('gate', 'cn-chat-arxiv-sample.jsonl'));

  it('strips the old title suffix and the new announcement header, and marks sources at the 1,000-character cut', () => {
    const [old, announced] = sample.map(gateCaseFromRecord);
    // The old feed's titles end in a full stop before the suffix; the original digests kept it, and so does this.
    expect(old!.source.title).toBe('Sparse Routing for Low-Latency Speech Recognition on Edge Devices.');
    expect(announced!.source.abstract.startsWith('Toxicity classifiers')).toBe(true);
    expect(announced!.output.tldrEn).toBeUndefined();
    expect(old!.options).toEqual({ lang: 'zh', abstractTruncated: false });
    const cut = gateCaseFromRecord({ ...sample[0]!, abstract: 'x'.repeat(1000) });
    expect(cut.options.abstractTruncated).toBe(true);
  });

  it('reads en_tldr, the spelling a few records use', () => {
    expect(gateCaseFromRecord({ ...sample[0]!, en_tdlr: undefined, en_tldr: 'An English summary.' }).output.tldrEn).toBe('An English summary.');
  });

  it('judges the hand-made records as expected', () => {
    const results = sample.map((record) => {
      const gateCase = gateCaseFromRecord(record);
      return checkTexts(gateCase.output, gateCase.source, gateCase.options);
    });
    const [good, announced, untranslated, stopped, empty] = results.map(errorCodes);
    expect(good).toEqual([]);
    expect(announced).toEqual(['field-missing:tldrEn']);
    expect(results[1]!.issues.filter((found) => found.severity === 'warning').map((found) => found.code)).toEqual(['prompt-echo']);
    expect(untranslated).toEqual(expect.arrayContaining(['wrong-language:abstract', 'source-echoed:abstract']));
    expect(stopped).toContain('abstract-cut-short:abstract');
    expect(empty).toEqual(['field-missing:title', 'field-missing:tldrEn', 'field-missing:abstract']);
  });
});

describe.skipIf(!hasSharedFixtures)('calibration on 3,000 real outputs (../shared corpus)', () => {
  let records: CnChatArxivRecord[] = [];
  let cases: GateCase[] = [];
  let results: GateResult[] = [];
  beforeAll(() => {
    records = readJsonl(sharedFixture('corpus', 'cn-chat-arxiv-papers-3000.jsonl'));
    cases = records.map(gateCaseFromRecord);
    results = cases.map((gateCase) => checkTexts(gateCase.output, gateCase.source, gateCase.options));
  });
  const rate = (count: number, total: number): number => count / total;

  it('passes nearly all real outputs', () => {
    const all = rate(results.filter((result) => result.ok).length, results.length);
    const excused = rate(results.filter((result) => errorsExcusingTldrEn(result).length === 0).length, results.length);
    const complete = results.filter((_, index) => isFullCase(cases[index]!));
    const completeRate = rate(complete.filter((result) => result.ok).length, complete.length);
    const missingTldrEn = cases.filter((gateCase) => gateCase.output.tldrEn === undefined).length;
    const reasons = new Map<string, number>();
    for (const result of results) for (const code of new Set(errorsExcusingTldrEn(result))) reasons.set(code, (reasons.get(code) ?? 0) + 1);
    console.log(
      [
        `gate on ${results.length} real outputs: ${(all * 100).toFixed(1)}% pass; ${missingTldrEn} lack an English TL;DR`,
        `  excusing that: ${(excused * 100).toFixed(1)}% pass; with all four fields: ${(completeRate * 100).toFixed(1)}% of ${complete.length}`,
        '  failures by reason (records):',
        ...[...reasons].sort((a, b) => b[1] - a[1]).map(([code, count]) => `    ${String(count).padStart(4)} ${code}`),
      ].join('\n'),
    );
    expect(excused).toBeGreaterThanOrEqual(0.965);
    expect(completeRate).toBeGreaterThanOrEqual(0.98);
  });

  it('still rejects the real outputs that are genuinely bad', () => {
    const bad: Array<[link: string, code: GateIssueCode, what: string]> = [
      ['https://arxiv.org/abs/2402.16901', 'wrong-language', 'the English abstract left in the translation slot'],
      ['http://arxiv.org/abs/2309.07867', 'wrong-language', 'the English title with its feed suffix as the translation'],
      ['http://arxiv.org/abs/2307.12862', 'source-echoed', 'the English title copied as the translation'],
      ['http://arxiv.org/abs/2311.14320', 'prompt-echo', '这里是翻译过的论文标题： in every field'],
      ['https://arxiv.org/abs/2403.15790', 'prompt-echo', '这里是中文总结出的一句话要点： before the TL;DR'],
      ['http://arxiv.org/abs/2303.12796', 'placeholder', 'a TL;DR that trails off in an ellipsis'],
      ['http://arxiv.org/abs/2306.05651', 'abstract-too-short', 'a two-sentence summary instead of a translation'],
      ['http://arxiv.org/abs/2305.13631', 'abstract-too-short', 'a one-sentence summary instead of a translation'],
      ['http://arxiv.org/abs/2305.19499', 'wrong-language', 'a TL;DR that switches to English'],
      ['http://arxiv.org/abs/2305.14137', 'tldr-too-long', 'a TL;DR longer than its (abridged) abstract'],
    ];
    for (const [link, code, what] of bad) {
      const index = records.findIndex((record) => record.link === link);
      expect(index, link).toBeGreaterThanOrEqual(0);
      const result = results[index]!;
      expect(result.ok, `${link}: ${what}`).toBe(false);
      expect(
        errorCodes(result).map((found) => found.split(':')[0]),
        `${link}: ${what}`,
      ).toContain(code);
    }
  });

  /** Detection floors per corruption class, a few points under the rates measured on all 2,233 clean outputs. */
  const floors: Record<string, number> = {
    'truncated abstract (cut at 40%)': 0.97,
    'English source in the abstract slot': 0.99,
    'English title and TL;DR in the translated slots': 0.99,
    'Japanese text when zh is asked': 0.99,
    'Korean text when zh is asked': 0.99,
    "another paper's output (all four fields)": 0.97,
    "another paper's translation (title, tldr, abstract; tldrEn kept)": 0.38,
    "another paper's tldr": 0.88,
    'numbers altered in the TL;DRs': 0.95,
    'a made-up number added to the TL;DRs': 0.99,
    'LaTeX removed from the abstract': 0.93,
    'a refusal': 0.99,
    'an echoed prompt or placeholder': 0.99,
    'empty or missing fields': 0.99,
  };

  it('rejects corrupted variants of good outputs with the expected code', () => {
    const base = cases.filter((gateCase, index) => isFullCase(gateCase) && results[index]!.ok) as FullCase[];
    // A fixed shuffle, then at most `perClass` variants per class: fast, and the rare classes (numbers, LaTeX) still
    // get every case they apply to.
    const random = seeded(20_240_301);
    const order = base.map((_, index) => index).sort(() => random() - 0.5);
    const perClass = 120;
    const lines: string[] = [];
    for (const corruption of corruptionClasses(foreign)) {
      let applied = 0;
      let detected = 0;
      for (const index of order) {
        if (applied >= perClass) break;
        const gateCase = base[index]!;
        const variant = corruption.make(gateCase, index, base);
        if (!variant) continue;
        applied++;
        const result = checkTexts(variant.output, gateCase.source, gateCase.options);
        if (result.issues.some((found) => found.severity === 'error' && variant.expected.includes(found.code))) detected++;
      }
      const detection = rate(detected, applied);
      lines.push(`  ${(detection * 100).toFixed(1).padStart(5)}% of ${String(applied).padStart(3)}  ${corruption.name}`);
      expect(applied, corruption.name).toBeGreaterThanOrEqual(40);
      expect(detection, corruption.name).toBeGreaterThanOrEqual(floors[corruption.name] ?? 1);
    }
    console.log(`corruptions detected with the expected code:\n${lines.join('\n')}`);
  });
});
