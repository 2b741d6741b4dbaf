/**
 * Message text with variables: `{导购}` or `{导购|店员}` (with a fallback when the value is missing). A mass
 * task's text is the same for all its recipients, so it may use only the clerk's variables; a 1:1 script also the
 * customer's. Validation names each problem; rendering fills values and falls back.
 */
import { variablesFor, type DeliveryMode, type MessageVariable, MESSAGE_LIMITS } from '../../app/lib/contracts/campaign';
import { variablesIn } from '../../app/lib/contracts/message-template';

export { variablesIn, renderMessage, type VariableUse } from '../../app/lib/contracts/message-template';

/** Problems with a text's variables for a delivery mode, in Chinese; empty when it is fine. */
export function checkVariables(text: string, mode: DeliveryMode): string[] {
  const allowed = new Set<string>(variablesFor(mode));
  const problems: string[] = [];
  for (const v of variablesIn(text)) {
    if (!allowed.has(v.name)) {
      problems.push(mode === 'mass' && variablesFor('one_to_one').includes(v.name as MessageVariable)
        ? `群发消息对同一导购的所有客户内容相同，不能使用客户变量 {${v.name}}；请改用 1 对 1 跟进`
        : `未知变量 {${v.name}}`);
    } else if (mode === 'mass' && v.fallback === null) {
      problems.push(`变量 {${v.name}} 需要一个备用值，例如 {${v.name}|我们}`);
    }
  }
  return problems;
}

/** Whether a rendered text still fits WeCom's limit (a long store address can push it over). */
export function fitsTextLimit(rendered: string): boolean {
  return new TextEncoder().encode(rendered).length <= MESSAGE_LIMITS.textBytes;
}
