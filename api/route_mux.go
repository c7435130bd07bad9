package api

import (
	"net/http"
	"slices"
)

// routeMux is a ServeMux that remembers the patterns registered on it, so
// that the routes a server answers can be listed (Server.Routes) and
// checked against the API's description (api/openapi.yaml).
type routeMux struct {
	http.ServeMux
	patterns []string
}

// Handle registers h for pattern and records the pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers f for pattern and records the pattern.
func (m *routeMux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// Routes lists the ServeMux patterns the server registered ("GET
// /v1/rooms/{room}", "/v1/"), in registration order.
func (s *Server) Routes() []string { return slices.Clone(s.mux.patterns) }
