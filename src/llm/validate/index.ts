/** The output quality gate: `checkTexts` judges an output against its source; `repairHint` says what to fix. */
export { checkTexts, GATE_CHECKS } from './gate.js';
export { repairHint } from './repair-hint.js';
export { gateCaseFromRecord, type CnChatArxivRecord, type GateCase } from './corpus-record.js';
export { languageProfile, supportedLanguages, type LanguageProfile } from './languages.js';
export type { GateField, GateInput, GateIssue, GateIssueCode, GateOptions, GateResult } from './types.js';
