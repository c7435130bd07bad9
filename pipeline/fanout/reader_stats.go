package fanout

// ReaderStats counts what happened to the units offered to one reader.
// Every unit written while the reader is attached is eventually exactly
// one of Delivered, Dropped or Skipped, or is discarded by Reader.Close.
type ReaderStats struct {
	Delivered uint64 // units Read returned
	// Dropped counts units lost because the reader fell behind: units that
	// arrived while the ring was full or the reader waited for a keyframe
	// after that, and the stale units cleared when it restarted.
	Dropped uint64
	// Skipped counts units passed over on purpose: before the first
	// keyframe after NewReader or Reset, and the units Reset discarded.
	Skipped    uint64
	DropEvents uint64 // times the reader fell behind (its ring was full)
	Buffered   int    // units waiting in the ring now
}
