/** The words of the feedback link pages, the star/hide buttons and /starred, in English and Chinese. */
import type { UiLang } from '../i18n.js';

type Refusal = { title: string; text: string };

export interface FeedbackText {
  refusals: Record<'malformed' | 'altered' | 'expired' | 'unknown-subscription', Refusal>;
  starVerb: string;
  hideVerb: string;
  moreLikeThisTitle: string;
  hideTitle: string;
  /** The arguments are HTML, already escaped. */
  forDigest(subscription: string): string;
  starred(subscription: string): string;
  hidden(subscription: string): string;
  undone(subscription: string): string;
  undo: string;
  undoneTitle: string;
  thankYou: string;
  unsubscribeTitle: string;
  /** The arguments are HTML, already escaped. */
  unsubscribeQuestion(subscription: string, recipient: string): string;
  unsubscribe: string;
  subscribedAgainTitle: string;
  subscribedAgain(recipient: string, subscription: string): string;
  unsubscribedTitle: string;
  unsubscribed(recipient: string, subscription: string): string;
  subscribeAgain: string;
  star: string;
  starredButton: string;
  unstar: string;
  moreLikeThis: string;
  hide: string;
  hiddenButton: string;
  showAgain: string;
  lessLikeThis: string;
  notMarkedTitle: string;
  notMarked(paper: string, kind: string): string;
  myStarred: string;
  exportLine: string;
  bothImport: string;
  noStarred: string;
}

export const FEEDBACK_TEXT: Record<UiLang, FeedbackText> = {
  en: {
    refusals: {
      malformed: {
        title: 'This link is incomplete',
        text: 'Part of the link is missing. Open it again from the email, whole (some mail programs cut long links).',
      },
      altered: {
        title: 'This link is not valid',
        text: 'The link was changed after it was sent, or it was made for another subscription, reader or paper. Nothing was recorded. Use the link in your own email.',
      },
      expired: { title: 'This link has expired', text: 'Links in digests work for a limited time. Use the links in a newer digest.' },
      'unknown-subscription': { title: 'No such subscription', text: 'The subscription this link was made for no longer exists. Nothing was recorded.' },
    },
    starVerb: 'Star this paper (more like this)',
    hideVerb: 'Hide this paper (less like this)',
    moreLikeThisTitle: 'More like this',
    hideTitle: 'Hide this paper',
    forDigest: (subscription) => `For the digest ${subscription}.`,
    starred: (subscription) => `Starred for ${subscription}: papers like it rank higher in its next digests.`,
    hidden: (subscription) => `Hidden for ${subscription}: papers like it rank lower in its next digests.`,
    undone: (subscription) => `Your feedback on this paper for ${subscription} is undone.`,
    undo: 'Undo',
    undoneTitle: 'Undone',
    thankYou: 'Thank you',
    unsubscribeTitle: 'Unsubscribe',
    unsubscribeQuestion: (subscription, recipient) => `Stop sending the digest ${subscription} to ${recipient}?`,
    unsubscribe: 'Unsubscribe',
    subscribedAgainTitle: 'Subscribed again',
    subscribedAgain: (recipient, subscription) => `${recipient} gets the digest ${subscription} again.`,
    unsubscribedTitle: 'Unsubscribed',
    unsubscribed: (recipient, subscription) => `${recipient} no longer gets the digest ${subscription}.`,
    subscribeAgain: 'Subscribe again',
    star: '☆ Star',
    starredButton: '★ Starred',
    unstar: 'Unstar',
    moreLikeThis: 'More like this',
    hide: 'Hide',
    hiddenButton: 'Hidden',
    showAgain: 'Show again',
    lessLikeThis: 'Less like this',
    notMarkedTitle: 'Not marked',
    notMarked: (paper, kind) => `"${paper}" is not an arXiv id, or "${kind}" is not star, hide or clear.`,
    myStarred: 'My starred papers',
    exportLine: 'Export:',
    bothImport: '(both import into Zotero).',
    noStarred: 'No starred papers yet: star papers on any page that lists them.',
  },
  zh: {
    refusals: {
      malformed: { title: '链接不完整', text: '链接缺了一部分。请从邮件中完整地重新打开（有些邮件程序会截断长链接）。' },
      altered: {
        title: '链接无效',
        text: '链接在发出后被改动过，或它是为另一个订阅、读者或论文生成的。没有记录任何内容。请使用你自己邮件中的链接。',
      },
      expired: { title: '链接已过期', text: '日报中的链接只在一段时间内有效。请使用较新一期日报中的链接。' },
      'unknown-subscription': { title: '没有这个订阅', text: '这个链接对应的订阅已不存在。没有记录任何内容。' },
    },
    starVerb: '收藏这篇论文（多推荐这类）',
    hideVerb: '隐藏这篇论文（少推荐这类）',
    moreLikeThisTitle: '多推荐这类',
    hideTitle: '隐藏这篇论文',
    forDigest: (subscription) => `所属日报：${subscription}。`,
    starred: (subscription) => `已为 ${subscription} 收藏：之后的日报会把类似的论文排得更靠前。`,
    hidden: (subscription) => `已为 ${subscription} 隐藏：之后的日报会把类似的论文排得更靠后。`,
    undone: (subscription) => `你在 ${subscription} 中对这篇论文的反馈已撤销。`,
    undo: '撤销',
    undoneTitle: '已撤销',
    thankYou: '谢谢',
    unsubscribeTitle: '退订',
    unsubscribeQuestion: (subscription, recipient) => `不再把日报 ${subscription} 发给 ${recipient}？`,
    unsubscribe: '退订',
    subscribedAgainTitle: '已重新订阅',
    subscribedAgain: (recipient, subscription) => `${recipient} 会重新收到日报 ${subscription}。`,
    unsubscribedTitle: '已退订',
    unsubscribed: (recipient, subscription) => `${recipient} 不会再收到日报 ${subscription}。`,
    subscribeAgain: '重新订阅',
    star: '☆ 收藏',
    starredButton: '★ 已收藏',
    unstar: '取消收藏',
    moreLikeThis: '多推荐这类',
    hide: '隐藏',
    hiddenButton: '已隐藏',
    showAgain: '重新显示',
    lessLikeThis: '少推荐这类',
    notMarkedTitle: '未标记',
    notMarked: (paper, kind) => `“${paper}”不是 arXiv 编号，或“${kind}”不是 star、hide 或 clear。`,
    myStarred: '我收藏的论文',
    exportLine: '导出：',
    bothImport: '（两者都可导入 Zotero）。',
    noStarred: '还没有收藏的论文：在任何列出论文的页面上都可以收藏。',
  },
};
