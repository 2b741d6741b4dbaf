/**
 * multipart/form-data for WeCom's media uploads (`media`, with filename and bytes): the client builds the body,
 * the simulator reads the first part with the wanted field name back. Minimal on purpose.
 */
export interface UploadedPart {
  filename: string;
  contentType: string | null;
  bytes: Uint8Array;
}

export function multipartPart(contentType: string | undefined, body: Uint8Array, field: string): UploadedPart | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!m) return null;
  const delimiter = Buffer.from(`--${(m[1] ?? m[2])!.trim()}`);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let at = buf.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length + 2; // past CRLF
    const next = buf.indexOf(delimiter, start);
    if (next < 0) break;
    const part = buf.subarray(start, next - 2); // before CRLF
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      if (name === field) {
        return { filename: /filename="([^"]*)"/i.exec(head)?.[1] ?? '', contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim() ?? null, bytes: part.subarray(split + 4) };
      }
    }
    at = next;
  }
  return null;
}

/** A multipart body with one file part (what the client sends to media/upload and media/uploadimg). */
export function multipartBody(field: string, file: { filename: string; contentType: string; bytes: Uint8Array }, boundary = `----huike${Date.now().toString(36)}`): { contentType: string; body: Buffer } {
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${file.filename}"; filelength=${file.bytes.byteLength}\r\nContent-Type: ${file.contentType}\r\n\r\n`);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([head, Buffer.from(file.bytes), Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}
