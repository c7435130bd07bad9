// The console page: log in with an API key (kept in this tab's
// sessionStorage, never in the URL). A tenant's key shows the rooms and
// their people with join links (rooms.js), the Start form
// (egress-form.js), the running jobs with the live health of their
// targets (jobs.js) and the archive of recordings with its player
// (archive.js), all refreshed without a reload. The operator's admin key
// shows the tenant admin screens (admin.js) instead.

import { loadKey, request, saveKey, setStatus } from './api.js';
import { Admin } from './admin.js';
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
const admin = new Admin(say);

// showSignedIn switches the page between its logged-out view and the
// working view of a key of kind 'tenant' or 'admin' ('' logs out).
function showSignedIn(kind) {
  for (const e of document.querySelectorAll('[data-needs-key]')) e.hidden = !kind;
  for (const e of document.querySelectorAll('[data-tenant]')) e.hidden = kind !== 'tenant';
  $('key-form').hidden = !!kind;
  $('signed-in').hidden = !kind;
  $('login-state').textContent = kind === 'admin' ? 'Logged in with the admin key: tenants only.' : 'Logged in with a key.';
  showAdmin(kind === 'admin');
}

// showAdmin shows the Admin entry and section (the tenant admin screens).
export function showAdmin(enabled) {
  $('nav-admin').hidden = !enabled;
  $('admin').hidden = !enabled;
}

// keyKind checks the saved key: 'tenant' when it lists rooms, 'admin'
// when it is refused there (401) but lists tenants. It rejects with the
// rooms' error when the key is neither.
async function keyKind() {
  try {
    await request('GET', '/v1/rooms');
    return 'tenant';
  } catch (e) {
    if (e.status !== 401) throw e;
    try {
      await request('GET', '/v1/tenants');
    } catch {
      throw e; // neither: the rooms' refusal says why
    }
    return 'admin';
  }
}

function begin(kind) {
  showSignedIn(kind);
  if (kind === 'admin') {
    admin.start();
    return;
  }
  rooms.start();
  jobs.start();
  archive.search();
}

// logIn checks the saved key before showing anything; on failure it
// forgets the key.
async function logIn(fresh) {
  let kind;
  try {
    kind = await keyKind();
  } catch (e) {
    saveKey('');
    showSignedIn('');
    say(`Could not log in: ${e.message}`, 'error');
    return;
  }
  if (fresh) {
    $('key').value = '';
    say(kind === 'admin' ? 'Logged in with the admin key.' : 'Logged in.', 'ok');
  }
  begin(kind);
}

function logOut() {
  saveKey('');
  rooms.clear();
  jobs.clear();
  archive.clear();
  admin.clear();
  showSignedIn('');
  say('Logged out: the key is forgotten.');
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('key').value.trim();
  if (!key) return;
  saveKey(key);
  logIn(true);
});
$('logout').addEventListener('click', logOut);

showSignedIn('');
if (loadKey()) {
  logIn(false);
} else {
  say('Paste an API key to log in.');
}
