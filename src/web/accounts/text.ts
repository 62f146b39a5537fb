/** The accounts' words in English and Chinese (the site's two interface languages). */
import type { UiLang } from '../i18n.js';

export interface AccountText {
  signIn: string;
  signInIntro: string;
  email: string;
  emailMeALink: string;
  notAnEmail(text: string): string;
  checkEmail: string;
  linkOnItsWay(email: string): string;
  openWithin: string;
  otherBrowserTitle: string;
  otherBrowser: string;
  linkForThisBrowser: string;
  confirmTitle: string;
  signInAs(email: string): string;
  yourAccount: string;
  role: string;
  admin: string;
  reader: string;
  since: string;
  lastSignIn: string;
  readersAdmin: string;
  yourData: string;
  download: string;
  signOut: string;
  deleteTitle: string;
  deleteWarning: string;
  deleteConfirm: string;
  deleteButton: string;
  readers: string;
  inviteByEmail: string;
  invite: string;
  invitedBy: string;
  remove: string;
  pending: string;
  when: string;
  withdraw: string;
  none: string;
  formExpiredTitle: string;
  formExpired: string;
  tooManyTitle: string;
  tooMany(minutes: number): string;
  linkRefusedTitle: string;
  linkRefused: Record<'missing' | 'unknown' | 'used' | 'expired', string>;
  askNewLink: string;
  mayNotTitle: string;
  mayNot(email: string): string;
  nothingDeletedTitle: string;
  nothingDeleted: string;
  backToAccount: string;
  deletedTitle: string;
  deleted(email: string): string;
  adminsOnlyTitle: string;
  adminsOnly: string;
  invited(email: string): string;
  removed(email: string): string;
  withdrew(email: string): string;
  starred: string;
}

export const ACCOUNT_TEXT: Record<UiLang, AccountText> = {
  en: {
    signIn: 'Sign in',
    signInIntro: 'Give your email address; we send you a link that signs you in, in this browser, for 15 minutes.',
    email: 'Email',
    emailMeALink: 'Email me a link',
    notAnEmail: (text) => `"${text}" is not an email address.`,
    checkEmail: 'Check your email',
    linkOnItsWay: (email) => `If ${email} may sign in here, a sign-in link is on its way to it.`,
    openWithin: 'Open it in this browser within 15 minutes. It works once.',
    otherBrowserTitle: 'Open the link where you asked for it',
    otherBrowser:
      'This sign-in link was asked for in another browser, so it does not sign you in here. Open it in that browser, or ask for a new link for this one.',
    linkForThisBrowser: 'Email a link for this browser',
    confirmTitle: 'Sign in to xivdigest',
    signInAs: (email) => `Sign in as ${email}?`,
    yourAccount: 'Your account',
    role: 'Role',
    admin: 'admin',
    reader: 'reader',
    since: 'Since',
    lastSignIn: 'Last sign-in',
    readersAdmin: 'Readers (admin)',
    yourData: 'Your data',
    download: 'Download everything held about you (JSON)',
    signOut: 'Sign out',
    deleteTitle: 'Delete your account',
    deleteWarning: 'This removes your account, your sessions and your sign-in links. It cannot be undone.',
    deleteConfirm: 'I want my account deleted',
    deleteButton: 'Delete my account',
    readers: 'Readers',
    inviteByEmail: 'Invite by email',
    invite: 'Invite',
    invitedBy: 'Invited by',
    remove: 'Remove',
    pending: 'Invited, not yet signed in',
    when: 'When',
    withdraw: 'Withdraw',
    none: 'None.',
    formExpiredTitle: 'This form has expired',
    formExpired: 'The form was sent without its security token, or from another site. Reload the page and send it again.',
    tooManyTitle: 'Too many sign-in requests',
    tooMany: (minutes) => `Wait ${minutes} minutes and ask again; the links already sent still work.`,
    linkRefusedTitle: 'This link does not sign you in',
    linkRefused: {
      missing: 'This address has no sign-in token.',
      unknown: 'This sign-in link is not valid (it may have been cut or changed).',
      used: 'This sign-in link was used already; each link works once.',
      expired: 'This sign-in link has expired.',
    },
    askNewLink: 'Ask for a new link',
    mayNotTitle: 'You may not sign in here',
    mayNot: (email) => `${email} is not, or no longer, a reader of this site. Ask an admin for an invitation.`,
    nothingDeletedTitle: 'Nothing was deleted',
    nothingDeleted: 'Tick the box that says you want your account deleted, then send the form again.',
    backToAccount: 'Back to your account',
    deletedTitle: 'Your account is deleted',
    deleted: (email) => `Everything held about ${email} is gone.`,
    adminsOnlyTitle: 'Admins only',
    adminsOnly: 'This page is for the admins named in the configuration.',
    invited: (email) => `Invited ${email}; a sign-in link is on its way.`,
    removed: (email) => `Removed ${email}; their sessions ended.`,
    withdrew: (email) => `Withdrew the invitation of ${email}.`,
    starred: '★ Starred',
  },
  zh: {
    signIn: '登录',
    signInIntro: '填写你的邮箱地址，我们会发给你一个登录链接：15 分钟内在本浏览器中打开即可登录。',
    email: '邮箱',
    emailMeALink: '发送登录链接',
    notAnEmail: (text) => `“${text}”不是邮箱地址。`,
    checkEmail: '请查收邮件',
    linkOnItsWay: (email) => `如果 ${email} 可以登录本站，登录链接已发往该邮箱。`,
    openWithin: '请在 15 分钟内用本浏览器打开，链接只能使用一次。',
    otherBrowserTitle: '请在申请链接的浏览器中打开',
    otherBrowser: '这个登录链接是在另一个浏览器中申请的，因此不能在这里登录。请在那个浏览器中打开，或为本浏览器重新申请一个链接。',
    linkForThisBrowser: '为本浏览器发送链接',
    confirmTitle: '登录 xivdigest',
    signInAs: (email) => `以 ${email} 的身份登录？`,
    yourAccount: '我的账户',
    role: '角色',
    admin: '管理员',
    reader: '读者',
    since: '加入时间',
    lastSignIn: '上次登录',
    readersAdmin: '读者管理',
    yourData: '我的数据',
    download: '下载本站保存的关于你的全部数据（JSON）',
    signOut: '退出登录',
    deleteTitle: '删除账户',
    deleteWarning: '这会删除你的账户、会话和登录链接，且无法恢复。',
    deleteConfirm: '我确定要删除我的账户',
    deleteButton: '删除我的账户',
    readers: '读者',
    inviteByEmail: '通过邮箱邀请',
    invite: '邀请',
    invitedBy: '邀请人',
    remove: '移除',
    pending: '已邀请、尚未登录',
    when: '时间',
    withdraw: '撤回',
    none: '无。',
    formExpiredTitle: '表单已失效',
    formExpired: '表单缺少安全令牌，或来自其他网站。请刷新页面后重新提交。',
    tooManyTitle: '登录请求过多',
    tooMany: (minutes) => `请 ${minutes} 分钟后再试；已发出的链接仍然有效。`,
    linkRefusedTitle: '此链接无法登录',
    linkRefused: {
      missing: '这个地址没有登录令牌。',
      unknown: '这个登录链接无效（可能被截断或改动过）。',
      used: '这个登录链接已经用过了；每个链接只能用一次。',
      expired: '这个登录链接已过期。',
    },
    askNewLink: '重新申请链接',
    mayNotTitle: '你不能登录本站',
    mayNot: (email) => `${email} 不是（或已不再是）本站读者。请向管理员申请邀请。`,
    nothingDeletedTitle: '没有删除任何内容',
    nothingDeleted: '请勾选“我确定要删除我的账户”，再提交一次。',
    backToAccount: '返回我的账户',
    deletedTitle: '账户已删除',
    deleted: (email) => `本站保存的关于 ${email} 的全部数据已删除。`,
    adminsOnlyTitle: '仅限管理员',
    adminsOnly: '此页面仅供配置中指定的管理员使用。',
    invited: (email) => `已邀请 ${email}，登录链接已发出。`,
    removed: (email) => `已移除 ${email}，其会话已结束。`,
    withdrew: (email) => `已撤回对 ${email} 的邀请。`,
    starred: '★ 收藏',
  },
};

/** The sign-in and invitation emails' words (in the language of the page that asked for them). */
export interface MailText {
  signInSubject: string;
  inviteSubject: string;
  /** `who` is an email address, or undefined for the operator (`xivdigest readers invite`). */
  invitedYou(who: string | undefined, baseUrl: string): string;
  askedToSignIn(baseUrl: string): string;
  signIn: string;
  signInButton: string;
  lasts(minutes: number): string;
  worksOnceHere(lasts: string): string;
  worksOnce(lasts: string): string;
  ignore: string;
}

export const MAIL_TEXT: Record<UiLang, MailText> = {
  en: {
    signInSubject: 'Your xivdigest sign-in link',
    inviteSubject: 'Your invitation to xivdigest',
    invitedYou: (who, baseUrl) => `${who ?? 'The operator'} invited you to read xivdigest at ${baseUrl}.`,
    askedToSignIn: (baseUrl) => `Someone (we hope you) asked to sign in to xivdigest at ${baseUrl}.`,
    signIn: 'Sign in',
    signInButton: 'Sign in to xivdigest',
    lasts: (minutes) => (minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`),
    worksOnceHere: (lasts) => `It works once, for ${lasts}, in the browser where you asked for it.`,
    worksOnce: (lasts) => `It works once, for ${lasts}.`,
    ignore: 'If you did not ask for it, ignore this email.',
  },
  zh: {
    signInSubject: '你的 xivdigest 登录链接',
    inviteSubject: '你收到了 xivdigest 的邀请',
    invitedYou: (who, baseUrl) => `${who ?? '站点管理员'}邀请你在 ${baseUrl} 阅读 xivdigest。`,
    askedToSignIn: (baseUrl) => `有人（希望是你）申请登录 ${baseUrl} 上的 xivdigest。`,
    signIn: '登录',
    signInButton: '登录 xivdigest',
    lasts: (minutes) => (minutes >= 120 ? `${Math.round(minutes / 60)} 小时` : `${minutes} 分钟`),
    worksOnceHere: (lasts) => `链接只能使用一次，${lasts}内有效，且须在申请它的浏览器中打开。`,
    worksOnce: (lasts) => `链接只能使用一次，${lasts}内有效。`,
    ignore: '如果不是你申请的，请忽略这封邮件。',
  },
};
