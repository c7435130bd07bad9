// The console's room list (GET /v1/rooms as {"rooms": [...]}), refreshed
// in place every 2 s: one row per room, kept across refreshes, with its
// participants, a Start link into the egress form, the room page, a Join
// link (join-link.js) and Delete. Creating and deleting rooms live here too.

import { request } from './api.js';
import { el, button, busy, syncKeyed, testable } from './dom.js';
import { JoinLink } from './join-link.js';
import { Poller } from './poll.js';

const $ = (id) => document.getElementById(id);

export class Rooms {
  // say(text, kind) shows a status message; onStart(room) prefills the
  // egress form for a room.
  constructor(say, onStart) {
    this.say = say;
    this.onStart = onStart;
    this.table = $('rooms');
    this.body = this.table.tBodies[0];
    this.empty = $('empty');
    this.rows = new Map(); // room name → { root: <tr>, people }
    this.names = []; // sorted, as last listed
    this.lastError = '';
    this.listeners = new Set(); // called with the names after each refresh
    this.poller = new Poller(() => this.refresh());
    $('create-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const name = $('room-name').value.trim();
      if (name) busy($('room-create'), () => this.create(name));
    });
    $('refresh').addEventListener('click', () => this.poller.now());
  }

  start() {
    return this.poller.start();
  }

  // clear stops refreshing and forgets the rows, when the key is forgotten.
  clear() {
    this.poller.stop();
    this.show([]);
  }

  // onChange(fn) calls fn(names) after every refresh.
  onChange(fn) {
    this.listeners.add(fn);
  }

  async refresh() {
    let body;
    try {
      body = await (await request('GET', '/v1/rooms')).json();
    } catch (e) {
      this.report(`Could not list rooms: ${e.message}`);
      return;
    }
    this.lastError = '';
    this.show(roomsOf(body).sort((a, b) => a.name.localeCompare(b.name)));
  }

  // report shows an error once, not on every refresh.
  report(text) {
    if (text !== this.lastError) this.say(text, 'error');
    this.lastError = text;
  }

  show(rooms) {
    syncKeyed(this.body, this.rows, rooms, (r) => r.name, (r) => this.row(r.name),
      (row, r) => row.people.replaceChildren(...participants(r)));
    this.names = rooms.map((r) => r.name);
    this.table.hidden = rooms.length === 0;
    this.empty.hidden = rooms.length !== 0;
    for (const fn of this.listeners) fn(this.names);
  }

  row(name) {
    const href = '/rooms/' + encodeURIComponent(name);
    const people = el('td', { class: 'people', 'data-test': 'room-participants' });
    const start = testable(button('Start…', () => this.onStart(name)), 'room-start');
    const join = el('a', { href, class: 'button', 'data-test': 'room-join', title: 'Open the room page' }, 'Join');
    const del = testable(button('Delete', () => busy(del, () => this.remove(name)), 'danger'), 'room-delete');
    const link = joinLinkSlot(name);
    new JoinLink(link, name, this.say); // fills the slot
    const root = el('tr', { 'data-test': 'room-row', 'data-room': name },
      el('td', {}, el('a', { href, title: 'Join ' + name, 'data-test': 'room-link' }, name)),
      people,
      el('td', { class: 'actions' }, start, join, link, del));
    return { root, people };
  }

  async create(name) {
    try {
      await request('POST', '/v1/rooms', { name });
    } catch (e) {
      this.say(`Could not create room ${name}: ${e.message}`, 'error');
      return;
    }
    $('room-name').value = '';
    this.say(`Created room ${name}.`, 'ok');
    await this.poller.now();
  }

  async remove(name) {
    if (!confirm(`Delete room "${name}"? Everyone in it is disconnected.`)) return;
    try {
      await request('DELETE', '/v1/rooms/' + encodeURIComponent(name));
    } catch (e) {
      this.say(`Could not delete room ${name}: ${e.message}`, 'error');
      return;
    }
    this.say(`Deleted room ${name}.`, 'ok');
    await this.poller.now();
  }
}

// joinLinkSlot is the place of a room's "Join link" button, which
// join-link.js fills: POST /v1/rooms/{room}/tokens answers
// {"token", "expires_at"}, and the link to hand out is
// /rooms/<room>#token=<token> (a fragment, so the token stays out of logs).
export function joinLinkSlot(room) {
  return el('span', { class: 'slot', 'data-slot': 'join-link', 'data-room': room, 'data-test': 'room-join-link-slot' });
}

export function roomsOf(body) {
  const list = Array.isArray(body) ? body : (body && body.rooms) || [];
  return list.map((r) => (typeof r === 'string' ? { name: r } : r)).filter((r) => r && typeof r.name === 'string');
}

// participants lists a room's people by name, with their count.
function participants(room) {
  const list = Array.isArray(room.participants) ? room.participants : [];
  if (list.length === 0) return [el('span', { class: 'muted' }, '0')];
  const names = list.map((p) => p.name || p.id || '?');
  return [el('span', { class: 'count' }, String(list.length)), ' ', el('span', { class: 'small muted', title: names.join(', ') }, names.join(', '))];
}
