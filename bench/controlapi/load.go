package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// httpCase is one kind of request, sent again and again.
type httpCase struct {
	name string
	// want is the status every answer must have.
	want  int
	build func(ctx context.Context) (*http.Request, error)
}

// sample is what one run of a case measured.
type sample struct {
	took     []time.Duration // of the requests answered as wanted
	errors   int
	firstErr error
	wall     time.Duration
}

func (s *sample) add(d time.Duration, err error) {
	if err != nil {
		s.errors++
		if s.firstErr == nil {
			s.firstErr = err
		}
		return
	}
	s.took = append(s.took, d)
}

// merge joins the workers' samples of one run that took wall.
func merge(per []sample, wall time.Duration) sample {
	all := sample{wall: wall}
	for _, s := range per {
		all.took = append(all.took, s.took...)
		all.errors += s.errors
		if all.firstErr == nil {
			all.firstErr = s.firstErr
		}
	}
	return all
}

// newHTTPClient keeps one connection alive per worker.
func newHTTPClient(workers int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: 2 * workers, MaxIdleConnsPerHost: 2 * workers, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
	}
}

// runFor sends c's requests from workers goroutines, each sending its
// next as soon as its last is answered, for window.
func runFor(ctx context.Context, hc *http.Client, workers int, window time.Duration, c httpCase) sample {
	per := make([]sample, workers)
	start := time.Now()
	deadline := start.Add(window)
	var wg sync.WaitGroup
	for i := range per {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				per[i].add(send(ctx, hc, c))
			}
		})
	}
	wg.Wait()
	return merge(per, time.Since(start))
}

// send sends one request of c and reads its whole answer: the time
// from sending to the answer's last byte.
func send(ctx context.Context, hc *http.Client, c httpCase) (time.Duration, error) {
	req, err := c.build(ctx)
	if err != nil {
		return 0, err
	}
	d, resp, err := roundTrip(hc, req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.name, err)
	}
	if resp.StatusCode != c.want {
		return 0, fmt.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
	}
	return d, nil
}

// roundTrip does req, reading and closing the body so that the
// connection is kept alive.
func roundTrip(hc *http.Client, req *http.Request) (time.Duration, *http.Response, error) {
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), resp, err
}
