/** The quality gate on hand-written outputs: good ones pass in every language, each damage fails with its code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownFixture } from '../../../test/helpers/shared-fixtures.js';
import { checkTexts, repairHint, type GateInput, type GateIssueCode, type GateResult } from './index.js';

interface Case {
  name: string;
  source: GateInput;
  options: { lang: string };
  output: { title: string; tldr: string; tldrEn: string; abstract: string };
}

const { cases } = JSON.parse(readFileSync(ownFixture('gate', 'good-outputs.json'), 'utf8')) as { cases: Case[] };
const foreign = JSON.parse(readFileSync(ownFixture('gate', 'foreign-texts.json'), 'utf8')) as Record<
  'ja' | 'ko',
  { title: string; tldr: string; abstract: string }
>;

function find(name: string): Case {
  const found = cases.find((entry) => entry.name === name);
  if (!found) throw new Error(`no fixture case ${name}`);
  return found;
}

const zh = find('speech-routing-zh');

function errors(result: GateResult): GateIssueCode[] {
  return result.issues.filter((found) => found.severity === 'error').map((found) => found.code);
}

function warnings(result: GateResult): GateIssueCode[] {
  return result.issues.filter((found) => found.severity === 'warning').map((found) => found.code);
}

/** Checks the zh case with some fields replaced. */
function zhWith(changes: Partial<Case['output']>, options: { abstractTruncated?: boolean } = {}): GateResult {
  return checkTexts({ ...zh.output, ...changes }, zh.source, { lang: 'zh', ...options });
}

describe('good outputs', () => {
  it.each(cases.map((entry) => [entry.name, entry] as const))('%s passes without findings', (_name, entry) => {
    const result = checkTexts(entry.output, entry.source, entry.options);
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('accepts region subtags and ignores extra keys', () => {
    expect(checkTexts({ ...zh.output, lang: 'zh-CN', provider: 'x' }, zh.source, { lang: 'zh-Hans-CN' }).ok).toBe(true);
  });

  it('runs only the language-neutral checks for a language it has no profile for', () => {
    const result = checkTexts(zh.output, zh.source, { lang: 'tlh' });
    expect(result.ok).toBe(true);
    expect(errors(checkTexts({ ...zh.output, tldr: 'TODO' }, zh.source, { lang: 'tlh' }))).toContain('placeholder');
  });

  it('is pure: same answer twice, input untouched', () => {
    const output = structuredClone(zh.output);
    const first = checkTexts(output, zh.source, { lang: 'zh' });
    expect(checkTexts(output, zh.source, { lang: 'zh' })).toEqual(first);
    expect(output).toEqual(zh.output);
  });
});

describe('schema', () => {
  it.each([null, undefined, 'text', 42, ['title']])('rejects %j as not an object', (output) => {
    const result = checkTexts(output, zh.source, { lang: 'zh' });
    expect(result.ok).toBe(false);
    expect(errors(result)).toEqual(['not-an-object']);
  });

  it('names each missing, mistyped or blank field', () => {
    const result = checkTexts({ title: '  ', tldr: 3, abstract: zh.output.abstract }, zh.source, { lang: 'zh' });
    expect(result.issues.filter((found) => found.code.startsWith('field-')).map((found) => `${found.code}:${found.field}`)).toEqual([
      'field-empty:title',
      'field-missing:tldr',
      'field-missing:tldrEn',
    ]);
  });
});

describe('language', () => {
  it('rejects the English abstract in the zh slot, as wrong language and as an echo', () => {
    const codes = errors(zhWith({ abstract: zh.source.abstract }));
    expect(codes).toContain('wrong-language');
    expect(codes).toContain('source-echoed');
  });

  it('rejects Japanese and Korean when Chinese is asked', () => {
    expect(errors(zhWith({ abstract: foreign.ja.abstract }))).toContain('wrong-language');
    expect(errors(zhWith({ tldr: foreign.ja.tldr }))).toContain('wrong-language');
    expect(errors(zhWith({ abstract: foreign.ko.abstract }))).toContain('wrong-language');
  });

  it('rejects Chinese when Japanese is asked (no kana)', () => {
    const ja = find('speech-routing-ja');
    expect(errors(checkTexts({ ...ja.output, abstract: zh.output.abstract }, ja.source, { lang: 'ja' }))).toContain('wrong-language');
  });

  it('rejects the English source echoed back for Latin-script targets', () => {
    for (const lang of ['fr', 'de', 'es']) {
      const entry = find(`speech-routing-${lang}`);
      const codes = errors(checkTexts({ ...entry.output, abstract: entry.source.abstract }, entry.source, { lang }));
      expect(codes, lang).toContain('wrong-language');
      expect(codes, lang).toContain('source-echoed');
    }
  });

  it('tells French, German and Spanish apart by their function words', () => {
    const fr = find('speech-routing-fr');
    const de = find('speech-routing-de');
    expect(errors(checkTexts({ ...fr.output, abstract: de.output.abstract }, fr.source, { lang: 'fr' }))).toContain('wrong-language');
    expect(errors(checkTexts({ ...de.output, tldr: find('speech-routing-es').output.tldr }, de.source, { lang: 'de' }))).toContain('wrong-language');
  });

  it('wants tldrEn in English', () => {
    expect(errors(zhWith({ tldrEn: zh.output.tldr }))).toContain('wrong-language');
    expect(errors(zhWith({ tldrEn: find('speech-routing-fr').output.tldr }))).toContain('wrong-language');
  });

  it('keeps acronyms and model names out of the script share', () => {
    expect(zhWith({ title: 'SpaRoute：面向LibriSpeech的MoE路由' }).ok).toBe(true);
    expect(zhWith({ title: 'BERT' }).ok).toBe(true);
  });

  it('flags an untranslated English title as an error and a half-translated one as a warning', () => {
    expect(errors(zhWith({ title: zh.source.title }))).toContain('source-echoed');
    const half = zhWith({ title: `${zh.source.title}（稀疏路由语音识别）` });
    expect(half.ok).toBe(true);
    expect(warnings(half)).toContain('source-echoed');
  });

  it('warns about a translation that switches to English part-way', () => {
    const result = zhWith({
      abstract: `${zh.output.abstract} We further show that routing decisions are stable across speakers, which allows caching experts.`,
    });
    expect(warnings(result)).toContain('untranslated-passage');
  });
});

describe('lengths', () => {
  it('rejects a translation cut at 40%', () => {
    const abstract = zh.output.abstract.slice(0, Math.floor(zh.output.abstract.length * 0.4));
    expect(errors(zhWith({ abstract }))).toContain('abstract-cut-short');
  });

  it('rejects a translation that stops mid-sentence even when long enough, unless the source was cut too', () => {
    const abstract = zh.output.abstract.replace(/代码和模型均已公开。$/, '代码和模型');
    expect(errors(zhWith({ abstract }))).toContain('abstract-cut-short');
    expect(zhWith({ abstract }, { abstractTruncated: true }).ok).toBe(true);
  });

  it('rejects a one-sentence summary in place of the translation', () => {
    expect(errors(zhWith({ abstract: '本文提出SpaRoute以降低语音识别延迟。' }))).toContain('abstract-too-short');
  });

  it('rejects a TL;DR longer than the abstract and warns about a many-sentence one', () => {
    expect(errors(zhWith({ tldr: `${zh.output.abstract}${zh.output.abstract}` }))).toContain('tldr-too-long');
    const long = zhWith({ tldr: '本文提出SpaRoute。它只激活两个专家。它在LibriSpeech上有效。它降低了延迟。' });
    expect(long.ok).toBe(true);
    expect(warnings(long)).toContain('tldr-too-long');
  });

  it('rejects a generation loop', () => {
    expect(errors(zhWith({ abstract: `${zh.output.abstract}${'专家路由'.repeat(12)}` }))).toContain('repetition');
    const clause = '我们进一步表明路由决策是稳定的，';
    expect(errors(zhWith({ abstract: `${zh.output.abstract}${clause.repeat(3)}` }))).toContain('repetition');
  });
});

describe('LaTeX', () => {
  it('rejects a translation without the source formulas', () => {
    const abstract = zh.output.abstract.replace(/\$[^$]+\$/g, '');
    expect(errors(zhWith({ abstract }))).toContain('latex-missing');
  });

  it('ignores spacing, \\text{} words and delimiters of another kind', () => {
    const abstract = zh.output.abstract.replace('$\\lambda \\|p\\|_2^2$', '\\(\\lambda\\|p\\|_{2}^{2}\\)').replace('$k=2$', '$k = 2$');
    expect(zhWith({ abstract }).ok).toBe(true);
  });

  it('accepts a simple formula written out plainly (k=2, E=16) but not a dropped one', () => {
    const plain = zh.output.abstract.replace('$k=2$', 'k=2').replace('$E=16$', 'E=16');
    expect(zhWith({ abstract: plain }).issues).toEqual([]);
    const dropped = zh.output.abstract.replace('$\\lambda \\|p\\|_2^2$', '一个惩罚项');
    expect(zhWith({ abstract: dropped }).issues).toEqual([]); // one of three missing is within the tolerance
    expect(errors(zhWith({ abstract: dropped.replace('$k=2$', '两个') }))).toContain('latex-missing');
  });
});

describe('unbalanced math', () => {
  it.each([
    ['an unclosed $', (text: string) => text.replace('$k=2$', '$k=2')],
    ['an unopened $', (text: string) => text.replace('$E=16$', 'E=16$')],
    ['\\( without \\)', (text: string) => `${text}其中\\(\\alpha 为常数。`],
    ['an unclosed $$', (text: string) => `${text}$$\\sum_i x_i`],
  ] as const)('rejects an abstract with %s, with a repair hint', (_label, damage) => {
    const result = zhWith({ abstract: damage(zh.output.abstract) });
    expect(errors(result)).toContain('latex-unbalanced');
    expect(repairHint(result)).toMatch(/Close every formula in abstract/);
  });

  it('rejects an unclosed $ in the TL;DR or title too', () => {
    expect(errors(zhWith({ tldr: `${zh.output.tldr.replace(/。$/, '')}，使用 $k=2 个专家。` }))).toContain('latex-unbalanced');
    expect(errors(zhWith({ title: `${zh.output.title}（$E=16` }))).toContain('latex-unbalanced');
  });

  it('accepts a lone $ the source has too (a currency), and an escaped \\$', () => {
    const source = { title: 'FLM-101B: An Open LLM and How to Train It with $100K Budget', abstract: zh.source.abstract };
    const output = { ...zh.output, title: 'FLM-101B：一个开放的大语言模型以及如何用 $100K 预算训练它' };
    expect(errors(checkTexts(output, source, { lang: 'zh' }))).not.toContain('latex-unbalanced');
    expect(zhWith({ tldr: zh.output.tldr.replace(/。$/, '，成本仅 \\$5。') }).issues.map((found) => found.code)).not.toContain('latex-unbalanced');
  });
});

describe('generic non-answers', () => {
  const short = { title: 'On Tokens', abstract: 'We study tokens.' };
  it.each([
    ['abstract', '未知论文。'],
    ['abstract', '无法匹配这篇论文，请提供更多信息。'],
    ['tldr', '未能找到该论文的相关信息。'],
    ['abstract', '由于没有提供论文内容，无法给出摘要。'],
    ['tldrEn', 'I cannot identify this paper.'],
    ['tldrEn', 'Unknown paper: no abstract was provided.'],
    ['tldrEn', "I couldn't find the paper you mentioned."],
  ] as const)('rejects %s = %j, even for a short abstract', (field, text) => {
    expect(errors(zhWith({ [field]: text }))).toContain('refusal');
    const output = { title: '论词元', tldr: '本文研究词元。', tldrEn: 'The paper studies tokens.', abstract: '我们研究词元。', [field]: text };
    expect(errors(checkTexts(output, short, { lang: 'zh' }))).toContain('refusal');
  });

  it('accepts the short abstract translated', () => {
    expect(
      checkTexts({ title: '论词元', tldr: '本文研究词元。', tldrEn: 'The paper studies tokens.', abstract: '我们研究词元。' }, short, { lang: 'zh' }).ok,
    ).toBe(true);
  });

  it('does not flag a paper that is itself about unknown papers', () => {
    const source = { title: 'Identifying Unknown Papers in Citation Graphs', abstract: `We cannot identify every unknown paper. ${zh.source.abstract}` };
    const output = { ...zh.output, tldrEn: `The authors study how to match an unknown paper to its record. ${zh.output.tldrEn}` };
    expect(errors(checkTexts(output, source, { lang: 'zh' }))).not.toContain('refusal');
  });
});

describe('numbers', () => {
  it('rejects a TL;DR number the source does not have, in either language', () => {
    expect(errors(zhWith({ tldr: zh.output.tldr.replace('4.1%', '3.2%') }))).toContain('number-unsupported');
    expect(errors(zhWith({ tldrEn: zh.output.tldrEn.replace('95 ms', '75 ms') }))).toContain('number-unsupported');
    expect(errors(zhWith({ tldr: zh.output.tldr.replace('。', '，在2019年提出。') }))).toContain('number-unsupported');
  });

  it('accepts the source numbers in other spellings', () => {
    const b = find('annotator-disagreement-zh');
    const check = (tldr: string) => checkTexts({ ...b.output, tldr }, b.source, { lang: 'zh' });
    expect(check(b.output.tldr.replace('12,000', '12000')).ok).toBe(true);
    expect(check(b.output.tldr.replace('12,000', '1.2万')).ok).toBe(true);
    expect(check(b.output.tldr.replace('12,000', '一万二千')).ok).toBe(true);
    expect(check(b.output.tldr.replace('八种', '8种')).ok).toBe(true);
    expect(errors(check(b.output.tldr.replace('八种', '九种')))).toContain('number-unsupported');
  });

  it('accepts a difference of two source numbers (180 ms → 95 ms stated as 85 ms faster)', () => {
    expect(zhWith({ tldrEn: 'SpaRoute keeps a 4.1% word error rate on LibriSpeech and answers 85 ms faster.' }).ok).toBe(true);
  });

  it('accepts rounding, model names and list markers', () => {
    expect(zhWith({ tldr: zh.output.tldr.replace('4.1%', '约4%') }).ok).toBe(true);
    expect(zhWith({ tldr: `SpaRoute有两个要点：1）稀疏路由；2）缓存专家。` }).ok).toBe(true);
    expect(zhWith({ tldrEn: 'SpaRoute routes speech frames to 2 of 16 experts and cuts latency from 180 ms to 95 ms on LibriSpeech.' }).ok).toBe(true);
  });
});

describe('boilerplate', () => {
  it.each([
    ['abstract', '抱歉，作为一个AI语言模型，我无法翻译这篇摘要。', 'refusal'],
    ['tldrEn', "I'm sorry, but I cannot summarize this paper.", 'refusal'],
    ['tldrEn', 'As an AI language model, I cannot help with that.', 'refusal'],
    ['title', '这里是翻译过的论文标题：面向边缘设备的稀疏路由', 'prompt-echo'],
    ['tldrEn', 'translated_title: sparse routing', 'prompt-echo'],
    ['tldr', '{"tldr": "稀疏路由"}', 'prompt-echo'],
    ['tldr', 'TODO', 'placeholder'],
    ['abstract', '……', 'placeholder'],
    ['abstract', 'Lorem ipsum dolor sit amet.', 'placeholder'],
    ['tldrEn', 'This paper proposes SpaRoute, showing that...', 'placeholder'],
  ] as const)('rejects %s = %j as %s', (field, text, code) => {
    expect(errors(zhWith({ [field]: text }))).toContain(code);
  });

  it('does not mistake a paper about TODO comments for a placeholder', () => {
    const source = { title: 'Mining TODO Comments in Open Source', abstract: `We study TODO comments in 500 repositories. ${zh.source.abstract}` };
    const output = { ...zh.output, tldr: `本文研究了500个仓库中的TODO注释。${zh.output.tldr}` };
    expect(errors(checkTexts(output, source, { lang: 'zh' }))).not.toContain('placeholder');
  });

  it('does not mistake Spanish "todo" or LaTeX \\emph{source} for placeholders', () => {
    const es = find('speech-routing-es');
    const abstract = `${es.output.abstract} Todo el código está disponible; véase \\emph{source}.`;
    expect(checkTexts({ ...es.output, abstract }, es.source, { lang: 'es' }).issues).toEqual([]);
  });

  it('does not mistake "as a main field of AI" (作为人工智能的主要领域) for a refusal', () => {
    expect(zhWith({ abstract: `作为人工智能的主要领域之一，${zh.output.abstract}` }).ok).toBe(true);
  });

  it('warns about a translated arXiv announcement header and removes it before measuring', () => {
    const result = zhWith({ abstract: `arXiv:2405.01234v1 公告类型：新 摘要：${zh.output.abstract}` });
    expect(result.ok).toBe(true);
    expect(warnings(result)).toEqual(['prompt-echo']);
  });
});

describe('correspondence', () => {
  const b = find('annotator-disagreement-zh');

  it("rejects another paper's output", () => {
    expect(errors(checkTexts(b.output, zh.source, { lang: 'zh' }))).toContain('source-mismatch');
    expect(errors(checkTexts(zh.output, b.source, { lang: 'zh' }))).toContain('source-mismatch');
  });

  it("rejects another paper's TL;DR next to the right abstract", () => {
    expect(errors(zhWith({ tldr: b.output.tldr }))).toContain('source-mismatch');
    expect(errors(zhWith({ tldrEn: b.output.tldrEn }))).toContain('source-mismatch');
  });
});

describe('repairHint', () => {
  it('is empty when nothing is wrong', () => {
    expect(repairHint(checkTexts(zh.output, zh.source, { lang: 'zh' }))).toBe('');
  });

  it('lists errors before warnings, one line per advice, with the evidence', () => {
    const result = zhWith({ tldr: 'TODO', abstract: `arXiv:2405.01234v1 公告类型：新 摘要：${zh.output.abstract}` });
    const lines = repairHint(result).split('\n');
    expect(lines[0]).toBe('Fix these problems and answer again:');
    expect(lines[1]).toBe('- Replace the placeholder in tldr with real text. (tldr contains a placeholder: "TODO")');
    expect(lines.at(-1)).toMatch(/^- Give only the text of abstract, without labels.*announcement header/);
  });

  it('stays short when much is wrong', () => {
    const result = zhWith({ tldr: 'TODO', abstract: zh.output.abstract.slice(0, 60), title: zh.source.title });
    expect(result.issues.length).toBeGreaterThan(6);
    const hint = repairHint(result);
    expect(hint.split('\n')).toHaveLength(7);
    expect(hint).toMatch(/Translate the whole abstract/);
  });
});

describe('ellipses from the source', () => {
  // arXiv 2603.06957 as the original system stored it: the feed description cut at 1,000 characters, mid-sentence.
  // Through a feed the announcement header goes and nothing flags the cut; the model marks it with "...".
  const cut = {
    title: 'Post-training of Linear Autoregressive Models with Reward Queries',
    abstract:
      'We study post-training linear autoregressive models of order $N$ with a reward model that can only be queried. ' +
      'Such models capture in-context learning of linear dynamics and serve as a tractable proxy for sequence models. ' +
      'We show that a policy-gradient method with a suitable baseline attains the minimax optimal rate, but may require a number of reward queries exponential in $N$ to g',
  };
  const answer = {
    title: '基于奖励查询的线性自回归模型后训练',
    tldr: '本文研究只能查询奖励模型时 $N$ 阶线性自回归模型的后训练，证明策略梯度方法可达极小极大最优速率但查询次数可能随 $N$ 指数增长。',
    tldrEn:
      'Policy gradient post-training of order-$N$ linear autoregressive models with a query-only reward model is minimax optimal but may need reward queries exponential in $N$.',
    abstract:
      '我们研究在奖励模型只能被查询的情况下，对 $N$ 阶线性自回归模型进行后训练。这类模型刻画了线性动力系统的上下文学习，' +
      '并可作为序列模型的一个易于处理的替代。我们证明，带有合适基线的策略梯度方法可以达到极小极大最优速率，但可能需要指数于 $N$ 的奖励查询次数才能...',
  };

  it('passes an answer that marks the cut of a source ending mid-sentence, flagged or not', () => {
    expect(checkTexts(answer, cut, { lang: 'zh' }).issues.filter((found) => found.severity === 'error')).toEqual([]);
    expect(checkTexts(answer, cut, { lang: 'zh', abstractTruncated: true }).ok).toBe(true);
  });

  it('passes an answer that keeps the source\'s own "...", written as … or as three dots', () => {
    const source = { ...zh.source, abstract: zh.source.abstract.replace(/\.$/, '…') };
    expect(checkTexts({ ...zh.output, abstract: zh.output.abstract.replace(/。$/, '...') }, source, { lang: 'zh' }).ok).toBe(true);
    expect(checkTexts({ ...zh.output, abstract: zh.output.abstract.replace(/。$/, '…') }, source, { lang: 'zh' }).ok).toBe(true);
  });

  it('still rejects a trailing "..." when the source ends cleanly, and an abstract that is only an ellipsis', () => {
    expect(errors(zhWith({ abstract: zh.output.abstract.replace(/。$/, '...') }))).toContain('placeholder');
    expect(errors(checkTexts({ ...answer, abstract: '...' }, cut, { lang: 'zh', abstractTruncated: true }))).toContain('placeholder');
    const dotted = { ...zh.source, abstract: `${zh.source.abstract} Results hold for 1, 2, ... experts.` };
    expect(errors(checkTexts({ ...zh.output, abstract: '……' }, dotted, { lang: 'zh' }))).toContain('placeholder');
  });
});
