// Package archive is the layout and catalog of recordings in a
// storage.Store. Every recording lives under {tenant}/{room}/{id}/ and
// describes itself with a manifest.json next to its init segments, media
// segments, HLS playlist (written once the recording has ended; the API
// builds the live one from the manifest) and raw tracks, so a copied
// bucket is still a full catalog. A long recording's manifest.json is a
// small head that names immutable index chunks of ChunkSegments
// segments each (index-NNNNN-{hash}.json), so that rewriting it after
// every segment costs bounded bytes; the catalog reads the whole. A small index object per recording, under
// {tenant}/_index/{id}, lets the catalog list a tenant's recordings
// newest first and find one by id without scanning the bucket; Rebuild
// recreates it from the manifests.
package archive
