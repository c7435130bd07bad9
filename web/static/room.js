// The room page: /rooms/{room}#key=KEY&name=NAME[&autojoin=1].
//
// Join publishes the camera and microphone over WHIP (RFC 9725) and opens a
// room subscription that shows every other participant. The subscription
// starts with only a data channel labelled "signal"; the server then sends
// {"type":"offer","sdp","tracks"} on it whenever the room's tracks change and
// the page answers with {"type":"answer","sdp"}.

import { loadKey, saveKey, setStatus } from './api.js';
import { Tiles } from './tiles.js';
import { end, iceGathered, lastSegment, offer } from './whip.js';

const $ = (id) => document.getElementById(id);
const nameItem = 'roomcast.name';
const media = { audio: true, video: { width: 640, height: 360 } };
const pcConfig = { bundlePolicy: 'max-bundle' };

const room = roomFromPath(location.pathname);
const endpoint = '/v1/rooms/' + encodeURIComponent(room);
const status = $('status');
let session = null;

function roomFromPath(pathname) {
  const raw = pathname.replace(/^\/rooms\//, '').replace(/\/$/, '');
  try {
    return decodeURIComponent(raw);
  } catch (e) {
    return raw;
  }
}

// Session is one join: the publishing and the subscribing peer connections
// and their server resources. close() ends all of it, at most once.
class Session {
  constructor(key, name) {
    this.key = key;
    this.name = name;
    this.closed = false;
    this.tiles = new Tiles($('tiles'), () => this.report('Sound is off until you click a tile.', ''));
    this.signals = Promise.resolve(); // renegotiations run one at a time
  }

  async start() {
    this.show('Starting the camera and microphone…');
    this.stream = await navigator.mediaDevices.getUserMedia(media);
    if (this.closed) for (const t of this.stream.getTracks()) t.stop();
    this.check();
    $('local-video').srcObject = this.stream;
    $('local').hidden = false;
    this.show('Publishing…');
    await this.publish();
    this.show('Connecting to the room…');
    await this.subscribe();
    this.showState();
  }

  async publish() {
    const pc = new RTCPeerConnection(pcConfig);
    this.pub = pc;
    pc.addEventListener('connectionstatechange', () => this.showState());
    for (const track of this.stream.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [this.stream] });
    }
    const url = `${endpoint}/whip?name=${encodeURIComponent(this.name)}`;
    const { resource, sdp } = await this.post('Publish', pc, url, 5000);
    this.whip = resource;
    this.participant = lastSegment(resource);
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }

  async subscribe() {
    const pc = new RTCPeerConnection(pcConfig);
    this.sub = pc;
    pc.addEventListener('connectionstatechange', () => this.showState());
    pc.addEventListener('track', (e) => {
      this.tiles.addTrack(e);
      this.showState();
    });
    this.signal = pc.createDataChannel('signal');
    this.signal.binaryType = 'arraybuffer'; // a server may send JSON as binary
    this.signal.addEventListener('message', (e) => {
      this.signals = this.signals.then(() => this.renegotiate(e.data));
    });
    const q = new URLSearchParams({ name: this.name + '-view', exclude: this.participant });
    const { resource, sdp } = await this.post('Subscribe', pc, `${endpoint}/subscribe?${q}`, 5000);
    this.subscription = resource;
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }

  // post runs the offer exchange. A resource created after close() (the
  // user left meanwhile) is deleted at once.
  async post(what, pc, url, gatherMs) {
    let answer;
    try {
      answer = await offer(pc, url, this.key, gatherMs);
    } catch (e) {
      this.check();
      throw new Error(`${what} failed: ${e.message}`);
    }
    if (this.closed) {
      end(answer.resource, this.key);
      this.check();
    }
    return answer;
  }

  // renegotiate answers one server offer from the signal channel.
  async renegotiate(data) {
    if (this.closed) return;
    let msg;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
    } catch (e) {
      this.report('Ignored a malformed signal message.');
      return;
    }
    if (msg.type !== 'offer') return;
    try {
      this.tiles.sync(Array.isArray(msg.tracks) ? msg.tracks : []);
      await this.sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await this.sub.setLocalDescription(await this.sub.createAnswer());
      await iceGathered(this.sub, 1000);
      this.signal.send(JSON.stringify({ type: 'answer', sdp: this.sub.localDescription.sdp }));
      this.showState();
    } catch (e) {
      if (!this.closed) this.report(`Renegotiation failed: ${e.message}`);
    }
  }

  // close deletes the server resources and closes everything. keepalive
  // lets the DELETEs outlive the page.
  close(keepalive = false) {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const deletes = [this.whip, this.subscription].filter(Boolean).map((r) => end(r, this.key, keepalive));
    if (this.signal) this.signal.close();
    for (const pc of [this.sub, this.pub]) if (pc) pc.close();
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.tiles.clear();
    $('local-video').srcObject = null;
    $('local').hidden = true;
    return Promise.all(deletes);
  }

  check() {
    if (this.closed) throw new Error('left the room');
  }

  show(text) {
    if (!this.closed) setStatus(status, text);
  }

  report(text, kind = 'error') {
    if (!this.closed) setStatus($('error'), text, kind);
  }

  // showState writes the status line. test/e2e/browser_test.go waits for
  // its "N other participant(s)" part in the browser console.
  showState() {
    if (this.closed || !this.pub) return;
    const pub = this.pub.connectionState;
    const sub = this.sub ? this.sub.connectionState : 'not started';
    const others = this.tiles.size;
    const ok = pub === 'connected' && sub === 'connected';
    setStatus(status, `Publishing as ${this.name}: ${pub} · Viewing: ${sub} · ` +
      `${others} other participant${others === 1 ? '' : 's'}`, ok ? 'ok' : '');
    $('alone').hidden = !ok || others > 0;
    if (pub === 'failed' || sub === 'failed') {
      this.report('The connection to the server failed. Leave and join again.');
    }
  }
}

async function join(key, name) {
  saveKey(key);
  sessionStorage.setItem(nameItem, name);
  setStatus($('error'), '');
  $('join-form').hidden = true;
  $('leave').hidden = false;
  const s = new Session(key, name);
  session = s;
  try {
    await s.start();
  } catch (e) {
    if (s.closed) return;
    setStatus($('error'), `Could not join: ${e.message}`, 'error');
    await leave();
  }
}

async function leave() {
  const s = session;
  session = null;
  $('leave').hidden = true;
  $('alone').hidden = true;
  showForm();
  if (s) {
    setStatus(status, 'Leaving…');
    await s.close();
  }
  setStatus(status, 'Not in the room.');
}

function showForm() {
  $('key').value = loadKey();
  $('name').value = sessionStorage.getItem(nameItem) || '';
  $('join-form').hidden = false;
}

// fromFragment reads key, name and autojoin from the URL fragment, which
// never reaches the server, then removes it from the address bar.
function fromFragment() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  if (p.get('key')) saveKey(p.get('key'));
  if (p.get('name')) sessionStorage.setItem(nameItem, p.get('name'));
  return p.get('autojoin') === '1';
}

function init() {
  document.title = `${room} · roomcast`;
  $('room-title').textContent = `room ${room}`;
  const autojoin = fromFragment();
  const key = loadKey();
  const name = sessionStorage.getItem(nameItem) || '';
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join($('key').value.trim(), $('name').value.trim());
  });
  $('leave').addEventListener('click', leave);
  window.addEventListener('pagehide', () => {
    if (session) session.close(true);
    session = null;
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted && !session) leave(); // back from the bfcache
  });
  if (!window.RTCPeerConnection || !navigator.mediaDevices) {
    setStatus($('error'), 'This browser does not support WebRTC (or the page is not served over HTTPS).', 'error');
    return;
  }
  if (autojoin && key && name) {
    join(key, name);
  } else {
    showForm();
    setStatus(status, 'Enter the API key and your name, then join.');
  }
}

init();
