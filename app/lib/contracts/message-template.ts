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

/**
 * Every `{名}` / `{名|fallback}` of the text replaced: `value(name)` gives the value (a string, used when not empty),
 * null for a missing one (its fallback, else `otherwise(name, placeholder)`, by default nothing) or undefined for a
 * name that is not a variable (left as written). The one filler of the campaigns' messages, the welcome messages and
 * the clerks' scripts.
 */
export function fillVariables(text: string, value: (name: string) => string | null | undefined, otherwise: (name: string, placeholder: string) => string = () => ''): string {
  return text.replace(VARIABLE, (m, raw: string, fallback: string | undefined) => {
    const name = raw.trim();
    const v = value(name);
    if (v === undefined) return m;
    return v !== null && v !== '' ? v : (fallback ?? otherwise(name, m));
  });
}

/** The text with its variables filled; a missing value takes the fallback, or nothing. */
export function renderMessage(text: string, values: Partial<Record<MessageVariable, string | null>>): string {
  return fillVariables(text, (name) => values[name as MessageVariable] ?? null);
}
