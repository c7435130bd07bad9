package api

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"net"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// captured is one response a test provoked, as the server sent it.
type captured struct {
	test        string // the test that sent the request
	method      string
	path        string // the request's path, for messages
	pattern     string // the ServeMux pattern that took it ("" for the mux's own answers)
	status      int
	header      http.Header
	contentType string
	body        []byte // kept for JSON answers only
}

func (c captured) String() string {
	return fmt.Sprintf("%s: %s %s (route %q) → %d", c.test, c.method, c.path, c.pattern, c.status)
}

// captureLog holds every captured response of the test binary; TestMain
// checks them all against the description once the tests have run.
type captureLog struct {
	mu   sync.Mutex
	resp []captured
}

var captures = &captureLog{}

func (l *captureLog) add(c captured) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resp = append(l.resp, c)
}

// all returns the captured responses, of test only when it is not "".
func (l *captureLog) all(test string) []captured {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []captured
	for _, c := range l.resp {
		if test == "" || c.test == test || strings.HasPrefix(c.test, test+"/") {
			out = append(out, c)
		}
	}
	return out
}

// maxCapturedBody bounds the JSON kept of one response.
const maxCapturedBody = 4 << 20

// capture wraps the API handler of a test server so that every response
// is recorded for the OpenAPI check (see TestMain). The ServeMux sets
// r.Pattern on the request it routes, so it is known once h returns.
func capture(t *testing.T, h http.Handler) http.Handler {
	name := t.Name()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &captureWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		if cw.status == 0 {
			cw.status = http.StatusOK
		}
		c := captured{test: name, method: r.Method, path: r.URL.Path, pattern: r.Pattern, status: cw.status,
			header: w.Header().Clone(), contentType: w.Header().Get("Content-Type")}
		if isJSON(c.contentType) {
			c.body = cw.body.Bytes()
		}
		captures.add(c)
	})
}

// captureWriter copies the status and the first bytes of the body.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if room := maxCapturedBody - c.body.Len(); room > 0 {
		c.body.Write(p[:min(len(p), room)])
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Hijack takes over the connection for an upgrade, whose handler answers
// 101 on the connection itself.
func (c *captureWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(c.ResponseWriter).Hijack()
	if err == nil && c.status == 0 {
		c.status = http.StatusSwitchingProtocols
	}
	return conn, brw, err
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Routes that are not API operations: the JSON 404 of unknown /v1
// paths, and the embedded web pages.
const (
	catchAllV1 = "/v1/"
	webPages   = "/"
)

// checkCaptured checks one response against the description: its route
// and status must be described, its headers marked required present, its
// content type one the response lists, and a JSON body must validate
// against that content's schema. Answers of the ServeMux itself (no
// pattern: a redirect, a 405 of a route's other methods) and of the web
// pages are not the API's and pass.
func (d *openAPI) checkCaptured(c captured) []string {
	if c.pattern == "" || c.pattern == webPages || muxRedirect(c) {
		return nil
	}
	switch c.pattern {
	case catchAllV1:
		return d.checkBody(c, map[string]any{"content": map[string]any{"application/json": map[string]any{
			"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}, http.StatusNotFound)
	}
	method, path, ok := operationOf(c.pattern)
	if !ok || method == "" {
		return []string{fmt.Sprintf("%s: route is no operation", c)}
	}
	if method == "get" && c.method == http.MethodHead && d.operation("head", path) != nil {
		method = "head"
	}
	op := d.operation(method, path)
	if op == nil {
		return []string{fmt.Sprintf("%s: %s %s is not in openapi.yaml", c, strings.ToUpper(method), path)}
	}
	rs, _ := op["responses"].(map[string]any)
	raw, ok := rs[strconv.Itoa(c.status)]
	if !ok {
		raw, ok = rs[strconv.Itoa(c.status/100)+"XX"]
	}
	if !ok {
		return []string{fmt.Sprintf("%s: status %d is not described for %s %s", c, c.status, strings.ToUpper(method), path)}
	}
	resp, err := d.deref(raw)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", c, err)}
	}
	return d.checkBody(c, resp, c.status)
}

// muxRedirect reports whether c is the ServeMux's redirect of an
// unclean path ("/a/../b") to its clean form, which carries the pattern
// of the route the clean path takes.
func muxRedirect(c captured) bool {
	clean := path.Clean(c.path)
	if strings.HasSuffix(c.path, "/") && clean != "/" {
		clean += "/"
	}
	redirect := c.status == http.StatusMovedPermanently || c.status == http.StatusTemporaryRedirect
	return redirect && clean != c.path
}

// checkBody checks the headers, content type and body of c against the
// described response resp, which must have status want.
func (d *openAPI) checkBody(c captured, resp map[string]any, want int) []string {
	if c.status != want {
		return []string{fmt.Sprintf("%s: status %d, want %d", c, c.status, want)}
	}
	var out []string
	hs, _ := resp["headers"].(map[string]any)
	for name, raw := range hs {
		h, err := d.deref(raw)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: header %s: %v", c, name, err))
			continue
		}
		if h["required"] == true && c.header.Get(name) == "" {
			out = append(out, fmt.Sprintf("%s: required header %s is missing", c, name))
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if c.contentType != "" {
			out = append(out, fmt.Sprintf("%s: a %s body where the description has none", c, c.contentType))
		}
		return out
	}
	mt, _, err := mime.ParseMediaType(c.contentType)
	if err != nil {
		return append(out, fmt.Sprintf("%s: content type %q: %v", c, c.contentType, err))
	}
	media, ok := content[mt].(map[string]any)
	if !ok {
		return append(out, fmt.Sprintf("%s: content type %s is not one of %v", c, mt, keysOf(content)))
	}
	if !isJSON(mt) {
		return out
	}
	v, err := decodeJSONValue(c.body)
	if err != nil {
		return append(out, fmt.Sprintf("%s: body is not JSON: %v", c, err))
	}
	sv := &schemaValidator{doc: d}
	for _, p := range sv.validate(media["schema"], v, "$") {
		out = append(out, fmt.Sprintf("%s: %s", c, p))
	}
	return out
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkAllCaptured checks the responses of test ("" for all) and
// returns the problems.
func checkAllCaptured(test string) ([]string, error) {
	doc, err := parseOpenAPI(openAPIDoc)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range captures.all(test) {
		out = append(out, doc.checkCaptured(c)...)
	}
	return out, nil
}

// coverage lists the described operation and status of each captured
// response, counted.
func coverage(cs []captured) map[string]int {
	out := map[string]int{}
	for _, c := range cs {
		if method, path, ok := operationOf(c.pattern); ok && method != "" {
			out[fmt.Sprintf("%s %s %d", strings.ToUpper(method), path, c.status)]++
		}
	}
	return out
}
