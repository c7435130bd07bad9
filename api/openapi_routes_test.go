package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// operationOf maps a ServeMux pattern ("[METHOD ][HOST]/PATH") to the
// OpenAPI operation it is: the method in lower case ("" when the
// pattern takes every method) and the path template, where "{name}" and
// "{name...}" are "{name}" and a trailing "{$}" is dropped. ok is false
// for a pattern that is not one.
func operationOf(pattern string) (method, path string, ok bool) {
	rest := pattern
	if m, p, found := strings.Cut(pattern, " "); found {
		method, rest = strings.ToLower(m), strings.TrimLeft(p, " \t")
		if method == "" || strings.ContainsAny(method, "/{}") {
			return "", "", false
		}
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "", "", false
	}
	segs := strings.Split(rest[i+1:], "/")
	for j, s := range segs {
		if segs[j], ok = pathSegment(s, j == len(segs)-1); !ok {
			return "", "", false
		}
	}
	return method, "/" + strings.Join(segs, "/"), true
}

// pathSegment maps one segment of a pattern's path to OpenAPI's form.
func pathSegment(s string, last bool) (string, bool) {
	inner, wild := strings.CutPrefix(s, "{")
	if !wild {
		return s, !strings.ContainsAny(s, "{}")
	}
	inner, closed := strings.CutSuffix(inner, "}")
	switch {
	case !closed:
		return "", false
	case inner == "$":
		return "", last
	}
	if name, multi := strings.CutSuffix(inner, "..."); multi {
		if !last {
			return "", false
		}
		inner = name
	}
	if !isIdent(inner) {
		return "", false
	}
	return "{" + inner + "}", true
}

// isIdent reports whether s is a Go identifier, as wildcard names are.
func isIdent(s string) bool {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// notOperations are registered patterns that are no API operation.
var notOperations = map[string]string{
	catchAllV1: "the JSON 404 of unknown /v1 paths",
	webPages:   "the embedded web pages",
}

// undocumentedRoutes returns the registered routes that the description
// lacks, as "METHOD /path (pattern ...)". Documented routes that are
// not registered (optional parts left out, or routes on their way) are
// fine.
func (d *openAPI) undocumentedRoutes(routes []string) []string {
	var out []string
	for _, r := range routes {
		if _, skip := notOperations[r]; skip {
			continue
		}
		method, path, ok := operationOf(r)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%q (not a ServeMux pattern)", r))
		case method == "":
			out = append(out, fmt.Sprintf("%q (every method: give one)", r))
		case d.operation(method, path) == nil:
			out = append(out, fmt.Sprintf("%s %s (pattern %q)", strings.ToUpper(method), path, r))
		}
	}
	return out
}

// newFullServer is an API server with every optional part configured, so
// that it registers every route it can.
func newFullServer(t *testing.T) (*Server, *local.Store) {
	t.Helper()
	rooms, err := room.NewManager(room.Config{MaxParticipants: 4, RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rooms.Close() })
	st, err := local.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := New(Config{
		Keys:  []configs.APIKey{{Tenant: configs.DefaultTenant, Key: key}},
		Rooms: rooms, Egress: &fullEgress{}, ParseRTMP: egress.ParseRTMP,
		CheckRTMP: func(context.Context, string) error { return nil },
		Workers:   func(context.Context) (any, error) { return testWorkers(), nil },
		Web:       http.NotFoundHandler(), Registry: prometheus.NewRegistry(),
		Recordings: archive.NewCatalog(st), SigningKey: signingKey,
		Webhooks: &fakeParking{},
	})
	s.SetReady(true)
	return s, st
}

// TestOpenAPIRoutes: every route the server registers is in the
// description.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s, _ := newFullServer(t)
	routes := s.Routes()
	for _, want := range []string{"GET /healthz", "GET /v1/openapi.yaml", "POST /v1/egress", "GET /v1/recordings/{id}/files/{name...}", "POST /v1/webhooks/parked/{id}/retry", "GET /v1/workers", "GET /metrics"} {
		if !slices.Contains(routes, want) {
			t.Errorf("Routes() lacks %q: %v", want, routes)
		}
	}
	for _, r := range doc.undocumentedRoutes(routes) {
		t.Errorf("registered but not in api/openapi.yaml: %s", r)
	}
}

// TestOpenAPIRoutesCatchUndocumented: a route registered without being
// described is reported, by method and path.
func TestOpenAPIRoutesCatchUndocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	s, _ := newFullServer(t)
	s.mux.HandleFunc("POST /v1/rooms/{room}/secret/{rest...}", func(http.ResponseWriter, *http.Request) {})
	s.mux.HandleFunc("/v1/anything", func(http.ResponseWriter, *http.Request) {})
	s.mux.HandleFunc("DELETE /v1/egress", func(http.ResponseWriter, *http.Request) {})
	got := doc.undocumentedRoutes(s.Routes())
	want := []string{
		`POST /v1/rooms/{room}/secret/{rest} (pattern "POST /v1/rooms/{room}/secret/{rest...}")`,
		`"/v1/anything" (every method: give one)`,
		`DELETE /v1/egress (pattern "DELETE /v1/egress")`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("reported\n%q\nwant\n%q", got, want)
	}
}

// operationCases feed TestOperationOf and FuzzOperationOf's seeds.
var operationCases = []struct {
	pattern, method, path string
	ok                    bool
}{
	{"GET /healthz", "get", "/healthz", true},
	{"POST /v1/rooms/{room}/whip", "post", "/v1/rooms/{room}/whip", true},
	{"GET /v1/recordings/{id}/files/{name...}", "get", "/v1/recordings/{id}/files/{name}", true},
	{"/v1/", "", "/v1/", true},
	{"GET example.com/v1/x/{$}", "get", "/v1/x/", true},
	{"DELETE  /v1/egress/{id}", "delete", "/v1/egress/{id}", true},
	{"GET v1", "", "", false},
	{"GET /v1/a{b}", "", "", false},
	{"GET /v1/{}", "", "", false},
	{"GET /v1/{a...}/b", "", "", false},
	{" /x", "", "", false},
	{"GET /v1/{$}/x", "", "", false},
	{"GET /v1/{1a}", "", "", false},
	{"GET /{$}", "get", "/", true},
}

func TestOperationOf(t *testing.T) {
	seeds := map[string][]any{}
	for i, c := range operationCases {
		seeds[fmt.Sprintf("%02d %s", i, c.pattern)] = []any{c.pattern}
	}
	fuzzcorpus.Write(t, "FuzzOperationOf", seeds)
	for _, c := range operationCases {
		m, p, ok := operationOf(c.pattern)
		if m != c.method || p != c.path || ok != c.ok {
			t.Errorf("operationOf(%q) = %q, %q, %v; want %q, %q, %v", c.pattern, m, p, ok, c.method, c.path, c.ok)
		}
	}
}

// FuzzOperationOf: any pattern maps to a path that starts with "/" and
// keeps no wildcard suffix, or to nothing.
func FuzzOperationOf(f *testing.F) {
	for _, c := range operationCases {
		f.Add(c.pattern)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		m, p, ok := operationOf(pattern)
		if !ok {
			if m != "" || p != "" {
				t.Fatalf("%q: not ok but %q %q", pattern, m, p)
			}
			return
		}
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "...}") || strings.Contains(p, "{$}") || strings.Contains(m, " ") {
			t.Fatalf("%q → %q %q", pattern, m, p)
		}
	})
}
