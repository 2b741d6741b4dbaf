/**
 * Message text with variables, `{导购}` or `{导购|店员}` (a fallback when the value is missing): finding them and
 * filling them. Client-safe, so the editor's preview renders exactly what server/campaigns/content.ts sends.
 */
import type { MessageVariable } from './campaign';

const VARIABLE = /\{([^{}|]+)(?:\|([^{}]*))?\}/g;

export interface VariableUse {
  name: string;
  fallback: string | null;
}

export function variablesIn(text: string): VariableUse[] {
  return [...text.matchAll(VARIABLE)].map((m) => ({ name: m[1]!.trim(), fallback: m[2] === undefined ? null : m[2] }));
}

/** The text with its variables filled; a missing value takes the fallback, or nothing. */
export function renderMessage(text: string, values: Partial<Record<MessageVariable, string | null>>): string {
  return text.replace(VARIABLE, (_m, name: string, fallback: string | undefined) => {
    const v = values[name.trim() as MessageVariable];
    return v !== undefined && v !== null && v !== '' ? v : (fallback ?? '');
  });
}
