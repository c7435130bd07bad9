// The room page: /rooms/{room}#token=JOIN_TOKEN[&name=NAME][&autojoin=1[&autoshare=1]],
// or #key=KEY&name=NAME… for the tenant's own staff. A join token (POST
// /v1/rooms/{room}/tokens) opens this room's media endpoints only, and
// names the participant when it was minted with a name; the page never
// needs an API key with one.
// autoshare=1 clicks Share screen once autojoin has joined: for tests (a
// browser that wants a real click refuses it, as it would a cancelled
// picker).
//
// Join publishes the camera and microphone over WHIP (RFC 9725) and opens a
// room subscription that shows every other participant. The subscription
// starts with only a data channel labelled "signal"; the server then sends
// {"type":"offer","sdp","tracks"} on it whenever the room's tracks change and
// the page answers with {"type":"answer","sdp"}.
//
// Share screen publishes a screen, window or tab over a second WHIP session
// with screen=1, which the room marks as a screen share: a participant of
// its own named "<name> (screen)". Stop sharing, or the browser's own stop
// button, ends that session alone.

import { loadKey, saveKey, setStatus } from './api.js';
import { Tiles } from './tiles.js';
import { end, iceGathered, lastSegment, offer } from './whip.js';

const $ = (id) => document.getElementById(id);
const nameItem = 'roomcast.name';
const tokenItem = 'roomcast.token.' + location.pathname;
const media = { audio: true, video: { width: 640, height: 360 } };
const screenMedia = { video: true };
const screenSuffix = ' (screen)';
const maxName = 64; // the server's limit, in code points
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
    this.share = null; // the screen share: {stream, pc, whip, closed}
  }

  async start() {
    this.show('Starting the camera and microphone…');
    this.stream = await navigator.mediaDevices.getUserMedia(media);
    if (this.closed) stopTracks(this.stream);
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
    this.pub = this.sendOnly(this.stream);
    const url = `${endpoint}/whip?name=${encodeURIComponent(this.name)}`;
    const { resource, sdp } = await this.post('Publish', this.pub, url, 5000);
    this.whip = resource;
    this.participant = lastSegment(resource);
    await this.pub.setRemoteDescription({ type: 'answer', sdp });
  }

  // sendOnly is a publishing peer connection that sends every track of
  // stream.
  sendOnly(stream) {
    const pc = new RTCPeerConnection(pcConfig);
    pc.addEventListener('connectionstatechange', () => this.showState());
    for (const track of stream.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    }
    return pc;
  }

  // startShare asks the browser for a screen, window or tab and publishes
  // it over a second WHIP session, with the key of the first and screen=1.
  // The subscription sends the share back like any other participant: its
  // tile is ignored, the local preview shows it instead.
  async startShare() {
    if (this.closed || this.share) return;
    const share = { stream: null, pc: null, whip: null, closed: false };
    this.share = share;
    shareButton('picking');
    try {
      share.stream = await navigator.mediaDevices.getDisplayMedia(screenMedia);
    } catch (e) {
      this.stopShare(share);
      const refused = e.name === 'NotAllowedError';
      this.report(refused ? 'Screen sharing was cancelled or not allowed.' : `Could not share the screen: ${e.message}`,
        refused ? '' : 'error');
      return;
    }
    if (share.closed) { // left the room while the browser's picker was open
      stopTracks(share.stream);
      return;
    }
    shareButton('on');
    this.report('', '');
    // The browser's own "Stop sharing" ends the track.
    for (const t of share.stream.getVideoTracks()) t.addEventListener('ended', () => this.stopShare(share));
    $('local-screen-video').srcObject = share.stream;
    $('local-screen').hidden = false;
    try {
      share.pc = this.sendOnly(share.stream);
      const url = `${endpoint}/whip?screen=1&name=${encodeURIComponent(screenName(this.name))}`;
      const { resource, sdp } = await offer(share.pc, url, this.key, 5000);
      if (share.closed) { // stopped while publishing
        end(resource, this.key);
        return;
      }
      share.whip = resource;
      this.tiles.ignore(lastSegment(resource));
      await share.pc.setRemoteDescription({ type: 'answer', sdp });
      this.showState();
    } catch (e) {
      if (!share.closed) this.report(`Could not share the screen: ${e.message}`);
      this.stopShare(share);
    }
  }

  // stopShare ends a screen share: its tracks (the browser's sharing
  // indicator goes away), its peer connection and its WHIP resource, which
  // it DELETEs. At most once per share.
  stopShare(share = this.share, keepalive = false) {
    if (!share || share.closed) return Promise.resolve();
    share.closed = true;
    if (this.share === share) this.share = null;
    if (share.stream) stopTracks(share.stream);
    if (share.pc) share.pc.close();
    $('local-screen-video').srcObject = null;
    $('local-screen').hidden = true;
    shareButton('off');
    this.showState();
    return share.whip ? end(share.whip, this.key, keepalive) : Promise.resolve();
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
    deletes.push(this.stopShare(this.share, keepalive));
    if (this.signal) this.signal.close();
    for (const pc of [this.sub, this.pub]) if (pc) pc.close();
    if (this.stream) stopTracks(this.stream);
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
    const screen = this.share && this.share.pc ? this.share.pc.connectionState : '';
    const ok = pub === 'connected' && sub === 'connected';
    setStatus(status, `Publishing as ${this.name}: ${pub} · Viewing: ${sub} · ` +
      `${others} other participant${others === 1 ? '' : 's'}` +
      (screen ? ` · Sharing your screen: ${screen}` : ''), ok ? 'ok' : '');
    $('alone').hidden = !ok || others > 0;
    if (pub === 'failed' || sub === 'failed') {
      this.report('The connection to the server failed. Leave and join again.');
    } else if (screen === 'failed') {
      this.report('Screen sharing lost its connection. Stop sharing and share again.');
    }
  }
}

function stopTracks(stream) {
  for (const t of stream.getTracks()) t.stop();
}

// screenName names a screen share after its person, within the server's
// limit on names.
function screenName(name) {
  return [...name].slice(0, maxName - screenSuffix.length).join('') + screenSuffix;
}

// canShare tells whether the browser can capture a screen (desktop
// browsers; not most mobile ones).
function canShare() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
}

// shareButton shows the share state: 'off', 'picking' (the browser's
// picker is open) or 'on'.
function shareButton(state) {
  const b = $('share');
  b.textContent = state === 'on' ? 'Stop sharing' : 'Share screen';
  b.disabled = state === 'picking';
  b.setAttribute('aria-pressed', String(state === 'on'));
}

function toggleShare() {
  const s = session;
  if (!s) return;
  if (s.share) {
    s.stopShare();
  } else {
    s.startShare();
  }
}

async function join(key, name, share = false) {
  if (!joinToken()) saveKey(key);
  sessionStorage.setItem(nameItem, name);
  setStatus($('error'), '');
  $('join-form').hidden = true;
  $('leave').hidden = false;
  const s = new Session(key, name);
  session = s;
  try {
    await s.start();
    $('share').hidden = s.closed || !canShare();
    if (share && !$('share').hidden) s.startShare();
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
  $('share').hidden = true;
  $('alone').hidden = true;
  showForm();
  if (s) {
    setStatus(status, 'Leaving…');
    await s.close();
  }
  setStatus(status, 'Not in the room.');
}

function showForm() {
  const token = joinToken();
  $('key').hidden = !!token;
  $('key').required = !token;
  $('key').value = token ? '' : loadKey();
  $('name').value = sessionStorage.getItem(nameItem) || tokenName(token);
  $('join-form').hidden = false;
}

// joinToken is the join token this page was opened with, if any.
function joinToken() {
  return sessionStorage.getItem(tokenItem) || '';
}

// credential is what the page joins with: its join token, else the key.
function credential() {
  return joinToken() || loadKey();
}

// tokenName is the participant name a join token carries ('' if none).
// The server enforces it; the page only shows it.
function tokenName(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part));
    return typeof claims.name === 'string' ? claims.name : '';
  } catch (e) {
    return '';
  }
}

// fromFragment reads token, key, name, autojoin and autoshare from the URL
// fragment, which never reaches the server, then removes it from the
// address bar.
function fromFragment() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  if (p.get('token')) sessionStorage.setItem(tokenItem, p.get('token'));
  if (p.get('key')) saveKey(p.get('key'));
  if (p.get('name')) sessionStorage.setItem(nameItem, p.get('name'));
  return { autojoin: p.get('autojoin') === '1', autoshare: p.get('autoshare') === '1' };
}

function init() {
  document.title = `${room} · roomcast`;
  $('room-title').textContent = `room ${room}`;
  const { autojoin, autoshare } = fromFragment();
  const key = credential();
  const name = sessionStorage.getItem(nameItem) || tokenName(joinToken());
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join(joinToken() || $('key').value.trim(), $('name').value.trim());
  });
  $('leave').addEventListener('click', leave);
  $('share').addEventListener('click', toggleShare);
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
    join(key, name, autoshare);
  } else {
    showForm();
    setStatus(status, joinToken() ? 'Enter your name, then join.' : 'Enter the API key and your name, then join.');
  }
}

init();
