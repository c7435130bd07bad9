// The archive's player streams a recording: its signed playlist_url with
// hls.js (or the browser's own HLS where it has it), else its signed
// download_url, one MP4 that the <video> element range-reads. Either way
// playback starts after the first segments, not after the whole file, and
// neither link needs the API key (GET /v1/recordings/{id} signs them).

import Hls from './vendor/hls.light.min.mjs';

const $ = (id) => document.getElementById(id);
const hlsType = 'application/vnd.apple.mpegurl';

export class Player {
  // say(text, kind) reports status.
  constructor(say) {
    this.say = say;
    this.panel = $('player');
    this.title = $('player-title');
    this.video = $('player-video');
    this.source = $('player-source');
    this.download = $('player-download');
    this.hls = null;
    this.view = null; // the recording playing: {id, playlist_url, download_url}
    $('player-close').addEventListener('click', () => this.close());
    this.video.addEventListener('error', () => this.onMediaError());
  }

  // play shows view (GET /v1/recordings/{id}) under title.
  play(view, title) {
    this.close();
    this.view = view;
    this.title.textContent = title;
    this.download.href = view.download_url;
    this.download.setAttribute('download', `${view.id}.mp4`);
    this.panel.hidden = false;
    if (Hls.isSupported()) {
      this.playHLS(view);
    } else if (this.video.canPlayType(hlsType)) {
      this.setSource('native', view.playlist_url);
    } else {
      this.setSource('mp4', view.download_url);
    }
    this.panel.scrollIntoView({ block: 'nearest' });
    this.video.play().catch(() => {}); // autoplay may be refused; the controls remain
    this.say(`Playing ${title} (${this.video.dataset.source === 'mp4' ? 'MP4' : 'HLS'}).`, 'ok');
  }

  playHLS(view) {
    // No worker: the page's Content-Security-Policy allows no blob: script.
    const hls = new Hls({ enableWorker: false });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal || this.hls !== hls) return;
      console.error('roomcast: hls.js:', data.type, data.details);
      this.fallBack(`HLS failed (${data.details})`);
    });
    this.video.dataset.source = 'hls';
    this.source.textContent = 'Streaming the HLS playlist.';
    hls.loadSource(view.playlist_url);
    hls.attachMedia(this.video);
  }

  setSource(kind, url) {
    this.video.dataset.source = kind;
    this.source.textContent = kind === 'mp4' ? 'Streaming the MP4 (range requests).' : 'Streaming the HLS playlist.';
    this.video.src = url;
  }

  // fallBack plays the MP4 when the playlist cannot be played.
  fallBack(why) {
    const view = this.view;
    if (!view || this.video.dataset.source === 'mp4') return;
    this.destroyHLS();
    this.say(`${why}; playing the MP4 instead.`);
    this.setSource('mp4', view.download_url);
    this.video.play().catch(() => {});
  }

  onMediaError() {
    if (!this.view) return; // the source was removed on close
    if (this.video.dataset.source === 'native') {
      this.fallBack('HLS failed');
      return;
    }
    if (this.video.dataset.source === 'hls') return; // hls.js reports it
    const code = this.video.error ? this.video.error.code : 0;
    this.say(`This browser cannot play the recording (media error ${code}); download it instead.`, 'error');
  }

  destroyHLS() {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
  }

  // close stops playback and detaches the stream.
  close() {
    this.view = null;
    this.destroyHLS();
    this.video.pause();
    this.video.removeAttribute('src');
    delete this.video.dataset.source;
    this.video.load();
    this.panel.hidden = true;
  }
}
