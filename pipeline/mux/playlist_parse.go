package mux

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadPlaylist reports a playlist ParsePlaylist cannot read.
var ErrBadPlaylist = errors.New("bad playlist")

// maxSegmentSeconds bounds EXTINF values ParsePlaylist accepts.
const maxSegmentSeconds = 1e6

// ParsePlaylist reads a media playlist as Playlist.WriteTo writes it (RFC
// 8216 §4), to rebuild a recording's state after a crash. Tags it does
// not use are skipped.
func ParsePlaylist(data []byte) (*Playlist, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	p := &Playlist{}
	var (
		cur     PlaylistSegment
		haveInf bool
		first   = true
	)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "#EXTM3U" {
				return nil, fmt.Errorf("%w: missing #EXTM3U", ErrBadPlaylist)
			}
			first = false
			continue
		}
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			if !haveInf {
				return nil, fmt.Errorf("%w: URI %q without #EXTINF", ErrBadPlaylist, line)
			}
			cur.Name = line
			p.Segments = append(p.Segments, cur)
			cur = PlaylistSegment{Init: cur.Init}
			haveInf = false
			continue
		}
		if err := parseTag(p, &cur, &haveInf, line); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPlaylist, err)
	}
	if first {
		return nil, fmt.Errorf("%w: empty", ErrBadPlaylist)
	}
	if haveInf {
		return nil, fmt.Errorf("%w: #EXTINF without URI", ErrBadPlaylist)
	}
	return p, nil
}

func parseTag(p *Playlist, cur *PlaylistSegment, haveInf *bool, line string) error {
	name, value, _ := strings.Cut(line, ":")
	switch name {
	case "#EXT-X-MEDIA-SEQUENCE":
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: media sequence: %w", ErrBadPlaylist, err)
		}
		p.MediaSequence = n
	case "#EXT-X-ENDLIST":
		p.Ended = true
	case "#EXT-X-DISCONTINUITY":
		cur.Discontinuity = true
	case "#EXT-X-MAP":
		uri, err := quotedAttr(value, "URI")
		if err != nil {
			return err
		}
		cur.Init = uri
	case "#EXTINF":
		d, err := parseExtinf(value)
		if err != nil {
			return err
		}
		cur.Duration, *haveInf = d, true
	}
	return nil
}

// parseExtinf reads "<duration>,[<title>]" to millisecond precision.
func parseExtinf(v string) (time.Duration, error) {
	num, _, _ := strings.Cut(v, ",")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxSegmentSeconds {
		return 0, fmt.Errorf("%w: EXTINF %q", ErrBadPlaylist, v)
	}
	return time.Duration(math.Round(f*1000)) * time.Millisecond, nil
}

// quotedAttr returns the quoted-string value of key in an attribute list
// (RFC 8216 §4.2).
func quotedAttr(list, key string) (string, error) {
	for list != "" {
		k, rest, ok := strings.Cut(list, "=")
		if !ok {
			break
		}
		k = strings.TrimSpace(k)
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return "", fmt.Errorf("%w: unterminated quoted string", ErrBadPlaylist)
			}
			val, rest = rest[1:1+end], rest[2+end:]
		} else if k == key {
			return "", fmt.Errorf("%w: %s is not a quoted string", ErrBadPlaylist, key)
		} else {
			val, rest, _ = strings.Cut(rest, ",")
		}
		if k == key {
			if val == "" {
				return "", fmt.Errorf("%w: empty %s", ErrBadPlaylist, key)
			}
			return val, nil
		}
		rest = strings.TrimPrefix(strings.TrimSpace(rest), ",")
		list = rest
	}
	return "", fmt.Errorf("%w: no %s attribute", ErrBadPlaylist, key)
}
