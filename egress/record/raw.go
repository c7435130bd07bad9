package record

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/roomcast/roomcast/pipeline/rawrec"
	"github.com/roomcast/roomcast/storage/archive"
)

// rawFile spools a closed raw part and names it in the manifest.
func (r *Recording) rawFile(f rawrec.File) {
	r.mu.Lock()
	name := rawName(r.man.Generation, f.Name)
	r.mu.Unlock()
	sum, err := fileSHA256(f.Path)
	if err == nil && !archive.ValidName(name) {
		err = fmt.Errorf("bad raw file name %q", name)
	}
	// r.mu is held across the enqueue, so that an eviction of this part
	// (applyEvictions) finds it listed.
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		err = r.cfg.Spool.EnqueueExpendableFile(r.key(name), f.Path, func() { r.rawEvicted(name) })
	}
	if err != nil {
		r.lastErr = fmt.Errorf("raw track %s: %w", f.Name, err)
		r.log.Warn("raw track part lost", "name", f.Name, "err", err)
		r.rawDroppedLocked(f.Size)
		_ = os.Remove(f.Path)
		return
	}
	r.man.Raw = append(r.man.Raw, archive.RawFile{
		File:        archive.File{Name: name, Size: f.Size, SHA256: sum},
		Participant: f.Participant, Track: f.TrackID, Codec: strings.ToLower(string(f.Codec)), Duration: f.Duration.Seconds(),
	})
	if !r.finished {
		if err := r.publishLocked(); err != nil {
			r.lastErr = err
		}
	}
}

// rawName is the object name of raw part file name (participant/track-part)
// written by recorder generation gen: like segments, a later generation's
// parts carry "g{gen}-", so a new owner that numbers its parts from 1
// again never overwrites or duplicates the names an earlier one wrote.
func rawName(gen int, name string) string {
	dir, base := path.Split(name)
	return archive.RawDir + dir + archive.GenName(gen, base)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
