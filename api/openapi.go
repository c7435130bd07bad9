package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// OpenAPIContentType is the media type GET /v1/openapi.yaml answers with
// (RFC 9512).
const OpenAPIContentType = "application/yaml"

// openAPIDoc is the OpenAPI 3.1 description of this API. openapi_test.go
// keeps it true: every registered route is in it, and every response the
// package's tests provoke matches it.
//
//go:embed openapi.yaml
var openAPIDoc []byte

// serveOpenAPI is GET /v1/openapi.yaml, which needs no key.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", OpenAPIContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDoc)
}
