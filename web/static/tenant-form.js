// The settings editor of one tenant (#tenant-form): fill shows a tenant as
// GET /v1/tenants/{id} answers it, and patch builds the PATCH body from
// what the admin changed. Each control names its field with data-field,
// the API's path of it ("settings.quotas.rooms"), which also places the
// API's field errors (fields.js). Secrets come back as "********": their
// inputs stay empty with that placeholder, and an untouched one sends the
// mark back, which keeps the stored secret.

const secretMark = '********';
const quotaKeys = ['rooms', 'participants_per_room', 'concurrent_jobs', 'targets_per_job', 'retention_days'];
const storageKeys = ['endpoint', 'region', 'bucket', 'prefix', 'access_key_id'];

// settingsKeys are the settings the form edits, in the API's order.
const settingsKeys = ['branding', 'layout', 'canvas', 'storage', 'webhook', 'quotas', 'allowed_rtmp_hosts'];

export class TenantForm {
  constructor(form) {
    this.form = form;
    this.loaded = { name: '', settings: {} };
  }

  // control is the input answering for an API field path.
  control(field) {
    return this.form.querySelector(`[data-field="${field}"]`);
  }

  value(field) {
    return this.control(field).value.trim();
  }

  set(field, v) {
    this.control(field).value = v === undefined || v === null ? '' : String(v);
  }

  // fill shows tenant t (as the API answers it) and remembers it as the
  // state the changes are measured against.
  fill(t) {
    const s = (t && t.settings) || {};
    this.loaded = { name: t.name || '', settings: s };
    this.set('name', t.name);
    const q = s.quotas || {};
    for (const k of quotaKeys) this.set('settings.quotas.' + k, q[k] || '');
    this.set('settings.allowed_rtmp_hosts', (s.allowed_rtmp_hosts || []).join('\n'));
    this.set('settings.layout', s.layout || '');
    const c = s.canvas || {};
    this.set('settings.canvas.width', c.width || '');
    this.set('settings.canvas.height', c.height || '');
    this.set('settings.branding', s.branding ? JSON.stringify(s.branding, null, 2) : '');
    const st = s.storage || {};
    for (const k of storageKeys) this.set('settings.storage.' + k, st[k]);
    this.control('settings.storage.path_style').checked = !!st.path_style;
    this.fillSecret('settings.storage.secret_access_key', st.secret_access_key);
    const h = s.webhook || {};
    this.set('settings.webhook.url', h.url);
    this.fillSecret('settings.webhook.secret', h.secret);
  }

  fillSecret(field, stored) {
    const c = this.control(field);
    c.value = '';
    c.placeholder = stored ? secretMark : 'not set';
  }

  // secret is a secret input's value to send: what was typed, else the
  // mark when a secret is stored, else ''.
  secret(field, stored) {
    const typed = this.control(field).value;
    return typed !== '' ? typed : (stored ? secretMark : '');
  }

  // patch is the PATCH body of the changes ({} when none); it throws an
  // Error with .field when a value cannot be sent (branding not JSON).
  patch() {
    const body = {};
    const name = this.value('name');
    if (name !== this.loaded.name) body.name = name;
    const now = this.settings();
    const changed = {};
    for (const k of settingsKeys) {
      if (canonical(now[k]) !== canonical(serverless(k, this.loaded.settings[k]))) changed[k] = now[k] === undefined ? null : now[k];
    }
    if (Object.keys(changed).length) body.settings = changed;
    return body;
  }

  // settings reads every setting from the form; undefined: not set.
  settings() {
    const old = this.loaded.settings;
    return {
      branding: this.branding(),
      layout: this.value('settings.layout') || undefined,
      canvas: this.canvas(old.canvas),
      storage: this.storage(old.storage),
      webhook: this.webhook(old.webhook),
      quotas: Object.fromEntries(quotaKeys.map((k) => [k, Number(this.value('settings.quotas.' + k)) || 0])),
      allowed_rtmp_hosts: nonEmpty(this.value('settings.allowed_rtmp_hosts').split('\n').map((h) => h.trim()).filter(Boolean)),
    };
  }

  branding() {
    const text = this.value('settings.branding');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw Object.assign(new Error(`settings.branding: not JSON (${e.message})`), { field: 'settings.branding' });
    }
  }

  // canvas keeps what the form does not show (fps, bitrate, background).
  canvas(old) {
    const c = { ...(old || {}) };
    delete c.width;
    delete c.height;
    const w = Number(this.value('settings.canvas.width'));
    const h = Number(this.value('settings.canvas.height'));
    if (w) c.width = w;
    if (h) c.height = h;
    return nonEmpty(c);
  }

  storage(old) {
    const st = Object.fromEntries(storageKeys.map((k) => [k, this.value('settings.storage.' + k)]));
    st.secret_access_key = this.secret('settings.storage.secret_access_key', old && old.secret_access_key);
    st.path_style = this.control('settings.storage.path_style').checked;
    return nonEmpty(prune(st));
  }

  webhook(old) {
    const h = { url: this.value('settings.webhook.url'), secret: this.secret('settings.webhook.secret', old && old.secret) };
    return nonEmpty(prune(h));
  }
}

// serverless is a loaded setting without what the server sets itself
// (the webhook's since), which the form neither shows nor sends.
function serverless(key, value) {
  if (key !== 'webhook' || !value) return value;
  const { since, ...rest } = value; // eslint-disable-line no-unused-vars
  return rest;
}

// prune drops an object's empty fields ('', false, 0, null), as the API's
// omitempty does.
function prune(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== false && v !== 0 && v !== null && v !== undefined));
}

// nonEmpty is v, or undefined for an empty array or object.
function nonEmpty(v) {
  if (Array.isArray(v)) return v.length ? v : undefined;
  return Object.keys(v).length ? v : undefined;
}

// canonical is a setting's JSON with sorted keys and empty fields left
// out, so that a setting the form shows unchanged compares equal.
export function canonical(v) {
  if (Array.isArray(v)) return v.length ? JSON.stringify(v.map((x) => JSON.parse(canonical(x) || 'null'))) : '';
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => canonical(v[k]) !== '').sort();
    if (keys.length === 0) return '';
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  if (v === undefined || v === null || v === '' || v === false || v === 0) return '';
  return JSON.stringify(v);
}
