// Downloads that need the API key: the browser cannot add an Authorization
// header to a plain link, so the file is fetched with the key, kept as a
// Blob and saved through an object URL. Recordings need none of this:
// their signed download_url is a plain link (saveURL).

import { request } from './api.js';

// fetchBlob fetches url with the key. onProgress(received, total) is
// called as bytes arrive; total is 0 when the server does not say.
export async function fetchBlob(url, onProgress = () => {}, signal) {
  const res = await request('GET', url, undefined, signal);
  const type = res.headers.get('Content-Type') || 'application/octet-stream';
  const total = Number(res.headers.get('Content-Length')) || 0;
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const chunks = [];
  let received = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onProgress(received, total);
  }
  return new Blob(chunks, { type });
}

// saveBlob offers blob to the user as a file named filename.
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  saveURL(url, filename);
  // The download has started from the URL by now; give it time anyway.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// saveURL has the browser download url (same origin, or an object URL) as
// a file named filename.
export function saveURL(url, filename) {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}
