/**
 * zh-CN first, English second. Text is written in place as a pair, `t('客户', 'Customers')`, so both languages
 * stay visible beside each other in the code. The locale comes from the root loader (cookie, user, tenant,
 * Accept-Language, default zh-CN).
 */
import { useRouteLoaderData } from '@remix-run/react';

export type Locale = 'zh-CN' | 'en';
export const LANG_COOKIE = 'huike_lang';

export interface RootData {
  locale: Locale;
  csrfToken: string | null;
  timezone: string;
  currency: string;
}

export function useRootData(): RootData {
  const d = useRouteLoaderData('root') as RootData | undefined;
  return d ?? { locale: 'zh-CN', csrfToken: null, timezone: 'Asia/Shanghai', currency: 'CNY' };
}

export function translator(locale: Locale) {
  return (zh: string, en: string) => (locale === 'en' ? en : zh);
}

export function useT() {
  return translator(useRootData().locale);
}

export function pickLocale(opts: { cookie?: string | null; user?: string | null; tenant?: string | null; acceptLanguage?: string | null }): Locale {
  for (const c of [opts.cookie, opts.user, opts.tenant]) if (c === 'en' || c === 'zh-CN') return c;
  const al = opts.acceptLanguage?.toLowerCase() ?? '';
  if (al.startsWith('en')) return 'en';
  return 'zh-CN';
}
