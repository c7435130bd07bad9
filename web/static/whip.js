// The HTTP offer/answer exchange of WHIP (RFC 9725), used both to publish
// (POST .../whip) and to subscribe (POST .../subscribe), which follows the
// same shape: an application/sdp offer in, 201 Created with the answer and a
// Location naming the session resource, DELETE on that resource to end it.

import { apiFetch, errorOf } from './api.js';

const requestTimeoutMs = 15000;

// iceGathered resolves once ICE gathering completes, or after timeoutMs:
// roomcast does not take trickled candidates, so the offer must carry them.
export function iceGathered(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

// offer sets a local offer on pc, waits for its candidates and POSTs it to
// url. It resolves to {resource, sdp}: the absolute URL of the session
// resource and the answer SDP, which the caller applies. Any status but 201
// rejects with the API's error message.
export async function offer(pc, url, key, gatherTimeoutMs) {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc, gatherTimeoutMs);
  const res = await apiFetch(url, key, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  if (res.status !== 201) throw new Error(await errorOf(res));
  const location = res.headers.get('Location');
  if (!location) throw new Error('the server answered without a Location header');
  // RFC 9725 section 4.2: the Location may be relative to the endpoint URL.
  const resource = new URL(location, new URL(url, document.baseURI)).href;
  return { resource, sdp: await res.text() };
}

// end DELETEs a session resource. With keepalive the request outlives the
// page (pagehide). Failures are ignored: the server also ends sessions whose
// peer connection closes.
export function end(resource, key, keepalive = false) {
  return apiFetch(resource, key, { method: 'DELETE', keepalive }).catch(() => {});
}

// lastSegment is the last path element of a URL: the participant id of a
// WHIP resource.
export function lastSegment(url) {
  const parts = new URL(url).pathname.split('/').filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || '');
}
