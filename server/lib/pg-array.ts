/**
 * A uuid[] parameter as PostgreSQL's array literal (`{a,b,c}`), for statements that bind thousands of ids.
 * postgres.js would quote and escape every element with two regular expressions (~0.5 s of CPU per WeCom full
 * sync of 100,000 customers); uuids need neither. The statement casts the parameter (`${uuidArray(ids)}::uuid[]`),
 * and an element that is not a uuid throws here, before anything is sent.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidArray(ids: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (i > 0) out += ',';
    if (id === null || id === undefined) out += 'NULL';
    else if (UUID.test(id)) out += id;
    else throw new TypeError(`not a uuid: ${JSON.stringify(id).slice(0, 60)}`);
  }
  return `${out}}`;
}
