// The admin screens, for the operator's admin key (which manages tenants
// and nothing else): the tenants (GET /v1/tenants), creating one (POST,
// id and name) and one tenant's screen (tenant-view.js).

import { request } from './api.js';
import { el, button, busy, syncKeyed, testable } from './dom.js';
import { clearFieldErrors, showFieldError } from './fields.js';
import { formatTime } from './format.js';
import { TenantView } from './tenant-view.js';

const $ = (id) => document.getElementById(id);

export class Admin {
  // say(text, kind) shows a status message.
  constructor(say) {
    this.say = say;
    this.table = $('tenants');
    this.rows = new Map(); // tenant id → { root, cells }
    this.view = new TenantView(say, () => this.showList());
    $('tenant-create-form').addEventListener('submit', (e) => {
      e.preventDefault();
      busy($('tenant-create'), () => this.create());
    });
    $('tenants-refresh').addEventListener('click', () => busy($('tenants-refresh'), () => this.refresh()));
  }

  start() {
    this.showList();
  }

  // clear forgets everything shown, when the key is forgotten.
  clear() {
    if (this.view.tenant) this.view.close();
    this.show([]);
  }

  showList() {
    $('tenant-view').hidden = true;
    $('tenants-view').hidden = false;
    return this.refresh();
  }

  async refresh() {
    let body;
    try {
      body = await (await request('GET', '/v1/tenants')).json();
    } catch (e) {
      this.say(`Could not list tenants: ${e.message}`, 'error');
      return;
    }
    const list = Array.isArray(body.tenants) ? body.tenants : [];
    this.show(list.filter((t) => t && typeof t.id === 'string').sort((a, b) => a.id.localeCompare(b.id)));
  }

  show(tenants) {
    syncKeyed(this.table.tBodies[0], this.rows, tenants, (t) => t.id, (t) => this.row(t.id), (row, t) => row.update(t));
    this.table.hidden = tenants.length === 0;
    $('tenants-empty').hidden = tenants.length !== 0;
  }

  row(id) {
    const name = el('td', {});
    const state = el('span', { class: 'badge' });
    const created = el('td', {});
    const open = testable(button('Manage', () => busy(open, () => this.open(id))), 'tenant-open');
    const root = el('tr', { 'data-test': 'tenant-row', 'data-tenant': id },
      el('td', { class: 'name' }, id), name, el('td', {}, state), created, el('td', { class: 'actions' }, open));
    const update = (t) => {
      name.textContent = t.name || '';
      state.textContent = t.disabled ? 'disabled' : 'active';
      state.className = 'badge ' + (t.disabled ? 'failed' : 'complete');
      created.textContent = formatTime(t.created_at);
    };
    return { root, update };
  }

  async open(id) {
    if (!(await this.view.open(id))) return;
    $('tenants-view').hidden = true;
    $('tenant-view').scrollIntoView({ block: 'start' });
  }

  async create() {
    const form = $('tenant-create-form');
    clearFieldErrors(form);
    const id = $('tenant-create-id').value.trim();
    const name = $('tenant-create-name').value.trim();
    try {
      await request('POST', '/v1/tenants', { id, name });
    } catch (e) {
      showFieldError(form, e);
      this.say(`Could not create tenant ${id}: ${e.message}`, 'error');
      return;
    }
    form.reset();
    this.say(`Created tenant ${id}: give it a key below.`, 'ok');
    await this.refresh();
    await this.open(id);
  }
}
