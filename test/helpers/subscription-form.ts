/** The fields of the reader's subscription form as a browser posts them: cs.CL, lexical ranking, top 3, weekdays 00:30 New York, email. */
export const subscriptionForm = (name: string, more: Record<string, string> = {}): Record<string, string> => ({
  name,
  categories: 'cs.CL',
  crossLists: 'yes',
  updates: 'yes',
  query: '',
  ranking_method: 'lexical',
  topK: '3',
  cron: '30 0 * * 1-5',
  timezone: 'America/New_York',
  channel_email: 'yes',
  ...more,
});
