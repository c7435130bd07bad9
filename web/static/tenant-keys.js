// A tenant's API keys on its admin screen: the list (GET
// /v1/tenants/{id}/keys shows id, prefix and creation, never a key),
// Create (POST answers the whole key this once: it is shown with Copy and
// a warning, and forgotten when the admin is done or leaves) and Revoke
// (DELETE; the key fails everywhere at once).

import { request } from './api.js';
import { el, button, busy, syncKeyed, testable } from './dom.js';
import { copyInput } from './copy.js';
import { formatTime } from './format.js';

const $ = (id) => document.getElementById(id);

export class TenantKeys {
  // say(text, kind) shows a status message.
  constructor(say) {
    this.say = say;
    this.tenant = '';
    this.table = $('tenant-keys');
    this.rows = new Map(); // key id → { root }
    $('tenant-key-create').addEventListener('click', () => busy($('tenant-key-create'), () => this.create()));
    $('tenant-key-copy').addEventListener('click', () => copyInput($('tenant-key-value'), $('tenant-key-copy')));
    $('tenant-key-done').addEventListener('click', () => this.forgetNew());
  }

  base() {
    return '/v1/tenants/' + encodeURIComponent(this.tenant) + '/keys';
  }

  // open shows tenant id's keys.
  async open(id) {
    this.tenant = id;
    this.forgetNew();
    this.show([]);
    await this.refresh();
  }

  // clear forgets the tenant, its keys and a new key shown.
  clear() {
    this.tenant = '';
    this.forgetNew();
    this.show([]);
  }

  async refresh() {
    let body;
    try {
      body = await (await request('GET', this.base())).json();
    } catch (e) {
      this.say(`Could not list the keys of ${this.tenant}: ${e.message}`, 'error');
      return;
    }
    this.show(Array.isArray(body.keys) ? body.keys : []);
  }

  show(keys) {
    const valid = keys.filter((k) => k && typeof k.id === 'string');
    syncKeyed(this.table.tBodies[0], this.rows, valid, (k) => k.id, (k) => this.row(k), () => {});
    this.table.hidden = valid.length === 0;
    $('tenant-keys-empty').hidden = valid.length !== 0 || !this.tenant;
  }

  row(k) {
    const revoke = testable(button('Revoke', () => busy(revoke, () => this.revoke(k.id)), 'danger'), 'key-revoke');
    const root = el('tr', { 'data-test': 'key-row', 'data-key-id': k.id },
      el('td', { class: 'name' }, k.id),
      el('td', { class: 'name' }, (k.prefix || '') + '…'),
      el('td', {}, formatTime(k.created_at)),
      el('td', { class: 'actions' }, revoke));
    return { root };
  }

  async create() {
    let k;
    try {
      k = await (await request('POST', this.base())).json();
    } catch (e) {
      this.say(`Could not create a key for ${this.tenant}: ${e.message}`, 'error');
      return;
    }
    $('tenant-key-value').value = k.key || '';
    $('tenant-key-new').hidden = false;
    $('tenant-key-value').select();
    this.say(`Created key ${k.id} for ${this.tenant}: copy it now.`, 'ok');
    await this.refresh();
  }

  forgetNew() {
    $('tenant-key-value').value = '';
    $('tenant-key-new').hidden = true;
  }

  async revoke(id) {
    if (!confirm(`Revoke key ${id} of ${this.tenant}? Whoever uses it loses access at once.`)) return;
    try {
      await request('DELETE', this.base() + '/' + encodeURIComponent(id));
    } catch (e) {
      this.say(`Could not revoke key ${id}: ${e.message}`, 'error');
      return;
    }
    this.say(`Revoked key ${id} of ${this.tenant}.`, 'ok');
    await this.refresh();
  }
}
