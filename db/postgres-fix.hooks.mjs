/** Module hooks for db/postgres-fix.mjs: rewrites two files of postgres.js as they are loaded. */

/** Per file (connection.js, index.js of src/ and cjs/src/): [the code as shipped, the fixed code]. */
export const FIXES = {
  'connection.js': [
    // A flush scheduled before the socket closed fails its queries instead of reading `write` of null.
    [
      'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
      "function nextWrite(fn) {\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return true\n    }\n    const x = socket.write(chunk, fn)",
    ],
    // terminate() and closed() forget the cancelled flush and its bytes (they belonged to the old socket).
    ['    clearImmediate(nextWriteTimer)\n    if (socket) {', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {'],
    ['    clearImmediate(nextWriteTimer)\n    socket.removeListener', '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener'],
  ],
  'index.js': [
    // A reservation whose connection closed (postgres.js already took the connection back to reconnect it, and
    // may have handed it to someone else) refuses further queries and its release does nothing.
    ['    c.reserved.release = true\n', '    c.reserved.release = true\n    c.reserved.queue = queue\n    const mine = c.reserved\n'],
    // Queries waiting on a reservation when its connection closes fail instead of waiting forever.
    [
      '  function onclose(c, e) {\n    move(c, closed)\n    c.reserved = null',
      "  function onclose(c, e) {\n    move(c, closed)\n    while (c.reserved && c.reserved.queue && c.reserved.queue.length)\n      c.reserved.queue.shift().reject(e || Errors.connection('CONNECTION_CLOSED', options))\n    c.reserved = null",
    ],
    ['    sql.release = () => {\n      c.reserved = null', '    sql.release = () => {\n      if (c.reserved !== mine) return\n      c.reserved = null'],
    [
      '    function handler(q) {\n      c.queue === full',
      "    function handler(q) {\n      if (c.reserved !== mine)\n        return q.reject(Errors.connection('CONNECTION_CLOSED', options))\n      c.queue === full",
    ],
  ],
};

export const MARK = "globalThis[Symbol.for('huike.postgres-fix')] = true";

/** The fixed source of `file`, or null when this postgres.js does not have the code the fixes expect. */
export function fixSource(file, source) {
  let out = source;
  for (const [from, to] of FIXES[file]) {
    if (!out.includes(from)) return null;
    out = out.replace(from, to);
  }
  return file === 'index.js' ? `${out}\n;${MARK}\n` : out;
}

const TARGET = /\/node_modules\/postgres\/(?:cjs\/)?src\/(connection\.js|index\.js)$/;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  const file = TARGET.exec(url)?.[1];
  if (!file || result.source == null) return result;
  const fixed = fixSource(file, String(result.source));
  if (fixed === null) {
    process.emitWarning(`db/postgres-fix: ${url} is not the postgres.js 3.4 these fixes were written for; loaded unchanged`);
    return result;
  }
  return { ...result, source: fixed };
}
