/** Mainland mobile numbers: normalise (+86, spaces, dashes), mask for display. */
export function normalizeMobile(input: string | null | undefined): string | null {
  if (!input) return null;
  let d = input.replace(/[\s\-()（）.]/g, '');
  if (d.startsWith('+86')) d = d.slice(3);
  else if (d.startsWith('0086')) d = d.slice(4);
  else if (d.startsWith('86') && d.length === 13) d = d.slice(2);
  return /^1[3-9]\d{9}$/.test(d) ? d : null;
}

export function maskMobile(normalized: string): string {
  return `${normalized.slice(0, 3)}****${normalized.slice(-4)}`;
}
