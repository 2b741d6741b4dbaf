/** Tables of the analytics capability (filled in by its migrations). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AnalyticsTables {}
