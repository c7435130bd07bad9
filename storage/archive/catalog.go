package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/roomcast/roomcast/storage"
)

// ErrNotFound is returned for an unknown recording (or one of another
// tenant).
var ErrNotFound = errors.New("recording not found")

// maxManifestBytes bounds a manifest read: a day of 2 s segments is ~10 MB.
const maxManifestBytes = 64 << 20

// Catalog finds, reads and deletes recordings in a store.
type Catalog struct {
	store storage.Store
}

// NewCatalog returns the catalog of the recordings in store.
func NewCatalog(store storage.Store) *Catalog { return &Catalog{store: store} }

// Store is the catalog's store.
func (c *Catalog) Store() storage.Store { return c.store }

// IndexEntryKey is the index object of a recording: its key names the
// room, so one List finds both id and room.
func IndexEntryKey(tenant, room, id string) string { return IndexKey(tenant, id) + "/" + room }

// Locate returns the room of recording id of tenant.
func (c *Catalog) Locate(ctx context.Context, tenant, id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("recording %q: %w", id, ErrNotFound)
	}
	prefix := IndexKey(tenant, id) + "/"
	objs, err := c.store.List(ctx, prefix, "", 1)
	if err != nil {
		return "", fmt.Errorf("recording %s: index: %w", id, err)
	}
	if len(objs) == 0 {
		return "", fmt.Errorf("recording %s: %w", id, ErrNotFound)
	}
	return strings.TrimPrefix(objs[0].Key, prefix), nil
}

// Get reads the manifest of recording id of tenant.
func (c *Catalog) Get(ctx context.Context, tenant, id string) (*Manifest, error) {
	room, err := c.Locate(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return c.Manifest(ctx, tenant, room, id)
}

// Head reads the head of recording id of tenant without its chunks: what
// a listing shows (see Page), enough to decide to delete it even when its
// chunks are gone.
func (c *Catalog) Head(ctx context.Context, tenant, id string) (*Manifest, error) {
	room, err := c.Locate(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return c.head(ctx, tenant, room, id)
}

// Manifest reads the manifest of a located recording: its head, then
// the chunks the head names (see ChunkSegments).
func (c *Catalog) Manifest(ctx context.Context, tenant, room, id string) (*Manifest, error) {
	b, err := c.read(ctx, Key(tenant, room, id, ManifestName))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("recording %s: no manifest yet: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", id, err)
	}
	return c.Complete(ctx, tenant, room, id, b)
}

// Complete is the whole manifest of recording id of tenant in room whose
// manifest.json is b: the segments of the chunks it names, read from the
// store, go before its own.
func (c *Catalog) Complete(ctx context.Context, tenant, room, id string, b []byte) (*Manifest, error) {
	m, h, err := parseHead(b)
	if err != nil {
		return nil, err
	}
	if m.ID != id || m.Tenant != tenant || m.Room != room {
		return nil, fmt.Errorf("recording %s: manifest names %s of %s/%s: %w", id, m.ID, m.Tenant, m.Room, ErrNotFound)
	}
	segs, err := readChunks(ctx, c, m, h.Chunks, parseChunk)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", id, err)
	}
	raw, err := readChunks(ctx, c, m, h.RawChunks, parseRawChunk)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", id, err)
	}
	m.assemble(h, segs, raw)
	return m, nil
}

// head reads the manifest head of a located recording without its
// chunks: a summary (see Page).
func (c *Catalog) head(ctx context.Context, tenant, room, id string) (*Manifest, error) {
	b, err := c.read(ctx, Key(tenant, room, id, ManifestName))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("recording %s: no manifest yet: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", id, err)
	}
	m, h, err := parseHead(b)
	if err != nil {
		return nil, err
	}
	if m.ID != id || m.Tenant != tenant || m.Room != room {
		return nil, fmt.Errorf("recording %s: manifest names %s of %s/%s: %w", id, m.ID, m.Tenant, m.Room, ErrNotFound)
	}
	m.summary, m.segmentCount = true, len(h.Chunks)*ChunkSegments+len(m.Segments)
	m.Segments, m.Raw = nil, nil
	return m, nil
}

// chunkReaders bounds the chunks of one manifest read at once.
const chunkReaders = 8

// readChunks reads and checks the chunks of m, a few at a time.
func readChunks[T any](ctx context.Context, c *Catalog, m *Manifest, chunks []string, parse func(id, name string, b []byte) ([]T, error)) ([][]T, error) {
	segs := make([][]T, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, chunkReaders)
	var wg sync.WaitGroup
	for i, ch := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			b, err := c.read(ctx, Key(m.Tenant, m.Room, m.ID, ch))
			if errors.Is(err, storage.ErrNotFound) {
				err = fmt.Errorf("%w: chunk %s missing: %w", ErrBadManifest, ch, err)
			}
			if err == nil {
				segs[i], err = parse(m.ID, ch, b)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return segs, errors.Join(errs...)
}

func (c *Catalog) read(ctx context.Context, key string) ([]byte, error) {
	rc, err := c.store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", key, maxManifestBytes)
	}
	return b, nil
}

// Query selects recordings in List. Zero fields select all.
type Query struct {
	Room   string
	Status string
	Since  time.Time // started at or after
	Until  time.Time // started before
	Limit  int       // default 50, at most MaxLimit
	Cursor string    // the Next of the previous page
}

// MaxLimit bounds a page.
const MaxLimit = 1000

// Page is one page of List, newest first.
type Page struct {
	// Recordings are read from their heads alone (a listing must not
	// read every index chunk of every recording): their Segments and Raw
	// are empty, SegmentCount says how many segments they have, and
	// Catalog.Get reads one whole.
	Recordings []*Manifest `json:"recordings"`
	// Next is the cursor of the next page; empty on the last.
	Next string `json:"next_cursor,omitempty"`
}

// ErrBadCursor is returned for a cursor List did not make.
var ErrBadCursor = errors.New("bad cursor")

// List returns the tenant's recordings that match q, newest first.
func (c *Catalog) List(ctx context.Context, tenant string, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, MaxLimit)
	if q.Cursor != "" && !ValidID(q.Cursor) {
		return Page{}, ErrBadCursor
	}
	page := Page{Recordings: []*Manifest{}}
	prefix, after := indexPrefix(tenant), ""
	if q.Cursor != "" {
		after = prefix + q.Cursor + "/~" // "~" sorts after every room name character
	}
	for {
		objs, err := c.store.List(ctx, prefix, after, 256)
		if err != nil {
			return Page{}, fmt.Errorf("list recordings: %w", err)
		}
		for _, o := range objs {
			after = o.Key
			done, err := c.consider(ctx, tenant, strings.TrimPrefix(o.Key, prefix), q, &page)
			if err != nil || done {
				return page, err
			}
		}
		if len(objs) < 256 {
			return page, nil
		}
	}
}

// consider adds the recording of one index entry ("{id}/{room}") to page
// if it matches q; done when the page is full or older ones cannot match.
func (c *Catalog) consider(ctx context.Context, tenant, entry string, q Query, page *Page) (bool, error) {
	id, room, ok := strings.Cut(entry, "/")
	started, valid := IDTime(id)
	if !ok || !valid {
		return false, nil // not ours
	}
	if !q.Since.IsZero() && started.Before(q.Since.Truncate(time.Millisecond)) {
		return true, nil
	}
	if (!q.Until.IsZero() && !started.Before(q.Until)) || (q.Room != "" && room != q.Room) {
		return false, nil
	}
	m, err := c.head(ctx, tenant, room, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadManifest) {
		return false, nil // manifest not stored yet, or unreadable: Get reports it
	}
	if err != nil {
		return false, err
	}
	if q.Status != "" && m.Status != q.Status {
		return false, nil
	}
	if len(page.Recordings) == q.Limit {
		// Another match exists: only now is there a next page.
		page.Next = page.Recordings[len(page.Recordings)-1].ID
		return true, nil
	}
	page.Recordings = append(page.Recordings, m)
	return false, nil
}

// Delete removes every object of recording id, then its manifest.json,
// then its index entry: a Delete that fails half way leaves a recording
// still listed with a readable head (see Head), which the next Delete
// finishes, instead of objects that nothing names any more.
func (c *Catalog) Delete(ctx context.Context, tenant, id string) error {
	room, err := c.Locate(ctx, tenant, id)
	if err != nil {
		return err
	}
	head := Key(tenant, room, id, ManifestName)
	for {
		objs, err := c.store.List(ctx, Prefix(tenant, room, id), "", 1000)
		if err != nil {
			return fmt.Errorf("delete recording %s: %w", id, err)
		}
		for _, o := range objs {
			if o.Key == head {
				continue
			}
			if err := c.store.Delete(ctx, o.Key); err != nil {
				return fmt.Errorf("delete recording %s: %w", id, err)
			}
		}
		if len(objs) < 1000 {
			break
		}
	}
	if err := c.store.Delete(ctx, head); err != nil {
		return fmt.Errorf("delete recording %s: %w", id, err)
	}
	if err := c.store.Delete(ctx, IndexEntryKey(tenant, room, id)); err != nil {
		return fmt.Errorf("delete recording %s: index: %w", id, err)
	}
	return nil
}

// Open opens a named object of a recording.
func (c *Catalog) Open(ctx context.Context, m *Manifest, name string) (io.ReadCloser, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("recording %s: bad name %q: %w", m.ID, name, ErrNotFound)
	}
	rc, err := c.store.Get(ctx, Key(m.Tenant, m.Room, m.ID, name))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("recording %s: %s: %w", m.ID, name, ErrNotFound)
	}
	return rc, err
}

// Presign returns a URL that fetches a named object without credentials,
// or storage.ErrPresignUnsupported.
func (c *Catalog) Presign(ctx context.Context, m *Manifest, name string, ttl time.Duration) (string, error) {
	return c.store.PresignGet(ctx, Key(m.Tenant, m.Room, m.ID, name), ttl)
}

// IndexBody is the content of an index object (its key says it all).
func IndexBody(m *Manifest) []byte {
	return []byte(m.StartedAt.UTC().Format(time.RFC3339Nano) + "\n")
}
