/** The customer card's plain-words summary ("通常每 32 天回购一次，已 40 天未购买，累计 8 单 ¥2,340"), in both languages. */
export interface SummaryInput {
  medianIntervalDays: number | null;
  recencyDays: number | null;
  orders: number;
  monetaryFen: number;
}

function yuan(fen: number): string {
  return `¥${Math.round(fen / 100).toLocaleString('en-US')}`;
}

export function customerSummary(x: SummaryInput): { zh: string; en: string } {
  if (x.orders === 0) return { zh: '还没有购买记录', en: 'No purchases yet' };
  const zh: string[] = [];
  const en: string[] = [];
  if (x.medianIntervalDays !== null && x.medianIntervalDays > 0) {
    const d = Math.round(x.medianIntervalDays);
    zh.push(`通常每 ${d} 天回购一次`);
    en.push(`usually buys again every ${d} days`);
  } else {
    zh.push('只买过一次');
    en.push('bought once so far');
  }
  if (x.recencyDays !== null) {
    zh.push(x.recencyDays === 0 ? '今天刚购买' : `已 ${x.recencyDays} 天未购买`);
    en.push(x.recencyDays === 0 ? 'bought today' : `${x.recencyDays} days since the last purchase`);
  }
  zh.push(`累计 ${x.orders} 单 ${yuan(x.monetaryFen)}`);
  en.push(`${x.orders} orders, ${yuan(x.monetaryFen)} in total`);
  const e = en.join(', ');
  return { zh: zh.join('，'), en: e.charAt(0).toUpperCase() + e.slice(1) };
}
