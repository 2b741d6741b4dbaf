/**
 * Message text with variables: `{导购}` or `{导购|店员}` (with a fallback when the value is missing). A mass
 * task's text is the same for all its recipients, so it may use only the clerk's variables; a 1:1 script also the
 * customer's. Validation names each problem; rendering fills values and falls back.
 */
// The checks and the rendering live in client-safe contracts so the editor shows and previews what is sent.
export { checkVariables } from '../../app/lib/contracts/campaign';
export { variablesIn, renderMessage, type VariableUse } from '../../app/lib/contracts/message-template';
