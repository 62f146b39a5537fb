/** The subscriptions' words in English and Chinese (the site's two interface languages; chosen as the archive's are). */
import type { UiLang } from '../i18n.js';

export interface SubscriptionText {
  subscriptions: string;
  newSubscription: string;
  edit(name: string): string;
  yours: string;
  noneYet: string;
  readersSubscriptions: string;
  none: string;
  fromConfig: string;
  name: string;
  categories: string;
  channels: string;
  reader: string;
  query: string;
  schedule: string;
  preview: string;
  saved: string;
  notFoundTitle: string;
  noSubscriptionAt(path: string): string;
  formExpiredTitle: string;
  formExpired: string;
  nothingDeletedTitle: string;
  nothingDeleted: string;
  cannotPreviewTitle: string;
  cannotPreview(name: string): string;
  nameTaken(name: string): string;
  tooLarge(file: string, mebibytes: number): string;
  correctFields(count: number): string;
  keptWhenBlank(mask: string): string;
  remove: string;
  whatToRead: string;
  savedAs(prefix: string): string;
  categoriesHint: string;
  crossLists: string;
  updates: string;
  queryLabel: string;
  queryHint: string;
  authors: string;
  authorsHint: string;
  include: string;
  exclude: string;
  oneALine: string;
  libraryAndRanking: string;
  uploadLibrary: string;
  libraryFormats: string;
  zoteroUser: string;
  zoteroKey: string;
  zoteroKeyHint: string;
  zoteroCollection: string;
  forgetZotero: string;
  ranking: string;
  topK: string;
  topKHint: string;
  threshold: string;
  thresholdHint: string;
  whenAndWhere: string;
  language: string;
  languageHint: string;
  cron: string;
  timezone: string;
  emailTo(email: string): string;
  feishuUrl: string;
  feishuSecret: string;
  optional: string;
  removeFeishu: string;
  slackUrl: string;
  removeSlack: string;
  telegramToken: string;
  telegramTokenHint: string;
  telegramChat: string;
  removeTelegram: string;
  webhookUrl: string;
  webhookSecret: string;
  removeWebhook: string;
  save: string;
  previewWhat: string;
  deleteThis: string;
  delete: string;
  previewOf(name: string): string;
  previewSummary(options: { day: string; selected: number; skipped: number; rankedBy?: string }): string;
  previewNoDay: string;
  selected: string;
  skipped: string;
  paper: string;
  title: string;
  score: string;
  why: string;
  back: string;
  privateFeed: string;
  privateFeedIntro: string;
  privateFeedAtom: string;
  privateFeedJson: string;
  privateFeedWarning: string;
  resetPrivateFeed: string;
  privateFeedWasReset: string;
  privateFeedNeedsSecret: string;
}

export const SUBSCRIPTION_TEXT: Record<UiLang, SubscriptionText> = {
  en: {
    subscriptions: 'Subscriptions',
    newSubscription: 'New subscription',
    edit: (name) => `Edit ${name}`,
    yours: 'Yours',
    noneYet: 'You have no subscription yet.',
    readersSubscriptions: 'Readers’ subscriptions',
    none: 'None.',
    fromConfig: 'From the config file (read-only)',
    name: 'Name',
    categories: 'Categories',
    channels: 'Channels',
    reader: 'Reader',
    query: 'Query',
    schedule: 'Schedule',
    preview: 'preview',
    saved: 'Saved.',
    notFoundTitle: 'Not found',
    noSubscriptionAt: (path) => `No subscription at ${path}`,
    formExpiredTitle: 'This form has expired',
    formExpired: 'Reload the page and send the form again (it must come from this site, in the same session).',
    nothingDeletedTitle: 'Nothing deleted',
    nothingDeleted: 'Tick the box to confirm, then delete.',
    cannotPreviewTitle: 'Cannot preview',
    cannotPreview: (name) => `${name} is not valid any more; edit it and save it again.`,
    nameTaken: (name) => `the name ${name} is taken; choose another`,
    tooLarge: (file, mebibytes) => `${file}: larger than ${mebibytes} MiB`,
    correctFields: (count) => `Please correct the ${count === 1 ? 'field' : `${count} fields`} marked below.`,
    keptWhenBlank: (mask) => `${mask} (kept when left blank)`,
    remove: 'remove',
    whatToRead: 'What to read',
    savedAs: (prefix) => `saved as ${prefix}NAME`,
    categoriesHint: 'e.g. cs.CL+cs.AI-cs.CY: + adds, - removes; an archive alone (math) is allowed',
    crossLists: 'Cross-listed papers count',
    updates: 'Deliver a paper again when a new version changes its abstract',
    queryLabel: 'Query',
    queryHint: 'AND, OR, NOT, ( ), "phrases", ti: abs: au: cat:',
    authors: 'Followed authors',
    authorsHint: 'one a line; their papers always pass',
    include: 'Keywords (at least one)',
    exclude: 'Keywords to skip',
    oneALine: 'one a line',
    libraryAndRanking: 'Library and ranking',
    uploadLibrary: 'Upload a library',
    libraryFormats: 'BibTeX, RIS or CSL-JSON',
    zoteroUser: 'Zotero user id',
    zoteroKey: 'Zotero API key',
    zoteroKeyHint: 'for a private library',
    zoteroCollection: 'Zotero collection key',
    forgetZotero: 'Forget the Zotero library',
    ranking: 'Ranking',
    topK: 'Top K',
    topKHint: 'keep at most this many papers a day',
    threshold: 'Threshold',
    thresholdHint: '0–1 on your library’s scale',
    whenAndWhere: 'When and where',
    language: 'Language',
    languageHint: 'of the translations, e.g. zh, ja, fr (default: the site’s)',
    cron: 'Schedule (cron)',
    timezone: 'Time zone',
    emailTo: (email) => `Email to ${email}`,
    feishuUrl: 'Feishu webhook URL',
    feishuSecret: 'Feishu signing secret',
    optional: 'optional',
    removeFeishu: 'Remove the Feishu channel',
    slackUrl: 'Slack incoming webhook URL',
    removeSlack: 'Remove the Slack channel',
    telegramToken: 'Telegram bot token',
    telegramTokenHint: 'from @BotFather',
    telegramChat: 'Telegram chat id',
    removeTelegram: 'Remove the Telegram channel',
    webhookUrl: 'Webhook URL',
    webhookSecret: 'Webhook signing secret',
    removeWebhook: 'Remove the webhook',
    save: 'Save',
    previewWhat: 'Preview what it would have delivered',
    deleteThis: 'Delete this subscription',
    delete: 'Delete',
    previewOf: (name) => `Preview of ${name}`,
    previewSummary: ({ day, selected, skipped, rankedBy }) =>
      `On ${day}, the latest announcement day stored for its categories, it would have delivered ${selected} paper${selected === 1 ? '' : 's'} and skipped ${skipped}${rankedBy ? ` (ranked by ${rankedBy})` : ''}. Nothing was sent or recorded.`,
    previewNoDay: 'No paper of these categories is stored yet: the preview shows a day once a run or `xivdigest fetch` has stored one.',
    selected: 'Selected',
    skipped: 'Skipped',
    paper: 'Paper',
    title: 'Title',
    score: 'Score',
    why: 'Why',
    back: 'Back',
    privateFeed: 'Private feed',
    privateFeedIntro: 'Follow this subscription’s digests in a feed reader: copy one of these addresses into it. No sign-in is needed.',
    privateFeedAtom: 'Atom address',
    privateFeedJson: 'JSON Feed address',
    privateFeedWarning:
      'Anyone with this address can read your digests: keep it to yourself. If it got out, reset it; the old address stops working and your feed reader needs the new one.',
    resetPrivateFeed: 'Reset the address',
    privateFeedWasReset: 'The private feed address was reset: the old one no longer works.',
    privateFeedNeedsSecret: 'Private feeds need the site’s secret (web.secret, see the README), which this site has not set.',
  },
  zh: {
    subscriptions: '订阅',
    newSubscription: '新建订阅',
    edit: (name) => `编辑 ${name}`,
    yours: '我的订阅',
    noneYet: '你还没有订阅。',
    readersSubscriptions: '读者的订阅',
    none: '无。',
    fromConfig: '来自配置文件（只读）',
    name: '名称',
    categories: '分类',
    channels: '渠道',
    reader: '读者',
    query: '检索式',
    schedule: '时间表',
    preview: '预览',
    saved: '已保存。',
    notFoundTitle: '找不到页面',
    noSubscriptionAt: (path) => `${path} 没有对应的订阅`,
    formExpiredTitle: '表单已失效',
    formExpired: '请刷新页面后重新提交（表单须来自本站、同一会话）。',
    nothingDeletedTitle: '没有删除任何内容',
    nothingDeleted: '请先勾选确认框，再删除。',
    cannotPreviewTitle: '无法预览',
    cannotPreview: (name) => `${name} 已不再有效；请编辑后重新保存。`,
    nameTaken: (name) => `名称 ${name} 已被占用，请换一个`,
    tooLarge: (file, mebibytes) => `${file}：超过 ${mebibytes} MiB`,
    correctFields: (count) => `请修改下面标出的 ${count} 个字段。`,
    keptWhenBlank: (mask) => `${mask}（留空则保留原值）`,
    remove: '移除',
    whatToRead: '读什么',
    savedAs: (prefix) => `保存为 ${prefix}名称`,
    categoriesHint: '如 cs.CL+cs.AI-cs.CY：+ 加入，- 排除；也可以只写一个大类（math）',
    crossLists: '包括交叉列出的论文',
    updates: '新版本改动了摘要时再次推送',
    queryLabel: '检索式',
    queryHint: 'AND、OR、NOT、( )、"短语"、ti: abs: au: cat:',
    authors: '关注的作者',
    authorsHint: '每行一位；他们的论文总会入选',
    include: '关键词（至少命中一个）',
    exclude: '排除的关键词',
    oneALine: '每行一个',
    libraryAndRanking: '文献库与排序',
    uploadLibrary: '上传文献库',
    libraryFormats: 'BibTeX、RIS 或 CSL-JSON',
    zoteroUser: 'Zotero 用户 ID',
    zoteroKey: 'Zotero API 密钥',
    zoteroKeyHint: '私有文献库需要',
    zoteroCollection: 'Zotero 文件夹（collection）键',
    forgetZotero: '移除 Zotero 文献库',
    ranking: '排序方式',
    topK: '每日上限',
    topKHint: '每天最多保留这么多篇',
    threshold: '阈值',
    thresholdHint: '0–1，按你的文献库的相似度计',
    whenAndWhere: '何时、发往何处',
    language: '语言',
    languageHint: '译文的语言，如 zh、ja、fr（默认：本站的语言）',
    cron: '时间表（cron）',
    timezone: '时区',
    emailTo: (email) => `发邮件到 ${email}`,
    feishuUrl: '飞书机器人 Webhook 地址',
    feishuSecret: '飞书签名密钥',
    optional: '可选',
    removeFeishu: '移除飞书渠道',
    slackUrl: 'Slack Incoming Webhook 地址',
    removeSlack: '移除 Slack 渠道',
    telegramToken: 'Telegram 机器人令牌',
    telegramTokenHint: '从 @BotFather 获取',
    telegramChat: 'Telegram 聊天 ID',
    removeTelegram: '移除 Telegram 渠道',
    webhookUrl: 'Webhook 地址',
    webhookSecret: 'Webhook 签名密钥',
    removeWebhook: '移除 Webhook',
    save: '保存',
    previewWhat: '预览它会推送什么',
    deleteThis: '删除此订阅',
    delete: '删除',
    previewOf: (name) => `${name} 的预览`,
    previewSummary: ({ day, selected, skipped, rankedBy }) =>
      `在 ${day}（其分类已存储的最近公告日），它会推送 ${selected} 篇论文、跳过 ${skipped} 篇${rankedBy ? `（按 ${rankedBy} 排序）` : ''}。没有发送或记录任何内容。`,
    previewNoDay: '还没有存储这些分类的论文：运行一次或 `xivdigest fetch` 存储之后，预览会显示那一天。',
    selected: '入选',
    skipped: '跳过',
    paper: '论文',
    title: '标题',
    score: '得分',
    why: '原因',
    back: '返回',
    privateFeed: '私人订阅源',
    privateFeedIntro: '在阅读器中关注此订阅的日报：把下面任一地址复制到阅读器里，无需登录。',
    privateFeedAtom: 'Atom 地址',
    privateFeedJson: 'JSON Feed 地址',
    privateFeedWarning: '任何拿到这个地址的人都能读到你的日报，请勿外传。如果地址已泄露，请重置：旧地址随即失效，阅读器需要改用新地址。',
    resetPrivateFeed: '重置地址',
    privateFeedWasReset: '私人订阅源地址已重置，旧地址不再有效。',
    privateFeedNeedsSecret: '私人订阅源需要本站设置密钥（web.secret，见 README），本站尚未设置。',
  },
};
