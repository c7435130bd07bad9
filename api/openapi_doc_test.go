package api

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPI is api/openapi.yaml as a generic tree: maps, lists and
// scalars, as yaml.v3 decodes them into any.
type openAPI struct {
	root map[string]any
}

// parseOpenAPI decodes the description, insisting on string keys
// throughout (JSON's data model, which OpenAPI requires).
func parseOpenAPI(b []byte) (*openAPI, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	if err := stringKeys(v, "#"); err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("openapi.yaml: not a mapping")
	}
	return &openAPI{root: root}, nil
}

// stringKeys fails on a mapping with a key that is not a string (an
// unquoted status code such as 200 decodes as an int).
func stringKeys(v any, at string) error {
	switch n := v.(type) {
	case map[string]any:
		for k, c := range n {
			if err := stringKeys(c, at+"/"+k); err != nil {
				return err
			}
		}
	case map[any]any:
		return fmt.Errorf("openapi.yaml %s: a key is not a string (quote status codes)", at)
	case []any:
		for i, c := range n {
			if err := stringKeys(c, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadOpenAPI parses the embedded description or fails the test.
func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	doc, err := parseOpenAPI(openAPIDoc)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// resolve follows a local reference "#/components/schemas/X" (RFC 6901
// pointer), returning the node it names.
func (d *openAPI) resolve(ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only local references are used", ref)
	}
	var node any = d.root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok, err := url.PathUnescape(tok)
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside a mapping", ref, tok)
		}
		if node, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, tok)
		}
	}
	return node, nil
}

// deref follows $ref until the node has none (a response, a parameter).
func (d *openAPI) deref(node any) (map[string]any, error) {
	for range 16 {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%v is not a mapping", node)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if node, err = d.resolve(ref); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("$ref chain longer than 16")
}

// operation returns the operation of method (lower case) on path
// template p, or nil.
func (d *openAPI) operation(method, p string) map[string]any {
	paths, _ := d.root["paths"].(map[string]any)
	item, _ := paths[p].(map[string]any)
	op, _ := item[method].(map[string]any)
	return op
}

// httpMethods are the operation keys of a path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// refs lists every $ref in the tree, with where it is.
func refs(v any, at string, out map[string]string) {
	switch n := v.(type) {
	case map[string]any:
		for k, c := range n {
			if s, ok := c.(string); ok && k == "$ref" {
				out[at] = s
				continue
			}
			refs(c, at+"/"+k, out)
		}
	case []any:
		for i, c := range n {
			refs(c, fmt.Sprintf("%s/%d", at, i), out)
		}
	}
}

// TestOpenAPIDocument: the description parses as OpenAPI 3.1.0, every
// $ref resolves, every schema uses only keywords the test validator
// knows, every operation declares its path parameters and known
// security schemes, and the error codes are exactly the API's.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v := doc.root["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}
	info, _ := doc.root["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs a title and a version")
	}
	all := map[string]string{}
	refs(doc.root, "#", all)
	if len(all) < 50 {
		t.Errorf("only %d $refs: is the walk broken?", len(all))
	}
	for at, ref := range all {
		if _, err := doc.resolve(ref); err != nil {
			t.Errorf("%s: %v", at, err)
		}
	}
	schemas, _ := doc.root["components"].(map[string]any)["schemas"].(map[string]any)
	v := &schemaValidator{doc: doc}
	for name, s := range schemas {
		if err := v.checkKeywords(s, "#/components/schemas/"+name); err != nil {
			t.Error(err)
		}
	}
	checkOperations(t, doc)
	checkErrorCodes(t, doc)
}

// checkOperations checks each operation's path parameters, responses
// and security.
func checkOperations(t *testing.T, doc *openAPI) {
	t.Helper()
	schemes, _ := doc.root["components"].(map[string]any)["securitySchemes"].(map[string]any)
	paths, _ := doc.root["paths"].(map[string]any)
	ids := map[string]string{}
	for p, item := range paths {
		item := item.(map[string]any)
		for _, m := range httpMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(m) + " " + p
			if id, _ := op["operationId"].(string); id == "" || ids[id] != "" {
				t.Errorf("%s: operationId %q missing or used twice (%s)", where, id, ids[id])
			} else {
				ids[id] = where
			}
			if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s: no responses", where)
			}
			checkPathParams(t, doc, where, p, item, op)
			for _, req := range securityOf(doc, op) {
				for name := range req {
					if schemes[name] == nil {
						t.Errorf("%s: unknown security scheme %q", where, name)
					}
				}
			}
		}
	}
}

// securityOf is the operation's security, or the document's.
func securityOf(doc *openAPI, op map[string]any) []map[string]any {
	sec, ok := op["security"].([]any)
	if !ok {
		sec, _ = doc.root["security"].([]any)
	}
	var out []map[string]any
	for _, s := range sec {
		m, _ := s.(map[string]any)
		out = append(out, m)
	}
	return out
}

// checkPathParams: the path's {params} are exactly the in: path
// parameters of the path item and the operation.
func checkPathParams(t *testing.T, doc *openAPI, where, p string, item, op map[string]any) {
	t.Helper()
	var want []string
	for _, seg := range strings.Split(p, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			want = append(want, strings.TrimSuffix(name, "}"))
		}
	}
	var got []string
	for _, src := range []map[string]any{item, op} {
		ps, _ := src["parameters"].([]any)
		for _, raw := range ps {
			prm, err := doc.deref(raw)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if prm["in"] == "path" {
				got = append(got, prm["name"].(string))
				if prm["required"] != true {
					t.Errorf("%s: path parameter %v must be required", where, prm["name"])
				}
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(want, got) {
		t.Errorf("%s: path parameters %v declared, %v in the path", where, got, want)
	}
}

// checkErrorCodes: the ErrorCode enum is every code respond.go can send.
func checkErrorCodes(t *testing.T, doc *openAPI) {
	t.Helper()
	node, err := doc.resolve("#/components/schemas/ErrorCode")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range node.(map[string]any)["enum"].([]any) {
		got = append(got, c.(string))
	}
	var want []string
	for _, c := range errorCodes {
		want = append(want, c)
	}
	for _, cs := range moreCodes {
		want = append(want, cs...)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("ErrorCode enum %v, want the codes of respond.go %v", got, want)
	}
}
