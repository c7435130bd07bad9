package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/roomcast/roomcast/storage"
)

// Put sends objects smaller than the part size with one PutObject and
// larger ones as a multipart upload, one part in memory at a time. Each
// part is buffered so that the body is seekable: SigV4 over plain HTTP
// (as with a local MinIO) must hash the payload before sending it.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	r = storage.ExactReader(r, size)
	partSize := s.partSize(size)
	first, err := readPart(r, firstPartSize(size, partSize))
	if err != nil {
		return fmt.Errorf("s3 put %s/%s: read: %w", s.cfg.Bucket, key, err)
	}
	if int64(len(first)) < partSize {
		if err := storage.CheckSize(size, int64(len(first))); err != nil {
			return fmt.Errorf("s3 put %s/%s: %w", s.cfg.Bucket, key, err)
		}
		return s.putSingle(ctx, key, first)
	}
	return s.putMultipart(ctx, key, first, r, size, partSize)
}

// partSize grows the configured part size when a known size would need
// more than maxParts parts.
func (s *Store) partSize(size int64) int64 {
	ps := s.cfg.PartSize
	if size > ps*maxParts {
		ps = (size + maxParts - 1) / maxParts
	}
	return ps
}

// firstPartSize avoids a part-sized buffer for small objects of known
// size. One byte more than size is asked for, so that a reader longer than
// announced is noticed (see storage.ExactReader).
func firstPartSize(size, partSize int64) int64 {
	if size >= 0 && size < partSize {
		return size + 1
	}
	return partSize
}

// readPart reads up to n bytes; a short part means the reader has ended.
func readPart(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, n)
	got, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return buf[:got], err
}

func (s *Store) putSingle(ctx context.Context, key string, data []byte) error {
	b, k := s.input(key)
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        b,
		Key:           k,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return s.wrap("put", key, err)
	}
	return nil
}

func (s *Store) putMultipart(ctx context.Context, key string, first []byte, r io.Reader, size, partSize int64) error {
	b, k := s.input(key)
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	if err != nil {
		return s.wrap("put (create multipart)", key, err)
	}
	up := &multipart{s: s, key: key, id: created.UploadId}
	if err := up.send(ctx, first, r, size, partSize); err != nil {
		up.abort(ctx)
		return err
	}
	return nil
}

// multipart is one multipart upload in progress.
type multipart struct {
	s     *Store
	key   string
	id    *string
	parts []types.CompletedPart
	total int64
}

func (m *multipart) send(ctx context.Context, part []byte, r io.Reader, size, partSize int64) error {
	for len(part) > 0 {
		if err := m.upload(ctx, part); err != nil {
			return err
		}
		next, err := readPart(r, partSize)
		if err != nil {
			return fmt.Errorf("s3 put %s/%s: read: %w", m.s.cfg.Bucket, m.key, err)
		}
		part = next
	}
	if err := storage.CheckSize(size, m.total); err != nil {
		return fmt.Errorf("s3 put %s/%s: %w", m.s.cfg.Bucket, m.key, err)
	}
	return m.complete(ctx)
}

func (m *multipart) upload(ctx context.Context, part []byte) error {
	b, k := m.s.input(m.key)
	n := int32(len(m.parts) + 1)
	out, err := m.s.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket:        b,
		Key:           k,
		UploadId:      m.id,
		PartNumber:    aws.Int32(n),
		Body:          bytes.NewReader(part),
		ContentLength: aws.Int64(int64(len(part))),
	})
	if err != nil {
		return m.s.wrap(fmt.Sprintf("put (part %d)", n), m.key, err)
	}
	m.parts = append(m.parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	m.total += int64(len(part))
	return nil
}

func (m *multipart) complete(ctx context.Context) error {
	b, k := m.s.input(m.key)
	_, err := m.s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          b,
		Key:             k,
		UploadId:        m.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.parts},
	})
	if err != nil {
		return m.s.wrap("put (complete multipart)", m.key, err)
	}
	return nil
}

// abort runs even when ctx has ended, so that no parts are left billed.
func (m *multipart) abort(ctx context.Context) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	b, k := m.s.input(m.key)
	_, err := m.s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: b, Key: k, UploadId: m.id})
	if err != nil {
		m.s.log.Warn("abort multipart upload", "key", m.key, "err", err)
	}
}
