package bench

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promSample is one line of the Prometheus text format.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

// promSnapshot is one scrape of /metrics.
type promSnapshot struct {
	at      time.Time
	samples []promSample
}

// scrape reads base/metrics.
func scrape(t testing.TB, base string) promSnapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s/metrics: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s/metrics: status %d", base, resp.StatusCode)
	}
	snap := promSnapshot{at: time.Now()}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if s, ok := parsePromLine(sc.Text()); ok {
			snap.samples = append(snap.samples, s)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("scrape %s/metrics: %v", base, err)
	}
	return snap
}

// parsePromLine parses `name{k="v",...} value [timestamp]`. Label values
// here are ids and numbers, so escapes are not handled.
func parsePromLine(line string) (promSample, bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return promSample{}, false
	}
	s := promSample{labels: map[string]string{}}
	rest := line
	if i := strings.IndexByte(line, '{'); i >= 0 {
		j := strings.LastIndexByte(line, '}')
		if j < i {
			return promSample{}, false
		}
		s.name = line[:i]
		for _, kv := range strings.Split(line[i+1:j], ",") {
			k, v, ok := strings.Cut(kv, "=")
			if ok {
				s.labels[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
		rest = line[j+1:]
	} else {
		f := strings.Fields(line)
		if len(f) < 2 {
			return promSample{}, false
		}
		s.name, rest = f[0], strings.Join(f[1:], " ")
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return promSample{}, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return promSample{}, false
	}
	s.value = v
	return s, true
}

// sum adds the values of every series called name whose labels include
// match; n is how many there were.
func (p promSnapshot) sum(name string, match map[string]string) (total float64, n int) {
next:
	for _, s := range p.samples {
		if s.name != name {
			continue
		}
		for k, v := range match {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
		n++
	}
	return total, n
}

// bucket is one cumulative histogram bucket: count observations <= upper.
type bucket struct {
	upper float64
	count float64
}

// histogram returns the cumulative buckets of histogram name, sorted by
// upper bound, the last being +Inf.
func (p promSnapshot) histogram(name string) []bucket {
	var bs []bucket
	for _, s := range p.samples {
		if s.name != name+"_bucket" {
			continue
		}
		le, err := strconv.ParseFloat(s.labels["le"], 64)
		if err != nil {
			continue
		}
		bs = append(bs, bucket{upper: le, count: s.value})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].upper < bs[j].upper })
	return bs
}

// histDelta is the histogram of the observations made between two
// scrapes (to minus from, bucket by bucket).
func histDelta(from, to []bucket) ([]bucket, error) {
	if len(from) == 0 {
		return to, nil
	}
	if len(from) != len(to) {
		return nil, fmt.Errorf("histogram changed shape: %d → %d buckets", len(from), len(to))
	}
	d := make([]bucket, len(to))
	for i := range to {
		if from[i].upper != to[i].upper {
			return nil, fmt.Errorf("histogram bucket %d changed: %g → %g", i, from[i].upper, to[i].upper)
		}
		d[i] = bucket{upper: to[i].upper, count: to[i].count - from[i].count}
	}
	return d, nil
}

// quantileEst is a quantile estimated from buckets, and the bucket it fell in.
type quantileEst struct {
	value    float64 // seconds; NaN without observations
	lo, hi   float64 // bounds of the bucket it fell in
	overflow bool    // in the +Inf bucket: value is only a lower bound
}

// quantile estimates the q-quantile of cumulative buckets (last +Inf) the
// way Prometheus' histogram_quantile does: find the bucket holding rank
// q·count and interpolate linearly inside it, the first bucket starting at
// 0. The true value can be anywhere in [lo, hi].
func quantile(q float64, bs []bucket) quantileEst {
	if len(bs) == 0 || bs[len(bs)-1].count <= 0 {
		return quantileEst{value: math.NaN()}
	}
	rank := q * bs[len(bs)-1].count
	i := sort.Search(len(bs), func(i int) bool { return bs[i].count >= rank })
	if i >= len(bs) {
		i = len(bs) - 1
	}
	if math.IsInf(bs[i].upper, 1) {
		lo := 0.0
		if i > 0 {
			lo = bs[i-1].upper
		}
		return quantileEst{value: lo, lo: lo, hi: math.Inf(1), overflow: true}
	}
	lo, below := 0.0, 0.0
	if i > 0 {
		lo, below = bs[i-1].upper, bs[i-1].count
	}
	in := bs[i].count - below
	v := bs[i].upper
	if in > 0 {
		v = lo + (bs[i].upper-lo)*(rank-below)/in
	}
	return quantileEst{value: v, lo: lo, hi: bs[i].upper}
}
