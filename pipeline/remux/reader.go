package remux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
)

// cacheSize is how many fetched segments a reader keeps.
const cacheSize = 2

// NewReader returns an io.ReadSeeker over the output bytes. The header is
// in memory; mdat bytes are fetched lazily, one whole segment at a time,
// keeping the last two. ctx bounds the fetches. A reader is not safe for
// concurrent use; make one per request.
func (f *File) NewReader(ctx context.Context) io.ReadSeeker {
	return &reader{f: f, ctx: ctx}
}

type reader struct {
	f     *File
	ctx   context.Context
	pos   int64
	cache []cached // most recent last
}

type cached struct {
	part int
	data []byte // the segment's bytes up to the end of its mdat payload
}

func (r *reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.f.size
	default:
		return r.pos, fmt.Errorf("remux: seek whence %d", whence)
	}
	if offset < 0 {
		return r.pos, errors.New("remux: seek before start")
	}
	r.pos = offset
	return offset, nil
}

func (r *reader) Read(p []byte) (int, error) {
	if r.pos >= r.f.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if hl := int64(len(r.f.header)); r.pos < hl {
		n := copy(p, r.f.header[r.pos:])
		r.pos += int64(n)
		return n, nil
	}
	i := r.f.partAt(r.pos)
	if i < 0 {
		return 0, io.EOF
	}
	data, err := r.segment(i)
	if err != nil {
		return 0, err
	}
	pt := r.f.parts[i]
	from := pt.src + r.pos - pt.off
	n := copy(p, data[from:pt.src+pt.n])
	r.pos += int64(n)
	return n, nil
}

// partAt returns the index of the part holding output offset pos, or -1.
func (f *File) partAt(pos int64) int {
	i := sort.Search(len(f.parts), func(i int) bool { return f.parts[i].off+f.parts[i].n > pos })
	if i == len(f.parts) || f.parts[i].off > pos {
		return -1
	}
	return i
}

// segment returns part i's segment bytes, fetching it when not cached.
func (r *reader) segment(i int) ([]byte, error) {
	for _, c := range r.cache {
		if c.part == i {
			return c.data, nil
		}
	}
	pt := r.f.parts[i]
	data, err := r.fetch(pt)
	if err != nil {
		return nil, fmt.Errorf("remux: segment %q: %w", pt.name, err)
	}
	if len(r.cache) == cacheSize {
		r.cache = r.cache[1:]
	}
	r.cache = append(r.cache, cached{part: i, data: data})
	return data, nil
}

func (r *reader) fetch(pt part) ([]byte, error) {
	rc, err := r.f.fetch(r.ctx, pt.name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	want := pt.src + pt.n
	data, err := io.ReadAll(io.LimitReader(rc, want))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) < want {
		return nil, fmt.Errorf("%d of %d bytes: %w", len(data), want, ErrShortSegment)
	}
	return data, nil
}
