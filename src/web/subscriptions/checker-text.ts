/**
 * The subscription form's field problems and the preview's reasons in the page's language (decision 0046). They come
 * in English from code the CLI shares (the config checker, the query and category parsers, the selection), and the
 * CLI keeps its English: the web maps each known message shape to its Chinese entry here, and shows the English
 * message for anything it does not know (or the English detail inside a translated frame), never nothing.
 */
import type { UiLang } from '../i18n.js';

type Rule = [RegExp, (match: RegExpExecArray) => string];

const q = (text: string) => `“${text}”`;

/** The inner problem of a query or category expression error (after "at column N: "). */
const PARSE_DETAILS: Rule[] = [
  [/^"(.+)" is not an arXiv category or archive; did you mean (\S+)\?$/, (m) => `${q(m[1]!)} 不是 arXiv 的分类或大类；你是不是想写 ${m[2]}？`],
  [/^"(.+)" is not an arXiv category or archive$/, (m) => `${q(m[1]!)} 不是 arXiv 的分类或大类`],
  [/^expected a category$/, () => '这里应当是一个分类'],
  [/^expected \+ or - between categories$/, () => '分类之间应当用 + 或 - 连接'],
  [/^the category expression is empty$/, () => '分类表达式为空'],
  [/^(\S+) is both included and excluded$/, (m) => `${m[1]} 既被加入又被排除`],
  [/^nothing is included: the expression only excludes$/, () => '没有加入任何分类：表达式只有排除项'],
  [/^the query is empty$/, () => '检索式为空'],
  [/^expected a term, but the query ends$/, () => '检索式在这里结束，但还缺一个检索词'],
  [/^expected a term after (\S+), but the query ends$/, (m) => `${m[1]} 之后应当有一个检索词，但检索式已结束`],
  [/^expected a term after (\S+), but found "(.*)"$/, (m) => `${m[1]} 之后应当有一个检索词，却是 ${q(m[2]!)}`],
  [/^unknown field "(.+)"; the fields are ti:, abs:, au: and cat:$/, (m) => `未知字段 ${q(m[1]!)}；可用的字段是 ti:、abs:、au: 和 cat:`],
  [/^this quote is never closed$/, () => '这个引号没有闭合'],
  [/^this \) has no matching \($/, () => '这个 ) 没有对应的 ('],
  [/^this \( is never closed \(expected "\)" at column (\d+)\)$/, (m) => `这个 ( 没有闭合（第 ${m[1]} 列应当有 ")"）`],
  [/^empty parentheses$/, () => '括号里是空的'],
  [/^unexpected "(.*)"$/, (m) => `多余的 ${q(m[1]!)}`],
  [/^(AND|OR) needs a term before it$/, (m) => `${m[1]} 之前需要一个检索词`],
  [/^\* is allowed only at the end of a word \(prefix match\)$/, () => '* 只能放在词尾（前缀匹配）'],
  [/^"(.*)" is not a category$/, (m) => `${q(m[1]!)} 不是一个分类`],
  [/^au: needs a name$/, () => 'au: 后面需要一个人名'],
];

const detail = (text: string): string => translate(text, PARSE_DETAILS) ?? text;

/** Whole messages (their first line; a caret drawing after it is kept as it is). */
const PROBLEMS: Rule[] = [
  [/^category expression error at column (\d+): ([\s\S]+)$/, (m) => `分类表达式第 ${m[1]} 列有误：${detail(m[2]!)}`],
  [/^query error at column (\d+): ([\s\S]+)$/, (m) => `检索式第 ${m[1]} 列有误：${detail(m[2]!)}`],
  [/^Too small: expected string to have >=(\d+) characters?$/, (m) => `太短：至少需要 ${m[1]} 个字符`],
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `太长：最多 ${m[1]} 个字符`],
  [/^Too small: expected number to be >(-?[\d.]+)$/, (m) => `太小：应大于 ${m[1]}`],
  [/^Too small: expected number to be >=(-?[\d.]+)$/, (m) => `太小：应不小于 ${m[1]}`],
  [/^Too big: expected number to be <(-?[\d.]+)$/, (m) => `太大：应小于 ${m[1]}`],
  [/^Too big: expected number to be <=(-?[\d.]+)$/, (m) => `太大：应不大于 ${m[1]}`],
  [/^Invalid input: expected int, received number$/, () => '应为整数'],
  [/^Invalid input: expected number, received \w+$/, () => '应为数字'],
  [/^required key "(.+)" is missing$/, (m) => `缺少必填项 ${q(m[1]!)}`],
  [
    /^required for the embeddings method \(an embedding model such as text-embedding-3-small\)$/,
    () => 'embeddings 排序需要一个嵌入模型（如 text-embedding-3-small）',
  ],
  [/^required for the local-embeddings method \(the path of a GGUF embedding model\)$/, () => 'local-embeddings 排序需要一个 GGUF 嵌入模型的路径'],
  [/^required for the llm method: your interests in a few sentences$/, () => 'llm 排序需要你用几句话写下自己的研究兴趣'],
  [/^a language code such as zh, ja, fr or zh-TW$/, () => '应为语言代码，如 zh、ja、fr 或 zh-TW'],
  [
    /^a name of letters, digits, dots, dashes and underscores \(it becomes a folder name\)$/,
    () => '名称只能由字母、数字、点、连字符和下划线组成（它会成为文件夹名）',
  ],
  // The form's own checks (model.ts), in English there for the JSON check and the logs.
  [/^give the subscription a short name, e\.g\. nlp$/, () => '请给订阅起一个简短的名称，如 nlp'],
  [/^the name (.+) belongs to a subscription of the config file; choose another$/, (m) => `名称 ${m[1]} 属于配置文件中的订阅，请换一个`],
  [/^the name (.+) is taken; choose another$/, (m) => `名称 ${m[1]} 已被占用，请换一个`],
  [/^a Telegram channel needs the bot token from @BotFather$/, () => 'Telegram 渠道需要从 @BotFather 获取的机器人令牌'],
  [/^a Telegram channel needs the chat id \(e\.g\. -1001234567890\) or @channelname$/, () => 'Telegram 渠道需要聊天 ID（如 -1001234567890）或 @频道名'],
  [
    /^(.+): not BibTeX, RIS or CSL-JSON; export your library in one of these formats$/,
    (m) => `${m[1]}：不是 BibTeX、RIS 或 CSL-JSON；请用其中一种格式导出你的文献库`,
  ],
  [/^(.+): no entry could be read \(line (\d+): ([\s\S]+)\)$/, (m) => `${m[1]}：读不出任何条目（第 ${m[2]} 行：${m[3]}）`],
  [/^(.+): no entry could be read$/, (m) => `${m[1]}：读不出任何条目`],
  [/^choose one of: (.+)$/, (m) => `请从这些中选择：${m[1]}`],
];

/** A field problem of the subscription form (or of the live query check) in the page's language. */
export function problemText(message: string, ui: UiLang): string {
  if (ui === 'en') return message;
  const newline = message.search(/\n {2}/);
  const [head, drawing] = newline >= 0 ? [message.slice(0, newline), message.slice(newline)] : [message, ''];
  // A message may name its setting first (the live check's `query: …`): the name stays, the rest is translated.
  const named = /^([a-z][\w.]*): (?=\S)/i.exec(head);
  const translated = translate(head, PROBLEMS) ?? (named ? translateNamed(named[1]!, head.slice(named[0].length)) : undefined);
  return translated === undefined ? message : `${translated}${drawing}`;
}

/** One part of a selection reason (select-papers.ts joins them with "; "). */
const REASON_PARTS: Rule[] = [
  [/^in the subscribed categories$/, () => '属于订阅的分类'],
  [/^updated \(v(\S+)\): the abstract changed since v(\S+)$/, (m) => `新版本（v${m[1]}）：摘要自 v${m[2]} 起有改动`],
  [/^by (.+) \(followed\)$/, (m) => `作者 ${m[1]}（你关注的）`],
  [/^matched (.+)$/, (m) => `命中关键词 ${m[1]!.replace(/", "/g, '"、"')}`],
  [/^close to "(.*)" \(([\d.]+)\): (.+)$/, (m) => `接近 ${q(m[1]!)}（${m[2]}）：${m[3]}`],
  [/^close to "(.*)" \(([\d.]+)\)$/, (m) => `接近 ${q(m[1]!)}（${m[2]}）`],
  [/^nothing similar in the library$/, () => '文献库中没有相近的论文'],
  [/^no library$/, () => '没有文献库'],
  [/^not like any hidden paper$/, () => '不像任何你隐藏的论文'],
  [/^lowered: like hidden "(.*)" \(([\d.]+)\)$/, (m) => `已降低：像你隐藏的 ${q(m[1]!)}（${m[2]}）`],
  // Skipped.
  [/^ranked below the top (\d+) \(score ([\d.]+)\)$/, (m) => `排在前 ${m[1]} 篇之后（得分 ${m[2]}）`],
  [/^ranked below the top (\d+)$/, (m) => `排在前 ${m[1]} 篇之后`],
  [/^score ([\d.]+) is below the threshold ([\d.]+)$/, (m) => `得分 ${m[1]} 低于阈值 ${m[2]}`],
  [/^excluded keyword "(.*)"$/, (m) => `命中排除的关键词 ${q(m[1]!)}`],
  [/^query did not match$/, () => '不符合检索式'],
  [/^no include keyword matched$/, () => '没有命中任何关键词'],
  [/^excluded category (\S+)$/, (m) => `属于排除的分类 ${m[1]}`],
  [/^outside the categories$/, () => '不在订阅的分类中'],
  [/^the paper lists no categories$/, () => '论文没有列出分类'],
  [/^cross-list: primary category (\S+) is not in (.+)$/, (m) => `交叉列出：主分类 ${m[1]} 不在 ${m[2]} 中`],
  [/^no category in (.+) \(has (.+)\)$/, (m) => `没有属于 ${m[1]} 的分类（论文的分类：${m[2]}）`],
];

/** Skip reasons whose own wording holds "; ". */
const WHOLE_REASONS: Rule[] = [
  [
    /^replacement \(v(\S+)\) of a paper this subscription never delivered; replacements are off$/,
    (m) => `本订阅从未推送过的论文的替换版本（v${m[1]}）；替换版本已关闭`,
  ],
  [/^replaced version \((.+)\); replacements are off$/, (m) => `替换版本（${m[1]}）；替换版本已关闭`],
  [/^v(\S+) changes the abstract of a paper already delivered; updates are turned off$/, (m) => `v${m[1]} 改动了已推送论文的摘要；更新推送已关闭`],
  [/^updated \(v(\S+)\) but (.+)$/, (m) => `已更新（v${m[1]}），但${reasonText(m[2]!, 'zh')}`],
];

/**
 * A paper's reason on the preview in the page's language: each "; "-separated part (outside quotes) mapped on its
 * own; a part no rule knows (an LLM rubric's sentence) stays as written.
 */
export function reasonText(reason: string, ui: UiLang): string {
  if (ui === 'en') return reason;
  const whole = translate(reason, WHOLE_REASONS);
  if (whole !== undefined) return whole;
  return splitParts(reason)
    .map((part) => translate(part, REASON_PARTS) ?? part)
    .join('；');
}

/** A note of the preview (the ranking inputs' warnings) in the page's language. */
export function noteText(note: string, ui: UiLang): string {
  if (ui === 'en') return note;
  const unranked = /^(.+): no library and no starred or hidden papers, so papers are not ranked \(.*\)$/.exec(note);
  if (unranked) return `${unranked[1]}：没有文献库，也没有收藏或隐藏的论文，所以论文不排序（上传文献库，或在日报中收藏、隐藏论文）`;
  return note;
}

function translateNamed(name: string, rest: string): string | undefined {
  const translated = translate(rest, PROBLEMS);
  return translated === undefined ? undefined : `${name}：${translated}`;
}

function translate(text: string, rules: readonly Rule[]): string | undefined {
  for (const [pattern, make] of rules) {
    const match = pattern.exec(text);
    if (match) return make(match);
  }
  return undefined;
}

/** Splits on "; " outside double quotes (titles may hold "; "). */
function splitParts(reason: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let index = 0; index < reason.length; index += 1) {
    const char = reason[index];
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === ';' && reason[index + 1] === ' ') {
      parts.push(reason.slice(start, index));
      start = index + 2;
      index += 1;
    }
  }
  parts.push(reason.slice(start));
  return parts;
}
