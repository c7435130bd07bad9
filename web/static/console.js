// The console page: keep an API key, list, create and delete rooms, link
// to each room page, record rooms (recorder.js) and browse the archive of
// recordings (archive.js). Rooms come from GET /v1/rooms as {"rooms": [...]}.

import { apiFetch, errorOf, loadKey, saveKey, setStatus } from './api.js';
import { Archive } from './archive.js';
import { Recorder } from './recorder.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const recorder = new Recorder((text, kind) => setStatus(status, text, kind));
const archive = new Archive();

function roomsOf(body) {
  const list = Array.isArray(body) ? body : (body && body.rooms) || [];
  return list.map((r) => (typeof r === 'string' ? { name: r } : r));
}

function participantCount(room) {
  if (Array.isArray(room.participants)) return room.participants.length;
  return typeof room.participants === 'number' ? room.participants : 0;
}

function roomRow(room) {
  const tr = document.createElement('tr');
  const name = document.createElement('td');
  const link = document.createElement('a');
  link.href = '/rooms/' + encodeURIComponent(room.name);
  link.textContent = room.name;
  link.title = 'Join ' + room.name;
  name.append(link);
  const count = document.createElement('td');
  count.textContent = String(participantCount(room));
  const actions = document.createElement('td');
  actions.className = 'actions';
  const join = document.createElement('a');
  join.href = link.href;
  join.className = 'button';
  join.textContent = 'Join';
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'danger';
  del.textContent = 'Delete';
  del.addEventListener('click', () => deleteRoom(room.name));
  const record = recorder.cells(room.name);
  actions.append(record.button, join, del);
  tr.append(name, count, record.state, actions);
  return tr;
}

function showRooms(rooms) {
  const body = $('rooms').tBodies[0];
  recorder.reset();
  body.replaceChildren(...rooms.map(roomRow));
  $('rooms').hidden = rooms.length === 0;
  $('empty').hidden = rooms.length !== 0;
}

// call sends one API request; what names it in error messages.
async function call(what, method, url, body) {
  const key = loadKey();
  if (!key) {
    setStatus(status, 'Paste an API key first.', 'error');
    return null;
  }
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  try {
    const res = await apiFetch(url, key, init);
    if (!res.ok) {
      setStatus(status, `${what}: ${await errorOf(res)}`, 'error');
      return null;
    }
    return res;
  } catch (e) {
    setStatus(status, `${what}: ${e.message}`, 'error');
    return null;
  }
}

async function refresh() {
  const res = await call('Could not list rooms', 'GET', '/v1/rooms');
  if (!res) {
    showRooms([]);
    return;
  }
  const rooms = roomsOf(await res.json()).sort((a, b) => a.name.localeCompare(b.name));
  showRooms(rooms);
  setStatus(status, `${rooms.length} room${rooms.length === 1 ? '' : 's'}.`, 'ok');
}

async function createRoom(name) {
  if (await call(`Could not create room ${name}`, 'POST', '/v1/rooms', { name })) {
    $('room-name').value = '';
    setStatus(status, `Created room ${name}.`, 'ok');
    await refresh();
  }
}

async function deleteRoom(name) {
  if (!confirm(`Delete room "${name}"? Everyone in it is disconnected.`)) return;
  if (await call(`Could not delete room ${name}`, 'DELETE', '/v1/rooms/' + encodeURIComponent(name))) {
    setStatus(status, `Deleted room ${name}.`, 'ok');
    await refresh();
  }
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  saveKey($('key').value.trim());
  refresh();
  archive.search();
});
$('forget').addEventListener('click', () => {
  saveKey('');
  $('key').value = '';
  showRooms([]);
  archive.clear();
  setStatus(status, 'Key forgotten.');
});
$('refresh').addEventListener('click', refresh);
$('create-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('room-name').value.trim();
  if (name) createRoom(name);
});

$('key').value = loadKey();
recorder.start();
if (loadKey()) {
  refresh();
  archive.search();
} else {
  setStatus(status, 'Paste an API key to list rooms.');
}
