// Package apifixture serves the real HTTP API (api.Server) in an
// httptest server for tests of its clients: a real room manager, a real
// recordings catalog on a local store (with real H.264 + AAC recordings
// on demand), an Egress that keeps jobs in memory and runs none, and
// workers and parked webhook events given by the test.
package apifixture
