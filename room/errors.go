package room

import "errors"

// Sentinel errors. Every error the Manager returns for a caller mistake wraps
// one of them with detail, so the HTTP layer can map it with errors.Is and
// show the message.
var (
	ErrInvalidName      = errors.New("invalid name")
	ErrRoomExists       = errors.New("room already exists")
	ErrRoomNotFound     = errors.New("room not found")
	ErrRoomFull         = errors.New("room is full")
	ErrBadSDP           = errors.New("bad SDP")
	ErrUnsupportedCodec = errors.New("unsupported codec")
	ErrSessionNotFound  = errors.New("session not found")
	// ErrClosed is returned by every Manager method after Close.
	ErrClosed = errors.New("room manager closed")
)
