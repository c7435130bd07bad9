// The console's running jobs (GET /v1/egress?active=true, every 2 s): per
// job its status, layout and recording, the live health of each RTMP
// target (state, bitrate, reconnects, last error), and its controls: stop
// it, add or remove targets and switch the layout (PATCH /v1/egress/{id}).
// Cards and target rows are kept across refreshes and only their figures
// change, so what a user types into a card survives the refresh.

import { request } from './api.js';
import { el, button, busy, syncKeyed, testable } from './dom.js';
import { clearFieldErrors, showFieldError } from './fields.js';
import { formatDuration } from './format.js';
import { Poller } from './poll.js';

const $ = (id) => document.getElementById(id);
export const layouts = ['grid', 'speaker', 'presentation', 'single'];

export class Jobs {
  // say(text, kind) shows a status message; onEnded() is called when a job
  // stopped here, so the archive can show its recording.
  constructor(say, onEnded) {
    this.say = say;
    this.onEnded = onEnded;
    this.list = $('jobs');
    this.empty = $('jobs-empty');
    this.cards = new Map(); // job id → JobCard
    this.lastError = '';
    this.poller = new Poller(() => this.refresh());
  }

  start() {
    return this.poller.start();
  }

  clear() {
    this.poller.stop();
    this.show([]);
  }

  // now refreshes at once, e.g. after a job was started.
  now() {
    return this.poller.now();
  }

  async refresh() {
    let body;
    try {
      body = await (await request('GET', '/v1/egress?active=true')).json();
    } catch (e) {
      const text = `Could not read running jobs: ${e.message}`;
      if (text !== this.lastError) this.say(text, 'error');
      this.lastError = text;
      return;
    }
    this.lastError = '';
    this.show(Array.isArray(body.egress) ? body.egress : []);
  }

  show(jobs) {
    const valid = jobs.filter((j) => j && typeof j.id === 'string');
    syncKeyed(this.list, this.cards, valid, (j) => j.id, (j) => new JobCard(j, this), (card, j) => card.update(j));
    this.empty.hidden = this.cards.size !== 0;
  }

  drop(id, card) {
    card.root.remove();
    this.cards.delete(id);
    this.empty.hidden = this.cards.size !== 0;
  }

  // call sends a change of one job and shows the job the API answers;
  // a field error goes next to its control in form.
  async call(card, method, body, form, what) {
    if (form) clearFieldErrors(form);
    let job;
    try {
      job = await (await request(method, '/v1/egress/' + encodeURIComponent(card.id), body)).json();
    } catch (e) {
      if (form) showFieldError(form, e);
      this.say(`Could not ${what}: ${e.message}`, 'error');
      return null;
    }
    this.say(`Job ${card.id}: ${what} done.`, 'ok');
    if (method === 'DELETE') {
      this.drop(card.id, card);
      this.onEnded(job);
    } else {
      card.update(job);
    }
    return job;
  }
}

// JobCard is one running job's card.
class JobCard {
  constructor(job, jobs) {
    this.id = job.id;
    this.jobs = jobs;
    this.targets = new Map(); // target id → its row's cells
    this.status = el('span', { class: 'badge pending', 'data-test': 'job-status' });
    this.layout = el('span', { 'data-test': 'job-layout-current' });
    this.worker = el('span', { class: 'small muted' });
    this.record = el('div', { class: 'small', 'data-test': 'job-record' });
    this.error = el('div', { class: 'small error-text', 'data-test': 'job-error' });
    this.tbody = el('tbody');
    this.table = el('table', { class: 'compact targets', 'data-test': 'job-targets' },
      el('thead', {}, el('tr', {}, ...['Target', 'State', 'Bitrate', 'Reconnects', 'Last error', ''].map((h) => el('th', {}, h)))),
      this.tbody);
    const stop = testable(button('Stop', () => busy(stop, () => this.stop()), 'danger'), 'job-stop');
    this.root = el('article', { class: 'job', 'data-test': 'job', 'data-job': job.id, 'data-room': job.room || '' },
      el('div', { class: 'row spread' },
        el('h3', {}, job.room || '?', ' ', el('span', { class: 'small muted' }, job.id)),
        el('div', { class: 'row' }, this.status, this.worker, stop)),
      el('div', { class: 'small' }, 'Layout: ', this.layout),
      this.record, this.error, this.table,
      this.addForm(), this.layoutForm());
  }

  addForm() {
    const url = el('input', { 'data-test': 'target-add-url', 'data-field': 'add_rtmp', type: 'text',
      placeholder: 'rtmp://host/app/stream-key', 'aria-label': 'RTMP target URL', autocomplete: 'off', required: true });
    const add = el('button', { type: 'submit', class: 'secondary', 'data-test': 'target-add' }, 'Add target');
    const form = el('form', { class: 'row', 'data-test': 'target-add-form', autocomplete: 'off' }, url, add);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(add, async () => {
        if (await this.jobs.call(this, 'PATCH', { add_rtmp: [url.value.trim()] }, form, 'add a target')) url.value = '';
      });
    });
    return form;
  }

  layoutForm() {
    const select = el('select', { 'aria-label': 'Layout', 'data-field': 'layout', 'data-test': 'job-layout' },
      ...layouts.map((l) => el('option', { value: l }, l)));
    const who = el('input', { 'data-test': 'job-participant', 'data-field': 'participant', type: 'text',
      placeholder: 'Participant name', 'aria-label': 'Participant', hidden: true });
    const apply = el('button', { type: 'submit', class: 'secondary', 'data-test': 'job-layout-apply' }, 'Switch layout');
    const form = el('form', { class: 'row', 'data-test': 'job-layout-form', autocomplete: 'off' }, select, who, apply);
    select.addEventListener('change', () => { who.hidden = select.value !== 'single'; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { layout: select.value };
      if (select.value === 'single') body.participant = who.value.trim();
      busy(apply, () => this.jobs.call(this, 'PATCH', body, form, `switch to ${select.value}`));
    });
    this.layoutSelect = select;
    return form;
  }

  stop() {
    const n = this.targets.size;
    if (n && !confirm(`Stop this job? Its ${n} RTMP stream(s) end too.`)) return null;
    return this.jobs.call(this, 'DELETE', undefined, null, 'stop');
  }

  update(job) {
    this.status.textContent = job.status || 'unknown';
    this.status.className = 'badge ' + stateClass(job.status);
    this.layout.textContent = job.layout || '—';
    if (!this.layoutSelected && layouts.includes(job.layout)) {
      this.layoutSelect.value = job.layout; // once: later the user's choice stays
      this.layoutSelected = true;
    }
    this.worker.textContent = job.worker ? ` on ${job.worker}` : '';
    this.record.replaceChildren(...describeRecord(job));
    this.error.textContent = job.error || job.reason || '';
    this.updateTargets(job.outputs && Array.isArray(job.outputs.rtmp) ? job.outputs.rtmp : []);
  }

  updateTargets(targets) {
    syncKeyed(this.tbody, this.targets, targets, (t) => t.id, (t) => this.targetRow(t), showHealth);
    this.table.hidden = this.targets.size === 0;
  }

  targetRow(t) {
    const row = {
      state: el('span', { 'data-test': 'target-state' }),
      bitrate: el('td', { class: 'num', 'data-test': 'target-bitrate' }),
      reconnects: el('td', { class: 'num', 'data-test': 'target-reconnects' }),
      error: el('td', { class: 'error-text target-error', 'data-test': 'target-error' }),
    };
    const remove = testable(button('Remove', () => busy(remove, () => this.jobs.call(this, 'PATCH', { remove_rtmp: [t.id] }, null, 'remove a target'))), 'target-remove');
    row.root = el('tr', { 'data-test': 'target-row', 'data-target': t.id },
      el('td', { class: 'name', title: t.url || '' }, t.url || t.id), el('td', {}, row.state),
      row.bitrate, row.reconnects, row.error, el('td', { class: 'actions' }, remove));
    return row;
  }
}

// showHealth shows a target's state, bitrate, reconnects and last error.
function showHealth(row, t) {
  row.state.textContent = t.state || '—';
  row.state.className = 'badge ' + stateClass(t.state);
  row.bitrate.textContent = t.state === 'live' ? `${t.bitrate_kbps || 0} kbps` : '—';
  row.reconnects.textContent = String(t.reconnects || 0);
  row.error.textContent = t.error || '';
  row.error.title = t.error || '';
}

// describeRecord tells what the record output reports: its state, segments,
// duration and uploads still pending, with its error.
export function describeRecord(job) {
  const rec = (job.outputs && job.outputs.record) || null;
  if (!rec) return [el('span', { class: 'muted' }, 'Not recording.')];
  const pending = rec.pending_uploads || 0;
  const parts = [
    'Recording: ',
    el('span', { class: 'badge ' + stateClass(rec.state), 'data-test': 'job-record-state' }, rec.state || 'starting'),
    ` ${rec.segments || 0} segment${rec.segments === 1 ? '' : 's'}, ${formatDuration(rec.duration_seconds || 0)}`,
    pending ? `, ${pending} upload${pending === 1 ? '' : 's'} pending` : '',
  ];
  if (rec.error) parts.push(el('div', { class: 'error-text' }, rec.error));
  return parts;
}

export function stateClass(state) {
  switch (state) {
    case 'live': case 'active': return 'live';
    case 'degraded': case 'reconnecting': return 'degraded';
    case 'failed': return 'failed';
    default: return 'pending';
  }
}
