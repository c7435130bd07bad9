package nginxrtmp

import (
	"fmt"
	"net/http"
	"time"
)

// onRecordDone receives nginx-rtmp's on_record_done notification (a form
// POST with name and path) once a recording file is closed.
func (s *Server) onRecordDone(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.rmu.Lock()
	s.done[r.Form.Get("name")] = r.Form.Get("path")
	close(s.changed)
	s.changed = make(chan struct{})
	s.rmu.Unlock()
}

// WaitRecordDone waits until nginx has closed the recording of key and
// returns its path.
func (s *Server) WaitRecordDone(key string, timeout time.Duration) (string, error) {
	deadline := time.After(timeout)
	for {
		s.rmu.Lock()
		path, ok := s.done[key]
		changed := s.changed
		s.rmu.Unlock()
		if ok {
			return path, nil
		}
		select {
		case <-changed:
		case <-deadline:
			return "", fmt.Errorf("nginxrtmp: recording of the stream not closed within %s", timeout)
		}
	}
}
