// The console's Archive section: search recordings (GET /v1/recordings,
// newest first, paged by next_cursor, filtered by room, status and date
// range), and per recording show its manifest, stream it (player.js),
// download it as one MP4 through its signed download_url, or delete it.

import { request, setStatus } from './api.js';
import { el, button, busy, testable } from './dom.js';
import { formatBytes, formatDuration, formatTime, dayBoundary, safeFilename } from './format.js';
import { fetchBlob, saveBlob, saveURL } from './blob.js';
import { renderDetails } from './details.js';
import { Player } from './player.js';

const pageSize = 25;
const columns = 8;
const $ = (id) => document.getElementById(id);

export function recordingURL(id, suffix = '') {
  return '/v1/recordings/' + encodeURIComponent(id) + suffix;
}

// progressText describes a download in flight.
export function progressText(what, received, total) {
  if (total > 0) {
    const pct = Math.floor((received / total) * 100);
    return `${what}: ${formatBytes(received)} of ${formatBytes(total)} (${pct}%)`;
  }
  return `${what}: ${formatBytes(received)}`;
}

export class Archive {
  constructor() {
    this.table = $('recordings');
    this.body = this.table.tBodies[0];
    this.empty = $('archive-empty');
    this.more = $('load-more');
    this.status = $('archive-status');
    this.player = new Player((text, kind) => this.say(text, kind));
    this.cursor = '';
    this.filter = new URLSearchParams();
    this.generation = 0; // bumped by each new search; stale pages are dropped
    this.count = 0;
    $('archive-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      this.search();
    });
    $('archive-clear').addEventListener('click', () => {
      $('archive-filter').reset();
      this.search();
    });
    this.more.addEventListener('click', () => busy(this.more, () => this.loadPage(this.generation)));
  }

  say(text, kind = '') {
    setStatus(this.status, text, kind);
  }

  // filterFromForm reads the filter form into query parameters.
  filterFromForm() {
    const q = new URLSearchParams();
    const room = $('archive-room').value.trim();
    const status = $('archive-status-filter').value;
    const since = dayBoundary($('archive-since').value);
    const until = dayBoundary($('archive-until').value, 1); // through the end of that day
    if (room) q.set('room', room);
    if (status) q.set('status', status);
    if (since) q.set('since', since);
    if (until) q.set('until', until);
    q.set('limit', String(pageSize));
    return q;
  }

  // search starts a new listing from the first page.
  async search() {
    this.filter = this.filterFromForm();
    this.cursor = '';
    this.count = 0;
    this.generation++;
    this.body.replaceChildren();
    this.table.hidden = true;
    this.empty.hidden = true;
    this.more.hidden = true;
    await this.loadPage(this.generation);
  }

  // clear forgets everything shown, e.g. when the key is forgotten.
  clear() {
    this.generation++;
    this.body.replaceChildren();
    this.table.hidden = true;
    this.empty.hidden = true;
    this.more.hidden = true;
    this.player.close();
    this.say('');
  }

  async loadPage(generation) {
    const q = new URLSearchParams(this.filter);
    if (this.cursor) q.set('cursor', this.cursor);
    let page;
    try {
      const res = await request('GET', '/v1/recordings?' + q.toString());
      page = await res.json();
    } catch (e) {
      if (generation === this.generation) this.say(`Could not list recordings: ${e.message}`, 'error');
      return;
    }
    if (generation !== this.generation) return; // a newer search replaced this one
    const list = Array.isArray(page.recordings) ? page.recordings : [];
    for (const rec of list) this.body.append(this.row(rec));
    this.count += list.length;
    this.cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
    this.more.hidden = !this.cursor;
    this.table.hidden = this.count === 0;
    this.empty.hidden = this.count !== 0;
    const more = this.cursor ? ' (more available)' : '';
    this.say(`${this.count} recording${this.count === 1 ? '' : 's'} shown${more}.`, 'ok');
  }

  row(rec) {
    const tr = el('tr', { 'data-id': rec.id, 'data-test': 'recording-row', 'data-room': rec.room || '', 'data-status': rec.status || '' });
    const names = (rec.participants || []).map((p) => p.name || p.id).filter(Boolean);
    const people = el('td', { class: 'people', title: names.join(', ') }, names.length ? names.join(', ') : '—');
    const actions = el('td', { class: 'actions' });
    const details = testable(button('Details', () => this.toggleDetails(rec, tr, details)), 'recording-details');
    const play = testable(button('Play', () => busy(play, () => this.play(rec))), 'recording-play');
    const download = testable(button('Download', () => busy(download, () => this.download(rec))), 'recording-download');
    const del = testable(button('Delete', () => busy(del, () => this.remove(rec, tr)), 'danger'), 'recording-delete');
    actions.append(details, play, download, del);
    tr.append(
      el('td', { title: rec.started_at || '' }, formatTime(rec.started_at)),
      el('td', {}, rec.room || ''),
      el('td', { 'data-test': 'recording-status' }, statusBadge(rec.status, rec.error)),
      el('td', { class: 'num' }, formatDuration(rec.duration_seconds)),
      el('td', { class: 'num' }, formatBytes(rec.size_bytes)),
      people,
      el('td', { class: 'num' }, String(rec.segment_count ?? '—')),
      actions,
    );
    return tr;
  }

  async toggleDetails(rec, tr, btn) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('details')) {
      next.remove();
      btn.textContent = 'Details';
      return;
    }
    await busy(btn, async () => {
      let manifest;
      try {
        const res = await request('GET', recordingURL(rec.id));
        manifest = await res.json();
      } catch (e) {
        this.say(`Could not load recording ${rec.id}: ${e.message}`, 'error');
        return;
      }
      const cell = el('td', { colspan: columns });
      cell.append(renderDetails(manifest, (name, b) => this.downloadFile(rec.id, name, b)));
      tr.after(el('tr', { class: 'details' }, cell));
      btn.textContent = 'Hide';
    });
  }

  // view reads a recording with its signed playlist_url and download_url.
  async view(rec) {
    try {
      return await (await request('GET', recordingURL(rec.id))).json();
    } catch (e) {
      this.say(`Could not load recording ${rec.id}: ${e.message}`, 'error');
      return null;
    }
  }

  async play(rec) {
    const view = await this.view(rec);
    if (view) this.player.play(view, `${rec.room} — ${formatTime(rec.started_at)}`);
  }

  // download hands the signed download_url to the browser, which saves
  // the MP4 itself as it arrives: nothing is held in this tab.
  async download(rec) {
    const view = await this.view(rec);
    if (!view || !view.download_url) return;
    saveURL(view.download_url, safeFilename(`${rec.room}-${rec.id}`) + '.mp4');
    this.say(`Downloading ${rec.id}.mp4.`, 'ok');
  }

  // downloadFile saves one stored object (a raw track, the playlist).
  async downloadFile(id, name, btn) {
    const url = recordingURL(id, '/files/' + name.split('/').map(encodeURIComponent).join('/'));
    await busy(btn, async () => {
      try {
        const blob = await fetchBlob(url, (r, t) => this.say(progressText(`Downloading ${name}`, r, t)));
        saveBlob(blob, safeFilename(name.split('/').pop()));
        this.say(`Saved ${name} (${formatBytes(blob.size)}).`, 'ok');
      } catch (e) {
        this.say(`Could not download ${name}: ${e.message}`, 'error');
      }
    });
  }

  async remove(rec, tr) {
    if (!confirm(`Delete recording ${rec.id} of room "${rec.room}"? Its files are removed for good.`)) return;
    try {
      await request('DELETE', recordingURL(rec.id));
    } catch (e) {
      // 409 while the recording is still running: the API says so.
      this.say(`Could not delete ${rec.id}: ${e.message}`, 'error');
      return;
    }
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('details')) next.remove();
    tr.remove();
    this.count--;
    this.table.hidden = this.count === 0;
    this.empty.hidden = this.count !== 0;
    this.say(`Deleted recording ${rec.id}.`, 'ok');
  }
}

// statusBadge shows a recording's status; an error, if any, as its title.
export function statusBadge(status, error) {
  const known = ['recording', 'complete', 'interrupted'].includes(status) ? status : 'unknown';
  return el('span', { class: 'badge ' + known, title: error || null }, status || 'unknown');
}
