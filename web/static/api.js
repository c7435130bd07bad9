// Helpers shared by the console and the room page: the API key kept in
// sessionStorage, authorized fetches to the /v1 API, and error messages.

const keyItem = 'roomcast.key';

export function loadKey() {
  return sessionStorage.getItem(keyItem) || '';
}

export function saveKey(key) {
  if (key) {
    sessionStorage.setItem(keyItem, key);
  } else {
    sessionStorage.removeItem(keyItem);
  }
}

// apiFetch calls the API with the bearer key. It resolves to the response
// of any status; only network failures reject.
export function apiFetch(url, key, init = {}) {
  const headers = new Headers(init.headers || {});
  headers.set('Authorization', 'Bearer ' + key);
  return fetch(url, { ...init, headers });
}

// errorOf turns a failed response into a message: the API's
// {"error": "..."} when the body has one, the HTTP status otherwise.
export async function errorOf(res) {
  let detail = '';
  try {
    const body = await res.json();
    detail = body && typeof body.error === 'string' ? body.error : '';
  } catch (e) {
    // not JSON: fall back to the status line
  }
  return detail || `HTTP ${res.status} ${res.statusText}`.trim();
}

// setStatus shows a message in a status line; kind is '', 'ok' or 'error'.
// Messages also go to the console, where a headless test can read them.
export function setStatus(el, text, kind = '') {
  if (text) (kind === 'error' ? console.error : console.info)('roomcast:', text);
  el.textContent = text;
  el.className = 'status' + (kind ? ' ' + kind : '');
}
