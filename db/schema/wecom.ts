/** Tables of the wecom capability (filled in by its migrations). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WecomTables {}
