package room

import (
	"strings"

	"github.com/roomcast/roomcast/pipeline/media"
)

// screenTrackPrefix starts the msid track id of a video track that shows a
// shared screen.
const screenTrackPrefix = "screen"

// trackSource applies the marking rule of PublishOptions to a track of kind
// whose msid track id is msidTrackID, published by a session that is a
// screen share or not.
func trackSource(kind media.Kind, screenSession bool, msidTrackID string) media.Source {
	switch {
	case kind == media.KindAudio:
		return media.SourceMicrophone
	case screenSession || strings.HasPrefix(msidTrackID, screenTrackPrefix):
		return media.SourceScreen
	default:
		return media.SourceCamera
	}
}
