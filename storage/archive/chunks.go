package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// ChunkSegments is how many segments one index chunk holds. A stored
// manifest.json is a head that names its sealed chunks and lists only
// the segments after them (fewer than ChunkSegments), so rewriting it
// after every segment costs a bounded size: what a recording uploads
// grows with its length, not with its square.
const ChunkSegments = 100

// A sealed index chunk is an immutable object of ChunkSegments entries
// named after its content: "index-{n:05}-{16 hex digits of its SHA-256}
// .json" for segments, "rawindex-…" for raw track parts (a recording with
// raw tracks lists one per track per minute, so that list must not be
// rewritten whole either). It is written once, and a chunk that a merge or
// an eviction changed gets a new name. The head names its chunks in order.
var chunkNameRe = regexp.MustCompile(`^(index|rawindex)-[0-9]{5,9}-([0-9a-f]{16})\.json$`)

// Chunk kinds: the name prefix of each list's chunks.
const (
	segmentChunk = "index"
	rawChunk     = "rawindex"
)

// chunkBody is the content of a chunk object: segments or raw parts.
type chunkBody struct {
	Version  int       `json:"version"`
	ID       string    `json:"id"`
	Segments []Segment `json:"segments,omitempty"`
	Raw      []RawFile `json:"raw,omitempty"`
}

// head is the stored manifest.json of a chunked manifest: the manifest
// with only its unsealed segments and raw parts, and its chunks.
type head struct {
	Manifest
	Chunks    []string `json:"chunks,omitempty"`
	RawChunks []string `json:"raw_chunks,omitempty"`
}

// marshalChunk encodes segs, the n-th chunk of recording id, and names it.
func marshalChunk(id string, n int, segs []Segment) (string, []byte, error) {
	return marshalBody(segmentChunk, n, chunkBody{Version: ManifestVersion, ID: id, Segments: segs})
}

// marshalRawChunk encodes raw, the n-th raw chunk of recording id, and
// names it.
func marshalRawChunk(id string, n int, raw []RawFile) (string, []byte, error) {
	return marshalBody(rawChunk, n, chunkBody{Version: ManifestVersion, ID: id, Raw: raw})
}

func marshalBody(kind string, n int, body chunkBody) (string, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", nil, fmt.Errorf("manifest %s: %s chunk %d: %w", body.ID, kind, n, err)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s-%05d-%s.json", kind, n, hex.EncodeToString(sum[:8])), b, nil
}

// parseChunk decodes and checks the segment chunk object name of
// recording id.
func parseChunk(id, name string, b []byte) ([]Segment, error) {
	body, err := parseBody(segmentChunk, id, name, b)
	if err != nil {
		return nil, err
	}
	if len(body.Segments) != ChunkSegments || len(body.Raw) != 0 {
		return nil, fmt.Errorf("%w: chunk %s: %d segments and %d raw parts, want %d segments",
			ErrBadManifest, name, len(body.Segments), len(body.Raw), ChunkSegments)
	}
	if err := checkSegments(body.Segments); err != nil {
		return nil, fmt.Errorf("%w: chunk %s: %w", ErrBadManifest, name, err)
	}
	return body.Segments, nil
}

// parseRawChunk decodes and checks the raw chunk object name of
// recording id.
func parseRawChunk(id, name string, b []byte) ([]RawFile, error) {
	body, err := parseBody(rawChunk, id, name, b)
	if err != nil {
		return nil, err
	}
	if len(body.Raw) != ChunkSegments || len(body.Segments) != 0 {
		return nil, fmt.Errorf("%w: chunk %s: %d raw parts and %d segments, want %d raw parts",
			ErrBadManifest, name, len(body.Raw), len(body.Segments), ChunkSegments)
	}
	if err := checkRaw(body.Raw); err != nil {
		return nil, fmt.Errorf("%w: chunk %s: %w", ErrBadManifest, name, err)
	}
	return body.Raw, nil
}

// parseBody checks a chunk object's name (its kind and its content's
// hash) and decodes it.
func parseBody(kind, id, name string, b []byte) (*chunkBody, error) {
	sum := sha256.Sum256(b)
	if m := chunkNameRe.FindStringSubmatch(name); m == nil || m[1] != kind || m[2] != hex.EncodeToString(sum[:8]) {
		return nil, fmt.Errorf("%w: chunk %s does not match its name's kind and hash", ErrBadManifest, name)
	}
	var body chunkBody
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, fmt.Errorf("%w: chunk %s: %w", ErrBadManifest, name, err)
	}
	if body.ID != id {
		return nil, fmt.Errorf("%w: chunk %s is of %q, want %q", ErrBadManifest, name, body.ID, id)
	}
	return &body, nil
}

// parseHead decodes and checks a stored manifest.json: a whole manifest,
// or the head of a chunked one, whose Segments and Raw are then only
// those after its chunks.
func parseHead(b []byte) (*Manifest, *head, error) {
	var h head
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	m := &h.Manifest
	if err := m.check(); err != nil {
		return nil, nil, fmt.Errorf("%w %q: %w", ErrBadManifest, m.ID, err)
	}
	if len(h.Chunks)+len(h.RawChunks) > 0 && m.Version < 2 {
		return nil, nil, fmt.Errorf("%w %q: chunks in a version %d manifest", ErrBadManifest, m.ID, m.Version)
	}
	for _, list := range []struct {
		kind  string
		names []string
	}{{segmentChunk, h.Chunks}, {rawChunk, h.RawChunks}} {
		for _, c := range list.names {
			if sm := chunkNameRe.FindStringSubmatch(c); sm == nil || sm[1] != list.kind {
				return nil, nil, fmt.Errorf("%w %q: bad chunk name %q", ErrBadManifest, m.ID, c)
			}
		}
	}
	return m, &h, nil
}

// assemble puts the segments and raw parts of the chunks (in order)
// before the head's.
func (m *Manifest) assemble(h *head, segs [][]Segment, raw [][]RawFile) {
	m.Segments = slices.Concat(append(segs, m.Segments)...)
	if m.Segments == nil {
		m.Segments = []Segment{} // "segments": [], as version 1 answers, not null
	}
	m.Raw = slices.Concat(append(raw, m.Raw)...)
	if len(m.Raw) == 0 {
		m.Raw = nil
	}
	m.stored = map[string]bool{}
	for _, c := range slices.Concat(h.Chunks, h.RawChunks) {
		m.stored[c] = true
	}
}

// ErrChunked is returned by ParseManifest for the head of a chunked
// manifest, which only a Catalog (that reads its chunks) can complete.
var ErrChunked = errors.New("manifest is chunked: read it through the catalog")

// IndexWriter writes a manifest as a head and sealed chunks (see
// ChunkSegments): each chunk once, the head every time. It remembers the
// chunks it wrote, so a recorder rewriting its manifest after every
// segment writes each chunk once; a merge or an eviction that changes
// sealed entries (MergeOrphans, MergeFill, RemoveRaw) makes it check them
// all again, and write those whose content changed under their new names.
type IndexWriter struct {
	edits   uint64
	sealed  []string        // segment chunk n as last written or found stored
	raw     []string        // raw chunk n likewise
	written map[string]bool // chunk names written or stored
}

// Write hands m's new chunks, then its head, to put (by name inside the
// recording). A chunk put refuses is written again by the next Write.
func (w *IndexWriter) Write(m *Manifest, put func(name string, data []byte) error) error {
	if m.summary {
		return fmt.Errorf("manifest %s: a summary from a listing cannot be written", m.ID)
	}
	if w.written == nil || w.edits != m.edits {
		w.sealed, w.raw, w.edits = nil, nil, m.edits
		if w.written == nil {
			w.written = map[string]bool{}
		}
	}
	for name := range m.stored {
		w.written[name] = true
	}
	var err error
	if w.sealed, err = sealChunks(w, m.ID, m.Segments, w.sealed, marshalChunk, put); err != nil {
		return err
	}
	if w.raw, err = sealChunks(w, m.ID, m.Raw, w.raw, marshalRawChunk, put); err != nil {
		return err
	}
	h := head{Manifest: *m, Chunks: w.sealed, RawChunks: w.raw}
	h.Version = ManifestVersion
	h.Segments = m.Segments[len(w.sealed)*ChunkSegments:]
	h.Raw = m.Raw[len(w.raw)*ChunkSegments:]
	b, err := json.Marshal(&h)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.ID, err)
	}
	return put(ManifestName, append(b, '\n'))
}

// sealChunks writes the chunks of list past those in sealed (a list that
// shrank is sealed again from the start) and returns the names of all its
// sealed chunks.
func sealChunks[T any](w *IndexWriter, id string, list []T, sealed []string,
	marshal func(string, int, []T) (string, []byte, error), put func(string, []byte) error) ([]string, error) {
	full := len(list) / ChunkSegments
	if len(sealed) > full {
		sealed = nil
	}
	for n := len(sealed); n < full; n++ {
		name, b, err := marshal(id, n, list[n*ChunkSegments:(n+1)*ChunkSegments])
		if err != nil {
			return sealed, err
		}
		if !w.written[name] {
			if err := put(name, b); err != nil {
				return sealed, fmt.Errorf("manifest %s: chunk %s: %w", id, name, err)
			}
			w.written[name] = true
		}
		sealed = append(sealed, name)
	}
	return sealed, nil
}
