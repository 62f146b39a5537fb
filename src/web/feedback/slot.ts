/** Where a page leaves room by a paper for a signed-in reader's star and hide buttons (docs/decisions/0040). */
export const MARKS_SLOT = /<!--marks:([A-Za-z0-9./-]{4,40})-->/g;

export const marksSlot = (paperId: string): string => `<!--marks:${paperId.replace(/[^A-Za-z0-9./-]/g, '')}-->`;
