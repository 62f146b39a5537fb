/** Gate checks `refusal`, `prompt-echo` and `placeholder`: text that is about the task rather than the paper. */
import { endsCleanly } from './check-length.js';
import { issue, TEXT_FIELDS, type GateCheck, type GateContext } from './context.js';
import { squash } from './text.js';
import type { GateIssue, GateIssueCode } from './types.js';

interface Pattern {
  code: GateIssueCode;
  pattern: RegExp;
  /** What the match means, for the message. */
  label: string;
  /** Default `error`; a leading label such as `摘要：` only clutters an otherwise good text. */
  severity?: 'warning';
}

/**
 * Phrases of refusals, echoed prompts and placeholders, in the languages the gate knows. A phrase that also occurs in
 * the source (a paper about refusals, about TODO comments) is not flagged.
 */
const PATTERNS: Pattern[] = [
  // Refusals and assistant chatter.
  // "As an AI language model, I …": the first person is what makes it a refusal; "RNNs as language models" is prose.
  {
    code: 'refusal',
    label: 'a refusal',
    pattern:
      /\bas an? (?:AI|artificial intelligence|(?:large )?language model|LLM)(?: [a-z]+){0,2},? I\b|\bI(?:'m| am) (?:just |only )?an? (?:AI|language model|large language model)\b/i,
  },
  {
    code: 'refusal',
    label: 'a refusal',
    pattern:
      /\bI(?: am|'m) (?:sorry|unable|not able)\b|\bI (?:cannot|can't|can not|won't) (?:help|assist|provide|translate|summari[sz]e|do|complete|comply)\b/i,
  },
  { code: 'refusal', label: 'a refusal', pattern: /\b(?:sorry|apologi[sz]e), (?:but )?I\b/i },
  {
    code: 'refusal',
    label: 'a refusal',
    pattern:
      /作为(?:一个|一名)(?:AI|人工智能|语言模型|大语言模型|AI助手|AI语言模型)|作为(?:AI|人工智能|语言模型)(?:助手|模型)?[，,]\s*我|抱歉|对不起|很遗憾，?我|我(?:无法|不能)(?:提供|完成|翻译|总结|回答|帮助)/,
  },
  { code: 'refusal', label: 'a refusal', pattern: /申し訳(?:ありません|ございません)|AIとして|お手伝いできません/ },
  { code: 'refusal', label: 'a refusal', pattern: /죄송합니다|AI로서|도와드릴 수 없/ },
  { code: 'refusal', label: 'a refusal', pattern: /\ben tant qu'(?:IA|intelligence artificielle|assistant)|\bje ne (?:peux|suis) pas\b|\bdésolé\b/i },
  { code: 'refusal', label: 'a refusal', pattern: /\bals (?:KI|künstliche Intelligenz|Sprachmodell)\b|\bich kann (?:nicht|keine)\b|\bes tut mir leid\b/i },
  { code: 'refusal', label: 'a refusal', pattern: /\bcomo (?:una )?(?:IA|inteligencia artificial|modelo de lenguaje)\b|\bno puedo\b|\blo siento\b/i },
  // Generic non-answers: the model says it does not know the paper instead of translating the text it was given.
  // They look like text in the target language, so language and length checks pass them on short abstracts.
  {
    code: 'refusal',
    label: 'a generic non-answer',
    pattern:
      /未知(?:的)?(?:论文|文章|文献)|(?:无法|不能|未能|没能)(?:识别|匹配|找到|确定|定位|获取|检索到?|查到)(?:到)?(?:这篇|该|此|本|您的|你的|您所说的|你所说的|您提供的|你提供的)(?:论文|文章|文献)|(?:没有|未)(?:提供|给出)(?:论文|摘要|标题)(?:的)?(?:内容|信息|全文)?[，,。；;]|(?:信息|内容)不足[，,]?\s*无法/,
  },
  {
    code: 'refusal',
    label: 'a generic non-answer',
    pattern:
      /\bI (?:cannot|can't|can not|could not|couldn't|am unable to|was unable to|do not|don't) (?:identify|find|match|locate|determine|recogni[sz]e|access|know)\b|\b(?:unknown|unidentified|unrecogni[sz]ed) (?:paper|article|title)\b|\bno (?:abstract|paper|title|text) (?:was |is |has been )?(?:provided|given|supplied|available)\b|\b(?:insufficient|not enough) information (?:to|is|was)\b/i,
  },
  {
    code: 'refusal',
    label: 'a generic non-answer',
    pattern:
      /不明な論文|論文を特定できません|알 수 없는 논문|논문을 찾을 수 없|article inconnu|impossible d'identifier|unbekannte[rs]? (?:Artikel|Arbeit)|artículo desconocido/i,
  },
  // The prompt and its labels echoed back.
  {
    code: 'prompt-echo',
    label: 'an echoed prompt',
    pattern:
      /这里是(?:翻译过的|英文总结|总结|中文)|以下是(?:翻译|摘要|总结|论文)|翻译如下|请(?:提供|给出|翻译)|(?:论文|文章)标题[:：]|一句话(?:要点|总结)[:：]/,
  },
  {
    code: 'prompt-echo',
    label: 'an echoed prompt',
    pattern: /\b(?:translated_title|translated_abstract|en_tl?dr|en_tdlr|tldr_en)\b|["']?\b(?:title|tldr|tldrEn|abstract)\b["']?\s*:\s*["{[]/i,
  },
  {
    code: 'prompt-echo',
    label: 'a leading label',
    severity: 'warning',
    pattern:
      /^\s*(?:\*\*)?(?:TL;?DR|Title|Abstract|Summary|Translation|Translated (?:title|abstract)|标题|摘要|总结|翻译|要点|タイトル|要約|제목|요약|Titre|Résumé|Titel|Zusammenfassung|Título|Resumen)(?:\*\*)?\s*[:：]/i,
  },
  {
    code: 'prompt-echo',
    label: 'an echoed prompt',
    pattern: /\bhere(?: is|'s) (?:the |a |your )?(?:translation|translated|summary|tl;?dr|one-sentence)\b|\b(?:sure|certainly|of course)[,!] here\b/i,
  },
  {
    code: 'prompt-echo',
    label: 'an echoed prompt',
    pattern: /\byou are (?:a|an) (?:helpful|expert|professional)\b|\b(?:respond|answer|reply) (?:only )?(?:with|in) (?:json|the following)\b/i,
  },
  { code: 'prompt-echo', label: 'an echoed prompt', pattern: /^\s*(?:```|\{\s*")/ },
  // The old feed's title suffix carried into the output: metadata, not text.
  { code: 'prompt-echo', label: "the feed's arXiv suffix", severity: 'warning', pattern: /[(（]\s*arXiv[:：]\s*\d{4}\.\d{4,5}v\d+\s*\[[^\]]+\][^)）]*[)）]/ },
  // Placeholders.
  // Capitals only: `todo` is Spanish and Portuguese for "all".
  { code: 'placeholder', label: 'a placeholder', pattern: /\b(?:TODO|TBD|FIXME|XXX)\b/ },
  // A template slot; `\emph{source}` is LaTeX, so no letter or backslash may precede the brace.
  {
    code: 'placeholder',
    label: 'a placeholder',
    pattern:
      /lorem ipsum|\{\{\s*\w+\s*\}\}|(?<![\\a-zA-Z])\{(?:title|tldr|tldrEn|abstract|translation|text|lang|source)\}|<\s*(?:title|tldr|abstract|translation)\s*>|\[(?:translation|title|abstract|tldr|insert[^\]]*)\]/i,
  },
  { code: 'placeholder', label: 'a placeholder', pattern: /^\s*(?:\.{3,}|…+|N\/A|n\.a\.|none|null|undefined|-+|无|暂无|略)\s*[.。]?\s*$/i },
  { code: 'placeholder', label: 'a placeholder', pattern: /(?:\.{3}|…)\s*$/ },
];

/** `…` and `...` are one mark: a source may have either, and a translation may write the other. */
const sameEllipsis = (text: string): string => text.replace(/…/g, '...');

/** A match the source itself has (a paper about refusals, about TODO comments, an abstract with "...") is not boilerplate. */
function sourceHas(sourceText: () => string, match: string): boolean {
  const needle = sameEllipsis(squash(match).toLowerCase());
  return needle.length > 2 && sourceText().includes(needle);
}

/**
 * An abstract that ends with an ellipsis after real text, translating a source that was cut: flagged as cut, or visibly
 * so (it stops mid-sentence, as the original system's 1,000-character abstracts do once a feed drops the flag). A
 * field that is nothing but an ellipsis is still a placeholder.
 */
function marksTheCut(context: GateContext, field: string, text: string, match: RegExpExecArray): boolean {
  if (field !== 'abstract' || !/^(?:\.{3}|…)\s*$/.test(match[0]) || text.slice(0, match.index).trim() === '') return false;
  return context.abstractTruncated || !endsCleanly(context.source.abstract);
}

/** Check `boilerplate`: refusals, echoed prompts and placeholders in any field. */
export const checkBoilerplate: GateCheck = (context) => {
  const issues: GateIssue[] = [];
  let flat: string | undefined;
  const sourceText = (): string => (flat ??= sameEllipsis(squash(context.sourceText).toLowerCase()));
  for (const field of TEXT_FIELDS) {
    const text = context.fields[field];
    if (text === undefined) continue;
    const found = new Set<string>();
    for (const { code, pattern, label, severity } of PATTERNS) {
      const kind = `${code}/${severity ?? 'error'}`;
      if (found.has(kind)) continue;
      const match = pattern.exec(text);
      if (!match) continue;
      // A field that is nothing but a placeholder ("...", "TODO") is one, whatever the source holds.
      const wholeField = code === 'placeholder' && text.trim() === match[0].trim();
      if (!wholeField && sourceHas(sourceText, match[0])) continue;
      // A translation of a source cut at 1,000 characters may mark the cut with an ellipsis.
      if (marksTheCut(context, field, text, match)) continue;
      found.add(kind);
      issues.push(issue(code, field, severity ?? 'error', `${field} contains ${label}: "${squash(match[0]).slice(0, 60)}"`));
    }
  }
  for (const field of context.announceHeader) {
    issues.push(issue('prompt-echo', field, 'warning', `${field} starts with the arXiv announcement header (arXiv:… Announce Type: …); drop it`));
  }
  return issues;
};
