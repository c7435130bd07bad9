package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"time"
)

// Probe is what ffprobe reports of a media file.
type Probe struct {
	Streams  []ProbeStream
	Duration time.Duration
	Tags     map[string]string // format tags (FLV onMetaData lands here)
	Video    []ProbePacket     // video packets in DTS order
	Audio    []ProbePacket
}

// ProbeStream is one stream of a file.
type ProbeStream struct {
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

// ProbePacket is one packet: its time and whether it is a keyframe.
type ProbePacket struct {
	PTS time.Duration
	Key bool
}

type ffprobeOut struct {
	Streams []ProbeStream `json:"streams"`
	Format  struct {
		Duration string            `json:"duration"`
		Tags     map[string]string `json:"tags"`
	} `json:"format"`
	Packets []struct {
		CodecType string `json:"codec_type"`
		PTSTime   string `json:"pts_time"`
		Flags     string `json:"flags"`
	} `json:"packets"`
}

// ProbeFile runs ffprobe on path.
func ProbeFile(path string) (*Probe, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-print_format", "json",
		"-show_streams", "-show_format", "-show_packets", "-show_entries",
		"packet=codec_type,pts_time,flags:stream=codec_type,codec_name,width,height:format=duration:format_tags", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w: %s", path, err, stderr.String())
	}
	var raw ffprobeOut
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	return raw.probe(), nil
}

func (raw *ffprobeOut) probe() *Probe {
	p := &Probe{Streams: raw.Streams, Tags: raw.Format.Tags, Duration: seconds(raw.Format.Duration)}
	for _, pk := range raw.Packets {
		pp := ProbePacket{PTS: seconds(pk.PTSTime), Key: len(pk.Flags) > 0 && pk.Flags[0] == 'K'}
		switch pk.CodecType {
		case "video":
			p.Video = append(p.Video, pp)
		case "audio":
			p.Audio = append(p.Audio, pp)
		}
	}
	sort.Slice(p.Video, func(i, j int) bool { return p.Video[i].PTS < p.Video[j].PTS })
	sort.Slice(p.Audio, func(i, j int) bool { return p.Audio[i].PTS < p.Audio[j].PTS })
	return p
}

func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// Codecs returns the codec name of each stream type, e.g. video → h264.
func (p *Probe) Codecs() map[string]string {
	m := map[string]string{}
	for _, s := range p.Streams {
		m[s.CodecType] = s.CodecName
	}
	return m
}

// MaxKeyframeInterval is the longest time between two video keyframes
// (or from the last keyframe to the end).
func (p *Probe) MaxKeyframeInterval() time.Duration {
	var maxGap, last time.Duration
	seen := false
	for _, pk := range p.Video {
		if pk.Key {
			if seen {
				maxGap = max(maxGap, pk.PTS-last)
			}
			last, seen = pk.PTS, true
		}
	}
	if n := len(p.Video); seen && n > 0 {
		maxGap = max(maxGap, p.Video[n-1].PTS-last)
	}
	return maxGap
}

// MaxGap is the longest time between consecutive packets of a kind.
func MaxGap(pks []ProbePacket) time.Duration {
	var g time.Duration
	for i := 1; i < len(pks); i++ {
		g = max(g, pks[i].PTS-pks[i-1].PTS)
	}
	return g
}

// DecodeErrors runs a full decode with ffmpeg and returns what it printed
// (empty for a clean file). Frames keep their own times (-fps_mode vfr):
// ffmpeg's default constant-rate output would call two frames closer than
// 1/fps "non monotonically increasing", which is not a decoding error.
func DecodeErrors(path string, extra ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"-nostdin", "-v", "error"}, extra...)
	args = append(args, "-i", path, "-fps_mode", "vfr", "-f", "null", "-")
	cmd := exec.CommandContext(ctx, "ffmpeg", args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ProbeTags plays a live stream (e.g. rtmp://…) with ffprobe and returns
// its format tags, where FLV's onMetaData lands.
func ProbeTags(url string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rw_timeout", "10000000",
		"-print_format", "json", "-show_format", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w: %s", url, err, stderr.String())
	}
	var raw ffprobeOut
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w", url, err)
	}
	return raw.Format.Tags, nil
}

// Gaps lists the packets that come more than limit after the previous one.
func Gaps(pks []ProbePacket, limit time.Duration) []string {
	var out []string
	for i := 1; i < len(pks); i++ {
		if d := pks[i].PTS - pks[i-1].PTS; d > limit {
			out = append(out, fmt.Sprintf("%v+%v", pks[i-1].PTS, d))
		}
	}
	return out
}
