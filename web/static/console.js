// The console page: log in with an API key (kept in this tab's
// sessionStorage, never in the URL), then the rooms and their people
// (rooms.js), the Start form (egress-form.js), the running jobs with the
// live health of their targets (jobs.js) and the archive of recordings with
// its player (archive.js), all refreshed without a reload.

import { loadKey, request, saveKey, setStatus } from './api.js';
import { Archive } from './archive.js';
import { EgressForm } from './egress-form.js';
import { Jobs } from './jobs.js';
import { Rooms } from './rooms.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const say = (text, kind) => setStatus(status, text, kind);

const archive = new Archive();
const jobs = new Jobs(say, () => archive.search());
const form = new EgressForm(say, () => jobs.now());
const rooms = new Rooms(say, (room) => form.prefill(room));
rooms.onChange((names) => form.setRooms(names));

// showSignedIn switches the page between its logged-out and working views.
function showSignedIn(on) {
  for (const e of document.querySelectorAll('[data-needs-key]')) e.hidden = !on;
  $('key-form').hidden = on;
  $('signed-in').hidden = !on;
}

// showAdmin shows the Admin entry and section. The tenant admin screens
// (a later change) call it once they know the key is an admin's.
export function showAdmin(enabled) {
  $('nav-admin').hidden = !enabled;
  $('admin').hidden = !enabled;
}

function begin() {
  showSignedIn(true);
  rooms.start();
  jobs.start();
  archive.search();
}

async function logIn(key) {
  saveKey(key);
  try {
    await request('GET', '/v1/rooms'); // checks the key before showing anything
  } catch (e) {
    saveKey('');
    say(`Could not log in: ${e.message}`, 'error');
    return;
  }
  $('key').value = '';
  say('Logged in.', 'ok');
  begin();
}

function logOut() {
  saveKey('');
  rooms.clear();
  jobs.clear();
  archive.clear();
  showAdmin(false);
  showSignedIn(false);
  say('Logged out: the key is forgotten.');
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('key').value.trim();
  if (key) logIn(key);
});
$('logout').addEventListener('click', logOut);

showAdmin(false);
if (loadKey()) {
  begin();
} else {
  showSignedIn(false);
  say('Paste an API key to log in.');
}
