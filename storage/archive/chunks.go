package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
)

// ChunkSegments is how many segments one index chunk holds. A stored
// manifest.json is a head that names its sealed chunks and lists only
// the segments after them (fewer than ChunkSegments), so rewriting it
// after every segment costs a bounded size: what a recording uploads
// grows with its length, not with its square.
const ChunkSegments = 100

// A sealed index chunk is an immutable object of ChunkSegments segments
// named after its content, "index-{n:05}-{16 hex digits of its
// SHA-256}.json": it is written once, and a chunk that a merge changed
// gets a new name. The head names its chunks in order.
var chunkNameRe = regexp.MustCompile(`^index-[0-9]{5,9}-([0-9a-f]{16})\.json$`)

// chunkBody is the content of a chunk object.
type chunkBody struct {
	Version  int       `json:"version"`
	ID       string    `json:"id"`
	Segments []Segment `json:"segments"`
}

// head is the stored manifest.json of a chunked manifest: the manifest
// with only its unsealed segments, and its chunks.
type head struct {
	Manifest
	Chunks []string `json:"chunks,omitempty"`
}

// marshalChunk encodes segs, the n-th chunk of recording id, and names it.
func marshalChunk(id string, n int, segs []Segment) (string, []byte, error) {
	b, err := json.Marshal(chunkBody{Version: ManifestVersion, ID: id, Segments: segs})
	if err != nil {
		return "", nil, fmt.Errorf("manifest %s: chunk %d: %w", id, n, err)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	return fmt.Sprintf("index-%05d-%s.json", n, hex.EncodeToString(sum[:8])), b, nil
}

// parseChunk decodes and checks the chunk object name of recording id.
func parseChunk(id, name string, b []byte) ([]Segment, error) {
	sum := sha256.Sum256(b)
	if m := chunkNameRe.FindStringSubmatch(name); m == nil || m[1] != hex.EncodeToString(sum[:8]) {
		return nil, fmt.Errorf("%w: chunk %s does not match its name's hash", ErrBadManifest, name)
	}
	var body chunkBody
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("%w: chunk %s: %w", ErrBadManifest, name, err)
	}
	if body.ID != id || len(body.Segments) != ChunkSegments {
		return nil, fmt.Errorf("%w: chunk %s: of %q with %d segments, want %q with %d",
			ErrBadManifest, name, body.ID, len(body.Segments), id, ChunkSegments)
	}
	if err := checkSegments(body.Segments); err != nil {
		return nil, fmt.Errorf("%w: chunk %s: %w", ErrBadManifest, name, err)
	}
	return body.Segments, nil
}

// parseHead decodes and checks a stored manifest.json: a whole manifest,
// or the head of a chunked one, whose Segments are then only those after
// its chunks.
func parseHead(b []byte) (*Manifest, []string, error) {
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	m := &h.Manifest
	if err := m.check(); err != nil {
		return nil, nil, fmt.Errorf("%w %q: %w", ErrBadManifest, m.ID, err)
	}
	if len(h.Chunks) > 0 && m.Version < 2 {
		return nil, nil, fmt.Errorf("%w %q: chunks in a version %d manifest", ErrBadManifest, m.ID, m.Version)
	}
	for _, c := range h.Chunks {
		if !chunkNameRe.MatchString(c) {
			return nil, nil, fmt.Errorf("%w %q: bad chunk name %q", ErrBadManifest, m.ID, c)
		}
	}
	return m, h.Chunks, nil
}

// assemble puts the segments of the chunks (in order) before the head's.
func (m *Manifest) assemble(chunks []string, segs [][]Segment) {
	n := len(m.Segments)
	for _, s := range segs {
		n += len(s)
	}
	all := make([]Segment, 0, n)
	for _, s := range segs {
		all = append(all, s...)
	}
	m.Segments = append(all, m.Segments...)
	m.stored = map[string]bool{}
	for _, c := range chunks {
		m.stored[c] = true
	}
}

// ErrChunked is returned by ParseManifest for the head of a chunked
// manifest, which only a Catalog (that reads its chunks) can complete.
var ErrChunked = errors.New("manifest is chunked: read it through the catalog")

// IndexWriter writes a manifest as a head and sealed chunks (see
// ChunkSegments): each chunk once, the head every time. It remembers the
// chunks it wrote, so a recorder rewriting its manifest after every
// segment writes each chunk once; a merge that changes sealed segments
// (MergeOrphans, MergeFill) makes it check them all again, and write
// those whose content changed under their new names.
type IndexWriter struct {
	edits   uint64
	sealed  []string        // chunk n as last written or found stored
	written map[string]bool // chunk names written or stored
}

// Write hands m's new chunks, then its head, to put (by name inside the
// recording). A chunk put refuses is written again by the next Write.
func (w *IndexWriter) Write(m *Manifest, put func(name string, data []byte) error) error {
	full := len(m.Segments) / ChunkSegments
	if w.written == nil || w.edits != m.edits || len(w.sealed) > full {
		w.sealed, w.edits = nil, m.edits
		if w.written == nil {
			w.written = map[string]bool{}
		}
	}
	for name := range m.stored {
		w.written[name] = true
	}
	for n := len(w.sealed); n < full; n++ {
		name, b, err := marshalChunk(m.ID, n, m.Segments[n*ChunkSegments:(n+1)*ChunkSegments])
		if err != nil {
			return err
		}
		if !w.written[name] {
			if err := put(name, b); err != nil {
				return fmt.Errorf("manifest %s: chunk %s: %w", m.ID, name, err)
			}
			w.written[name] = true
		}
		w.sealed = append(w.sealed, name)
	}
	h := head{Manifest: *m, Chunks: w.sealed[:full]}
	h.Version = ManifestVersion
	h.Segments = m.Segments[full*ChunkSegments:]
	b, err := json.Marshal(&h)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.ID, err)
	}
	return put(ManifestName, append(b, '\n'))
}
