package codec

/*
#cgo pkg-config: libavutil libswresample
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>

// rc_layout_mask returns the channel mask of a native-order layout, else 0.
static uint64_t rc_layout_mask(const AVChannelLayout *l) {
	return l->order == AV_CHANNEL_ORDER_NATIVE ? l->u.mask : 0;
}

// rc_swr_new returns an initialised resampler from in_layout (or, when it is
// not a valid ordered layout, the default layout of in_channels) in in_fmt at
// in_rate to the default layout of out_channels in out_fmt at out_rate. On
// failure it returns NULL and sets *err.
static SwrContext *rc_swr_new(const AVChannelLayout *in_layout, int in_channels, int in_fmt, int in_rate,
		int out_channels, int out_fmt, int out_rate, int *err) {
	AVChannelLayout in_l = {0}, out_l = {0};
	SwrContext *s = NULL;
	int r = 0;
	if (in_layout && in_layout->order != AV_CHANNEL_ORDER_UNSPEC && av_channel_layout_check(in_layout)) {
		r = av_channel_layout_copy(&in_l, in_layout);
	} else {
		av_channel_layout_default(&in_l, in_channels);
	}
	av_channel_layout_default(&out_l, out_channels);
	if (r >= 0) {
		r = swr_alloc_set_opts2(&s, &out_l, out_fmt, out_rate, &in_l, in_fmt, in_rate, 0, NULL);
	}
	// Mono goes to both stereo channels at its level, as the Opus decoder
	// does, not 3 dB down as libswresample mixes a centre channel.
	if (r >= 0 && in_l.nb_channels == 1 && out_channels == 2) {
		const double both[2] = {1.0, 1.0};
		r = swr_set_matrix(s, both, 1);
	}
	if (r >= 0) {
		r = swr_init(s);
	}
	av_channel_layout_uninit(&in_l);
	av_channel_layout_uninit(&out_l);
	if (r < 0) {
		swr_free(&s);
		*err = r;
		return NULL;
	}
	return s;
}

// rc_swr_convert converts in_count samples of one interleaved buffer (NULL
// to drain) into the interleaved out, which holds out_count samples.
static int rc_swr_convert(SwrContext *s, uint8_t *out, int out_count, const uint8_t *in, int in_count) {
	uint8_t *outs[1] = { out };
	const uint8_t *ins[1] = { in };
	return swr_convert(s, outs, out_count, in ? ins : NULL, in_count);
}

// rc_swr_convert_frame converts the samples of f, in any layout, into the
// interleaved out, which holds out_count samples.
static int rc_swr_convert_frame(SwrContext *s, uint8_t *out, int out_count, const AVFrame *f) {
	uint8_t *outs[1] = { out };
	return swr_convert(s, outs, out_count, (const uint8_t **)f->extended_data, f->nb_samples);
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// swrInput describes what a swr context was built for; a change rebuilds it.
type swrInput struct {
	format   astiav.SampleFormat
	rate     int
	channels int
	mask     uint64 // native channel mask, 0 for the default layout
}

// swr converts PCM of any format, rate and layout to interleaved float32
// at outRate with outChannels (libswresample).
type swr struct {
	c           *C.SwrContext
	in          swrInput
	outRate     int
	outChannels int
}

// ensure (re)builds the context for in; layout may be nil.
func (s *swr) ensure(in swrInput, layout *C.AVChannelLayout) error {
	if s.c != nil && s.in == in {
		return nil
	}
	s.free()
	var cerr C.int
	c := C.rc_swr_new(layout, C.int(in.channels), C.int(in.format), C.int(in.rate),
		C.int(s.outChannels), C.int(astiav.SampleFormatFlt), C.int(s.outRate), &cerr)
	if c == nil {
		return fmt.Errorf("swresample init %s %d Hz %d ch: %w", in.format, in.rate, in.channels, astiav.Error(int(cerr)))
	}
	s.c, s.in = c, in
	return nil
}

// delay is the number of output samples the context holds back.
func (s *swr) delay() int64 {
	if s.c == nil {
		return 0
	}
	return int64(C.swr_get_delay(s.c, C.int64_t(s.outRate)))
}

// out returns a buffer big enough for the output of n more input samples.
func (s *swr) out(n int) ([]float32, int, error) {
	most := int(C.swr_get_out_samples(s.c, C.int(n)))
	if most < 0 {
		return nil, 0, fmt.Errorf("swresample out samples: %w", astiav.Error(most))
	}
	return make([]float32, (most+1)*s.outChannels), most + 1, nil
}

// convertFrame converts the samples of a decoded frame.
func (s *swr) convertFrame(f *astiav.Frame) ([]float32, error) {
	cf := cFrame(f)
	in := swrInput{
		format:   f.SampleFormat(),
		rate:     f.SampleRate(),
		channels: int(cf.ch_layout.nb_channels),
		mask:     uint64(C.rc_layout_mask(&cf.ch_layout)),
	}
	if in.rate <= 0 || in.channels <= 0 || f.NbSamples() <= 0 {
		return nil, fmt.Errorf("%w: audio frame of %d samples, %d Hz, %d channels", ErrInvalidInput, f.NbSamples(), in.rate, in.channels)
	}
	if err := s.ensure(in, &cf.ch_layout); err != nil {
		return nil, err
	}
	buf, capacity, err := s.out(f.NbSamples())
	if err != nil {
		return nil, err
	}
	n := C.rc_swr_convert_frame(s.c, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.int(capacity), cf)
	if n < 0 {
		return nil, fmt.Errorf("swresample convert: %w", astiav.Error(int(n)))
	}
	return buf[:int(n)*s.outChannels], nil
}

// convert converts interleaved float32 samples with the given rate and
// channel count; nil pcm drains what the context holds.
func (s *swr) convert(pcm []float32, rate, channels int) ([]float32, error) {
	if err := s.ensure(swrInput{format: astiav.SampleFormatFlt, rate: rate, channels: channels}, nil); err != nil {
		return nil, err
	}
	frames := len(pcm) / channels
	buf, capacity, err := s.out(frames)
	if err != nil {
		return nil, err
	}
	var in *C.uint8_t
	if frames > 0 {
		in = (*C.uint8_t)(unsafe.Pointer(&pcm[0]))
	}
	n := C.rc_swr_convert(s.c, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.int(capacity), in, C.int(frames))
	if n < 0 {
		return nil, fmt.Errorf("swresample convert: %w", astiav.Error(int(n)))
	}
	return buf[:int(n)*s.outChannels], nil
}

// free releases the context; s can be ensured again.
func (s *swr) free() {
	if s.c != nil {
		C.swr_free(&s.c)
	}
}
