package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The HTTP cases' routes.
const (
	egressPath = "/v1/egress/" + benchJob
	tokensPath = "/v1/rooms/" + benchRoom + "/tokens"
	whipPath   = "/v1/rooms/" + benchRoom + "/whip"
	tokenBody  = `{"name":"guest","publish":true,"ttl_seconds":600}`
)

// newRequest is a request with a bearer credential and, with a body,
// its content type.
func newRequest(ctx context.Context, method, url, bearer, ctype, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, nil
}

// keyedCases are the cases run for a fixed window: the job read and the
// token minting with the store key, and WHIP through auth only (a valid
// token, an empty offer: refused with 400 after the token and the room
// are checked, before any WebRTC work).
func keyedCases(fx *fixture) []httpCase {
	return []httpCase{
		{name: "GET /v1/egress/{id} (store key)", want: http.StatusOK, build: func(ctx context.Context) (*http.Request, error) {
			return newRequest(ctx, http.MethodGet, fx.URL+egressPath, fx.storeKey, "", "")
		}},
		{name: "POST /v1/rooms/{room}/tokens (store key)", want: http.StatusCreated, build: func(ctx context.Context) (*http.Request, error) {
			return tokenRequest(ctx, fx)
		}},
		{name: "POST /v1/rooms/{room}/whip (token, auth only)", want: http.StatusBadRequest, build: func(ctx context.Context) (*http.Request, error) {
			return newRequest(ctx, http.MethodPost, fx.URL+whipPath, fx.token, "application/sdp", "")
		}},
	}
}

// tokenRequest asks for a join token of benchRoom with the store key.
func tokenRequest(ctx context.Context, fx *fixture) (*http.Request, error) {
	return newRequest(ctx, http.MethodPost, fx.URL+tokensPath, fx.storeKey, "application/json", tokenBody)
}

// decodeAnswer checks resp's status and decodes its JSON body into v.
func decodeAnswer(resp *http.Response, want int, v any) error {
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("status %d, want %d: %s", resp.StatusCode, want, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
