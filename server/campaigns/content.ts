/**
 * Message text with variables: `{导购}` or `{导购|店员}` (with a fallback when the value is missing). A mass
 * task's text is the same for all its recipients, so it may use only the clerk's variables; a 1:1 script also the
 * customer's. Validation names each problem; rendering fills values and falls back.
 */
import { type MessageVariable, MESSAGE_LIMITS, messageVariablePattern } from '../../app/lib/contracts/campaign';

// The checks live in the client-safe contract so the editor shows the same messages as the server.
export { checkVariables, variablesIn, type VariableUse } from '../../app/lib/contracts/campaign';

/** The text with its variables filled; a missing value takes the fallback, or nothing. */
export function renderMessage(text: string, values: Partial<Record<MessageVariable, string | null>>): string {
  return text.replace(messageVariablePattern(), (_m, name: string, fallback: string | undefined) => {
    const v = values[name.trim() as MessageVariable];
    return v !== undefined && v !== null && v !== '' ? v : (fallback ?? '');
  });
}

/** Whether a rendered text still fits WeCom's limit (a long store address can push it over). */
export function fitsTextLimit(rendered: string): boolean {
  return new TextEncoder().encode(rendered).length <= MESSAGE_LIMITS.textBytes;
}
