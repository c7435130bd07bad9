// Package style is the pure-Go vocabulary of a composed picture's look:
// the branding's bounds and positions (logo corners, title sides, font
// sizes), colours as requests spell them, and the checks of a logo file.
// The compositor (pipeline/composite and overlay) draws with them; the
// API (api/types) checks requests against the same definitions without
// linking FFmpeg, so this package must stay free of cgo and of any
// package that links it.
package style
