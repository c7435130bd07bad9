package archive

import (
	"context"
	"fmt"
	"time"
)

// Expired calls each for every recording of tenant that ended before
// cutoff (a recording still being written never expires), oldest pages
// last; each may delete the recording. It stops at the first error.
func (c *Catalog) Expired(ctx context.Context, tenant string, cutoff time.Time, each func(*Manifest) error) error {
	q := Query{Until: cutoff, Limit: MaxLimit}
	for {
		page, err := c.List(ctx, tenant, q)
		if err != nil {
			return fmt.Errorf("expired recordings of %s: %w", tenant, err)
		}
		for _, m := range page.Recordings {
			if m.EndedAt == nil || !m.EndedAt.Before(cutoff) || m.Status == StatusRecording {
				continue
			}
			if err := each(m); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}
