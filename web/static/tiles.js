// Tiles shows one <video> per remote participant. The server puts all the
// tracks of a participant in one stream whose id is the participant id, and
// names participants in the track list of each renegotiation offer.

export class Tiles {
  constructor(container, onBlocked) {
    this.container = container;
    this.onBlocked = onBlocked; // called when the browser refuses sound
    this.tiles = new Map(); // participant id → {figure, video, caption, stream}
    this.tracks = [];
    this.ignored = new Set(); // participant ids never shown
  }

  // ignore hides a participant for good: the page's own screen share,
  // which the subscription sends back like any other participant.
  ignore(id) {
    this.ignored.add(id);
    this.remove(id);
  }

  get size() {
    return this.tiles.size;
  }

  // addTrack handles a 'track' event of the subscription.
  addTrack(event) {
    const stream = event.streams[0];
    const id = stream ? stream.id : this.participantOfTrack(event.track.id);
    if (this.ignored.has(id)) return;
    const tile = this.tiles.get(id) || this.create(id, stream);
    if (!stream && !tile.stream.getTrackById(event.track.id)) {
      tile.stream.addTrack(event.track);
    }
    this.label(id, tile);
    this.play(tile);
  }

  // sync applies the track list of the latest offer: it renames tiles and
  // removes those of participants that have no track any more.
  sync(tracks) {
    this.tracks = tracks;
    const present = new Set(tracks.map((t) => t.participant_id));
    for (const [id, tile] of this.tiles) {
      if (present.has(id)) {
        this.label(id, tile);
      } else {
        this.remove(id);
      }
    }
  }

  clear() {
    for (const id of [...this.tiles.keys()]) this.remove(id);
    this.tracks = [];
  }

  participantOfTrack(trackId) {
    const t = this.tracks.find((x) => x.id === trackId);
    return t ? t.participant_id : 'unknown';
  }

  create(id, stream) {
    const figure = document.createElement('figure');
    figure.className = 'tile';
    figure.dataset.participant = id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement('figcaption');
    figure.append(video, caption);
    figure.addEventListener('click', () => {
      video.muted = false;
      figure.classList.remove('muted');
    });
    const tile = { figure, video, caption, stream: stream || new MediaStream() };
    video.srcObject = tile.stream;
    this.container.append(figure);
    this.tiles.set(id, tile);
    return tile;
  }

  label(id, tile) {
    const t = this.tracks.find((x) => x.participant_id === id);
    tile.caption.textContent = t && t.participant_name ? t.participant_name : id;
  }

  play(tile) {
    tile.video.play().catch(() => {
      // Autoplay with sound needs a user gesture: play muted until a click.
      tile.video.muted = true;
      tile.figure.classList.add('muted');
      tile.video.play().catch(() => {});
      this.onBlocked();
    });
  }

  remove(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.figure.remove();
    this.tiles.delete(id);
  }
}
