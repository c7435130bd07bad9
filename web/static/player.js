// The archive's player. Chromium cannot play HLS (index.m3u8) natively, so
// a recording is played from its one-MP4 download, fetched with the key
// into a Blob: the whole file loads before playback starts.

import { fetchBlob } from './blob.js';
import { formatBytes } from './format.js';

const $ = (id) => document.getElementById(id);

export class Player {
  // say(text, kind) reports status; progress(received, total) shows a
  // download's progress and progress(-1) hides it.
  constructor(say, progress) {
    this.say = say;
    this.progress = progress;
    this.panel = $('player');
    this.title = $('player-title');
    this.video = $('player-video');
    this.url = '';
    this.loading = null; // AbortController of the load in flight
    $('player-close').addEventListener('click', () => this.close());
    this.video.addEventListener('error', () => {
      if (!this.url) return; // the source was removed on close
      const code = this.video.error ? this.video.error.code : 0;
      this.say(`This browser cannot play the recording (media error ${code}); download it instead.`, 'error');
    });
  }

  async play(downloadURL, title) {
    this.close();
    const loading = new AbortController();
    this.loading = loading;
    try {
      const blob = await fetchBlob(downloadURL, (r, t) => {
        this.progress(r, t);
        const of = t > 0 ? ` of ${formatBytes(t)}` : '';
        this.say(`Loading the whole recording to play it: ${formatBytes(r)}${of}`);
      }, loading.signal);
      if (this.loading !== loading) return; // closed or replaced meanwhile
      this.url = URL.createObjectURL(blob);
      this.title.textContent = title;
      this.video.src = this.url;
      this.panel.hidden = false;
      this.panel.scrollIntoView({ block: 'nearest' });
      this.say(`Playing ${title} (${formatBytes(blob.size)}).`, 'ok');
      await this.video.play().catch(() => {}); // autoplay may be refused; controls remain
    } catch (e) {
      if (loading.signal.aborted) return;
      this.say(`Could not play: ${e.message}`, 'error');
    } finally {
      if (this.loading === loading) this.loading = null;
      this.progress(-1, 0);
    }
  }

  // close stops playback, aborts a load and frees the Blob.
  close() {
    if (this.loading) {
      this.loading.abort();
      this.loading = null;
    }
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    if (this.url) {
      URL.revokeObjectURL(this.url);
      this.url = '';
    }
    this.panel.hidden = true;
  }
}
