package rtmp

import "github.com/roomcast/roomcast/pipeline/media"

// FLV codec IDs (FLV spec v10.1, E.4.2.1 and E.4.3.1).
const (
	flvCodecAVC = 7
	flvCodecAAC = 10
)

// metadata is the @setDataFrame onMetaData data message (FLV spec v10.1,
// E.5 "onMetaData"), which gomedia does not send. Either track may be nil.
func metadata(video, audio *media.Track) []byte {
	props := []amfProp{}
	if video != nil {
		props = append(props,
			amfProp{"width", video.Width}, amfProp{"height", video.Height},
			amfProp{"framerate", video.FPS}, amfProp{"videocodecid", flvCodecAVC},
			amfProp{"videodatarate", video.BitrateKbps})
	}
	if audio != nil {
		props = append(props,
			amfProp{"audiocodecid", flvCodecAAC}, amfProp{"audiodatarate", audio.BitrateKbps},
			amfProp{"audiosamplerate", audio.SampleRate}, amfProp{"audiosamplesize", 16},
			amfProp{"stereo", audio.Channels >= 2})
	}
	props = append(props, amfProp{"encoder", "roomcast"})
	return amfEncode(nil, "@setDataFrame", "onMetaData", props)
}
