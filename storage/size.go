package storage

import (
	"errors"
	"fmt"
	"io"
)

// ErrSizeMismatch is returned by Put when the reader did not yield exactly
// the announced size. No object is stored in that case.
var ErrSizeMismatch = errors.New("storage: size mismatch")

// CheckSize returns an ErrSizeMismatch error when want is known (>= 0) and
// differs from got.
func CheckSize(want, got int64) error {
	if want >= 0 && want != got {
		return fmt.Errorf("%w: announced %d bytes, read %d", ErrSizeMismatch, want, got)
	}
	return nil
}

// ExactReader limits r to size bytes when size >= 0, so that a reader
// longer than announced is noticed: reading one byte past size fails
// with ErrSizeMismatch.
func ExactReader(r io.Reader, size int64) io.Reader {
	if size < 0 {
		return r
	}
	return &exactReader{r: r, left: size}
}

type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: reader longer than announced", ErrSizeMismatch)
		}
		return 0, err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	return n, err
}
