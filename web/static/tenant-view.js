// One tenant on the admin screens (#tenant-view): its state, the settings
// editor saved with PATCH /v1/tenants/{id} (field errors shown at the
// field the API names), Disable/Enable, Delete and its API keys.

import { request } from './api.js';
import { busy } from './dom.js';
import { clearFieldErrors, showFieldError } from './fields.js';
import { formatBytes, formatTime } from './format.js';
import { TenantForm } from './tenant-form.js';
import { TenantKeys } from './tenant-keys.js';

const $ = (id) => document.getElementById(id);

export class TenantView {
  // say(text, kind) shows a status message; onClose(changed) goes back to
  // the list.
  constructor(say, onClose) {
    this.say = say;
    this.onClose = onClose;
    this.tenant = null;
    this.form = new TenantForm($('tenant-form'));
    this.keys = new TenantKeys(say);
    $('tenant-form').addEventListener('submit', (e) => {
      e.preventDefault();
      busy($('tenant-save'), () => this.save());
    });
    $('tenant-reset').addEventListener('click', () => this.show(this.tenant));
    $('tenant-back').addEventListener('click', () => this.close());
    $('tenant-toggle').addEventListener('click', () => busy($('tenant-toggle'), () => this.toggle()));
    $('tenant-delete').addEventListener('click', () => busy($('tenant-delete'), () => this.remove()));
  }

  url() {
    return '/v1/tenants/' + encodeURIComponent(this.tenant.id);
  }

  // open loads tenant id and shows it.
  async open(id) {
    let t;
    try {
      t = await (await request('GET', '/v1/tenants/' + encodeURIComponent(id))).json();
    } catch (e) {
      this.say(`Could not open tenant ${id}: ${e.message}`, 'error');
      return false;
    }
    this.show(t);
    $('tenant-view').hidden = false;
    await Promise.all([this.keys.open(id), this.usage(id)]);
    return true;
  }

  // usage shows what the tenant uses beside its quotas (GET
  // /v1/tenants/{id}/usage); rooms are those of the server answering.
  async usage(id) {
    const line = $('tenant-usage');
    line.textContent = '';
    try {
      const u = await (await request('GET', '/v1/tenants/' + encodeURIComponent(id) + '/usage')).json();
      const of = (n, quota) => (quota ? `${n} of ${quota}` : `${n}`);
      line.textContent = `In use: ${of(u.rooms, u.quotas.rooms)} rooms on this server (${u.participants} participants), ` +
        `${of(u.active_jobs, u.quotas.concurrent_jobs)} running jobs, ${u.recordings} recordings (${formatBytes(u.recording_bytes)}).`;
    } catch (e) {
      line.textContent = `Usage unavailable: ${e.message}`;
    }
  }

  // show fills the screen from t as the API answered it.
  show(t) {
    this.header(t);
    clearFieldErrors($('tenant-form'));
    this.form.fill(t);
  }

  // header shows t's id and state, leaving the settings editor alone.
  header(t) {
    this.tenant = t;
    $('tenant-id').textContent = t.id;
    $('tenant-state').textContent = t.disabled ? 'disabled' : 'active';
    $('tenant-state').className = 'badge ' + (t.disabled ? 'failed' : 'complete');
    $('tenant-toggle').textContent = t.disabled ? 'Enable' : 'Disable';
    $('tenant-created').textContent = formatTime(t.created_at);
    $('tenant-updated').textContent = formatTime(t.updated_at);
  }

  // close forgets the tenant (a new key shown included) and goes back.
  close() {
    this.tenant = null;
    this.keys.clear();
    $('tenant-view').hidden = true;
    this.onClose();
  }

  async save() {
    const form = $('tenant-form');
    clearFieldErrors(form);
    let body;
    try {
      body = this.form.patch();
    } catch (e) {
      showFieldError(form, e);
      this.say(`Not saved: ${e.message}`, 'error');
      return;
    }
    if (Object.keys(body).length === 0) {
      this.say('Nothing changed.');
      return;
    }
    await this.patch(body, 'Saved the settings of', true);
  }

  // patch sends body and shows the answer, the settings too when refill
  // (else what the admin is editing stays); false when the API refused.
  async patch(body, done, refill) {
    const form = $('tenant-form');
    let t;
    try {
      t = await (await request('PATCH', this.url(), body)).json();
    } catch (e) {
      const shown = showFieldError(form, e);
      this.say(`Not saved: ${e.message}`, 'error');
      if (shown) form.querySelector('[aria-invalid="true"]').scrollIntoView({ block: 'center' });
      return false;
    }
    if (refill) this.show(t);
    else this.header(t);
    this.say(`${done} ${t.id}.`, 'ok');
    return true;
  }

  toggle() {
    const disable = !this.tenant.disabled;
    return this.patch({ disabled: disable }, disable ? 'Disabled' : 'Enabled', false);
  }

  async remove() {
    const id = this.tenant.id;
    if (!confirm(`Delete tenant ${id}? Its keys and join links stop working at once and its rooms close. Its recordings stay in storage.`)) return;
    try {
      await request('DELETE', this.url());
    } catch (e) {
      this.say(`Could not delete ${id}: ${e.message}`, 'error');
      return;
    }
    this.say(`Deleted tenant ${id}.`, 'ok');
    this.close();
  }
}
