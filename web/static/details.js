// The manifest summary of one recording (GET /v1/recordings/{id}): formats,
// participants, segments, discontinuities and raw per-participant files.

import { el, button, testable } from './dom.js';
import { formatBytes, formatDuration, formatTime } from './format.js';

const list = (v) => (Array.isArray(v) ? v : []);

// renderDetails builds the summary. download(name, button) saves one
// stored object of the recording with the key.
export function renderDetails(m, download) {
  const segments = list(m.segments);
  const box = el('div', { class: 'manifest' });
  box.append(facts(m, segments));
  if (m.error) box.append(el('p', { class: 'status error' }, m.error));
  box.append(discontinuities(list(m.discontinuities)));
  box.append(rawFiles(list(m.raw), download));
  return box;
}

function facts(m, segments) {
  const dl = el('dl', { class: 'facts' });
  const add = (term, value) => dl.append(el('dt', {}, term), el('dd', {}, value));
  add('ID', m.id || '');
  add('Egress', m.egress_id || '—');
  add('Started', formatTime(m.started_at));
  add('Ended', formatTime(m.ended_at));
  add('Updated', formatTime(m.updated_at));
  add('Duration', formatDuration(m.duration_seconds));
  add('Size', formatBytes(m.size_bytes));
  add('Video', m.video ? `${m.video.codec} ${m.video.width}×${m.video.height}` + (m.video.fps ? ` @ ${m.video.fps} fps` : '') : '—');
  add('Audio', m.audio ? `${m.audio.codec} ${m.audio.sample_rate} Hz, ${m.audio.channels} ch` : '—');
  const segBytes = segments.reduce((n, s) => n + (s.size || 0), 0);
  add('Segments', `${segments.length} (${formatBytes(segBytes)}), ${list(m.inits).length} init`);
  const people = list(m.participants).map((p) => (p.name ? `${p.name} (${p.id})` : p.id));
  add('Participants', people.length ? people.join(', ') : '—');
  return dl;
}

function discontinuities(ds) {
  const section = el('div', {}, el('h3', {}, `Discontinuities (${ds.length})`));
  if (ds.length === 0) {
    section.append(el('p', { class: 'muted small' }, 'None: the recording is continuous.'));
    return section;
  }
  const rows = ds.map((d) => el('tr', {},
    el('td', { class: 'num' }, String(d.sequence ?? '')),
    el('td', {}, formatTime(d.at)),
    el('td', {}, d.reason || '')));
  section.append(el('table', { class: 'compact' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Before segment'), el('th', {}, 'At'), el('th', {}, 'Reason'))),
    el('tbody', {}, ...rows)));
  return section;
}

function rawFiles(raw, download) {
  const section = el('div', {}, el('h3', {}, `Raw files (${raw.length})`));
  if (raw.length === 0) {
    section.append(el('p', { class: 'muted small' }, 'No raw tracks were kept.'));
    return section;
  }
  const rows = raw.map((f) => {
    const b = testable(button('Download', () => download(f.name, b)), 'raw-download');
    return el('tr', {},
      el('td', { class: 'name' }, f.name || ''),
      el('td', {}, f.participant || ''),
      el('td', {}, f.codec || ''),
      el('td', { class: 'num' }, formatDuration(f.duration_seconds)),
      el('td', { class: 'num' }, formatBytes(f.size)),
      el('td', { class: 'actions' }, b));
  });
  section.append(el('table', { class: 'compact' },
    el('thead', {}, el('tr', {}, ...['Name', 'Participant', 'Codec', 'Duration', 'Size', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows)));
  return section;
}
