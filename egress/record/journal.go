package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/roomcast/roomcast/storage/archive"
)

// journalEntry marks a recording in progress on this machine.
type journalEntry struct {
	ID         string `json:"id"`
	Tenant     string `json:"tenant"`
	Room       string `json:"room"`
	Generation int    `json:"generation,omitempty"`
}

func journalDir(workDir string) string { return filepath.Join(workDir, "active") }

func writeJournal(workDir string, e journalEntry) error {
	dir := journalDir(workDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("record: journal: %w", err)
	}
	b, _ := json.Marshal(e)
	tmp := filepath.Join(dir, e.ID+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("record: journal: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, e.ID+".json"))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("record: journal: %w", err)
	}
	return nil
}

func removeJournal(workDir, id string) {
	_ = os.Remove(filepath.Join(journalDir(workDir), id+".json"))
}

// readJournal lists the entries left in the work directory; unreadable
// ones are returned as errors and left in place.
func readJournal(workDir string) ([]journalEntry, []error) {
	des, err := os.ReadDir(journalDir(workDir))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("record: journal: %w", err)}
	}
	var out []journalEntry
	var errs []error
	for _, de := range des {
		name := de.Name()
		if strings.HasSuffix(name, ".tmp") {
			_ = os.Remove(filepath.Join(journalDir(workDir), name))
			continue
		}
		b, err := os.ReadFile(filepath.Join(journalDir(workDir), name))
		var e journalEntry
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		if err == nil && (!archive.ValidID(e.ID) || e.Tenant == "" || e.Room == "" || name != e.ID+".json") {
			err = fmt.Errorf("bad entry")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("record: journal %s: %w", name, err))
			continue
		}
		out = append(out, e)
	}
	return out, errs
}
