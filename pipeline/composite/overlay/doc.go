// Package overlay draws branding and placeholders onto composed video
// frames cheaply: solid fills, logos and text labels converted once to
// YUV 4:2:0 with alpha (Image) so that blending them onto every frame is a
// few integer operations a pixel, and the tile a participant without a
// picture shows (Placeholder).
//
// Everything works on codec.VideoFrame (I420, BT.601 limited range). The
// package keeps no state between calls apart from the parsed Go fonts:
// caching labels and placeholders is the caller's job, and the costly calls
// (FromImage, Scaled, Text, Placeholder) are meant to run when a name, a
// logo or a size changes, not per frame.
//
// The text is set in the Go fonts (golang.org/x/image/font/gofont), under
// the BSD-style licence in LICENSE-go-fonts beside this file.
package overlay
