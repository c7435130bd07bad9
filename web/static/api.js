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
// {"error": {"code", "message", "field"}} when the body has one (the
// field is named when the message does not already start with it), the
// HTTP status otherwise.
export async function errorOf(res) {
  return (await detailOf(res)).message;
}

// detailOf reads a failed response into {message, field, code}: message as
// errorOf gives it, field and code as the API's error body names them (''
// when it does not).
export async function detailOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    // not JSON: fall back to the status line
  }
  const e = body && typeof body.error === 'object' && body.error ? body.error : {};
  return {
    message: messageOf(body) || `HTTP ${res.status} ${res.statusText}`.trim(),
    field: typeof e.field === 'string' ? e.field : '',
    code: typeof e.code === 'string' ? e.code : '',
  };
}

function messageOf(body) {
  const e = body && body.error;
  if (typeof e === 'string') return e;
  if (!e || typeof e.message !== 'string') return '';
  if (e.field && !e.message.startsWith(e.field)) return `${e.field}: ${e.message}`;
  return e.message;
}

// setStatus shows a message in a status line; kind is '', 'ok' or 'error'.
// Messages also go to the console, where a headless test can read them.
export function setStatus(el, text, kind = '') {
  if (text) (kind === 'error' ? console.error : console.info)('roomcast:', text);
  el.textContent = text;
  el.className = 'status' + (kind ? ' ' + kind : '');
}

// request sends one API call with the saved key, and body as JSON when
// given. It resolves to an ok response; otherwise it rejects with an Error
// whose message is the API's error text, whose status is the HTTP status
// (0 when no key is saved) and whose field and code are the API's (see
// detailOf). signal, if given, aborts the call.
export async function request(method, url, body, signal) {
  const key = loadKey();
  if (!key) {
    throw Object.assign(new Error('Paste an API key first.'), { status: 0 });
  }
  const init = { method, signal };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await apiFetch(url, key, init);
  if (!res.ok) {
    const d = await detailOf(res);
    throw Object.assign(new Error(d.message), { status: res.status, field: d.field, code: d.code });
  }
  return res;
}
