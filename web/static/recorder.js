// Recording controls of the console's room list: a Record / Stop recording
// button per room (POST /v1/egress with a record output, DELETE
// /v1/egress/{id}) and the live state of the record output, polled from
// GET /v1/egress?active=true every 2 s while the page is visible.

import { loadKey, request } from './api.js';
import { el, busy } from './dom.js';
import { formatDuration } from './format.js';

const pollMillis = 2000;
const segmentSeconds = 4;

export class Recorder {
  // report(text, kind) shows a status message.
  constructor(report) {
    this.report = report;
    this.rooms = new Map(); // room name → { state: <td>, button }
    this.jobs = new Map(); // room name → its active record job
    this.started = new Set(); // ids of jobs started here: record jobs before they report it
    this.timer = 0;
    this.lastError = '';
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.poll();
    });
  }

  // reset forgets the rows, before the room list is drawn again.
  reset() {
    this.rooms.clear();
  }

  // cells returns the state cell and the button of one room's row.
  cells(room) {
    const state = el('td', { class: 'record-state' });
    const btn = el('button', { type: 'button', class: 'secondary' });
    btn.addEventListener('click', () => busy(btn, () => this.toggle(room)));
    const cells = { state, button: btn };
    this.rooms.set(room, cells);
    this.render(room);
    return cells;
  }

  // start begins polling (again); it is safe to call repeatedly.
  start() {
    this.poll();
  }

  async poll() {
    clearTimeout(this.timer);
    this.timer = 0;
    try {
      if (!document.hidden && this.rooms.size > 0 && loadKey()) await this.fetchJobs();
    } finally {
      clearTimeout(this.timer); // an overlapping poll may have set one
      this.timer = setTimeout(() => this.poll(), pollMillis);
    }
  }

  async fetchJobs() {
    const q = new URLSearchParams({ active: 'true' });
    if (this.rooms.size === 1) q.set('room', [...this.rooms.keys()][0]);
    let body;
    try {
      const res = await request('GET', '/v1/egress?' + q.toString());
      body = await res.json();
    } catch (e) {
      const text = `Could not read recording state: ${e.message}`;
      if (text !== this.lastError) this.report(text, 'error'); // once, not every 2 s
      this.lastError = text;
      return;
    }
    this.lastError = '';
    this.jobs.clear();
    for (const job of Array.isArray(body.egress) ? body.egress : []) {
      const isRecord = (job.outputs && job.outputs.record) || this.started.has(job.id);
      if (isRecord && !this.jobs.has(job.room)) this.jobs.set(job.room, job);
    }
    for (const room of this.rooms.keys()) this.render(room);
  }

  render(room) {
    const cells = this.rooms.get(room);
    if (!cells) return;
    const job = this.jobs.get(room);
    cells.button.textContent = job ? 'Stop recording' : 'Record';
    cells.button.className = job ? 'danger' : 'secondary';
    cells.state.replaceChildren(...(job ? describe(job) : [el('span', { class: 'muted' }, '—')]));
  }

  async toggle(room) {
    const job = this.jobs.get(room);
    try {
      if (job) {
        const rtmp = job.outputs && Array.isArray(job.outputs.rtmp) && job.outputs.rtmp.length;
        if (rtmp && !confirm(`Stopping the recording of "${room}" also ends its ${rtmp} RTMP stream(s). Stop?`)) return;
        await request('DELETE', '/v1/egress/' + encodeURIComponent(job.id));
        this.jobs.delete(room);
        this.report(`Stopped recording room ${room}.`, 'ok');
      } else {
        const res = await request('POST', '/v1/egress', {
          room, outputs: { record: { segment_seconds: segmentSeconds } },
        });
        const info = await res.json().catch(() => ({}));
        if (info && info.id) {
          this.started.add(info.id);
          this.jobs.set(room, info);
        }
        this.report(`Recording room ${room}.`, 'ok');
      }
    } catch (e) {
      this.report(`Could not ${job ? 'stop' : 'start'} recording ${room}: ${e.message}`, 'error');
    }
    this.render(room);
    await this.poll();
  }
}

// describe lists what the record output reports: its state (with the error
// when degraded or failed), segments, duration and uploads still pending.
export function describe(job) {
  const rec = (job.outputs && job.outputs.record) || null;
  if (job.status === 'pending') {
    // Queued: no worker runs it yet; the reason says why (no room, handover).
    const parts = [el('span', { class: 'badge pending' }, 'pending')];
    if (job.reason) parts.push(el('div', { class: 'small' }, job.reason));
    return parts;
  }
  const state = rec && rec.state ? rec.state : job.status || 'starting';
  const parts = [el('span', { class: 'badge ' + stateClass(state) }, state)];
  if (job.worker) parts.push(el('span', { class: 'small muted' }, ` on ${job.worker}`));
  if (rec) {
    const pending = rec.pending_uploads || 0;
    parts.push(el('span', { class: 'small' },
      ` ${rec.segments || 0} segment${rec.segments === 1 ? '' : 's'}, ${formatDuration(rec.duration_seconds || 0)}`,
      pending ? `, ${pending} upload${pending === 1 ? '' : 's'} pending` : ''));
    if (rec.error) parts.push(el('div', { class: 'small error-text' }, rec.error));
  }
  if (job.error && (!rec || job.error !== rec.error)) parts.push(el('div', { class: 'small error-text' }, job.error));
  return parts;
}

function stateClass(state) {
  switch (state) {
    case 'live': return 'recording';
    case 'degraded': case 'reconnecting': return 'degraded';
    case 'failed': return 'failed';
    default: return 'pending';
  }
}
