package rtmp

import (
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/yapingcat/gomedia/go-codec"
)

// aacConfig is the track's AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1):
// its Config, or else AAC-LC built from SampleRate and Channels.
func aacConfig(t *media.Track) []byte {
	if len(t.Config) >= 2 {
		return t.Config
	}
	asc := codec.NewAudioSpecificConfiguration()
	asc.Audio_object_type = 2 // AAC-LC
	asc.Sample_freq_index = 4 // 44100 Hz unless the track says otherwise
	for i, rate := range codec.AAC_Sampling_Idx {
		if rate == t.SampleRate {
			asc.Sample_freq_index = uint8(i)
		}
	}
	asc.Channel_configuration = uint8(min(max(t.Channels, 1), 7))
	return asc.Encode()
}
