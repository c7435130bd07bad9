package client

import (
	"context"
	"net/http"

	"github.com/roomcast/roomcast/api/types"
)

// CreateRoom creates a room: POST /v1/rooms.
func (c *Client) CreateRoom(ctx context.Context, name string) (types.Room, error) {
	return do[types.Room](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "rooms"), map[string]string{"name": name})
}

// ListRooms lists the caller's rooms: GET /v1/rooms.
func (c *Client) ListRooms(ctx context.Context) ([]types.Room, error) {
	return list[types.Room](ctx, c, c.endpoint(nil, "v1", "rooms"), "rooms")
}

// GetRoom describes a room: GET /v1/rooms/{room}.
func (c *Client) GetRoom(ctx context.Context, name string) (types.Room, error) {
	return do[types.Room](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "rooms", name), nil)
}

// DeleteRoom closes a room and disconnects everyone in it:
// DELETE /v1/rooms/{room}.
func (c *Client) DeleteRoom(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, c.endpoint(nil, "v1", "rooms", name), nil, nil)
}

// CreateToken makes a participant's join token for a room:
// POST /v1/rooms/{room}/tokens. The token is a credential.
func (c *Client) CreateToken(ctx context.Context, room string, req types.TokenRequest) (types.Token, error) {
	return do[types.Token](ctx, c, http.MethodPost, c.endpoint(nil, "v1", "rooms", room, "tokens"), req)
}
