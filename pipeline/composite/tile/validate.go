package tile

import (
	"fmt"
	"strings"
)

// FieldError is a request field that is not valid, and why.
type FieldError struct {
	Field  string // as the request spells it: "regions", "regions[2].w"
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// fieldError returns a *FieldError as an error.
func fieldError(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

// regionField names field of regions[i].
func regionField(i int, field string) string { return fmt.Sprintf("regions[%d].%s", i, field) }

// ValidateRegions checks the regions of a custom layout for a width×height
// canvas. It returns nil or a *FieldError naming the first field at
// fault: "width" or "height" for a canvas under 2 pixels; "regions" for
// none or more than MaxTiles; "regions[i].x" (y, w, h) for a number that
// is not finite, a negative position, a size that is not positive, a
// rectangle past the canvas, or one under 2 pixels once in even pixels;
// "regions[i].source" for an empty source; "regions[i].fit" for an
// unknown fit; "regions[j].z" for a region overlapping an earlier one
// with the same Z. On the same canvas, Custom gives each region it
// accepts a tile of at least 2×2 even pixels (when its source is there),
// and tiles of the same Z never overlap.
func ValidateRegions(regions []Region, width, height int) error {
	w, h := evenDown(width), evenDown(height)
	switch {
	case w < 2:
		return fieldError("width", "must be at least 2 pixels")
	case h < 2:
		return fieldError("height", "must be at least 2 pixels")
	case len(regions) == 0:
		return fieldError("regions", "needs at least one region")
	case len(regions) > MaxTiles:
		return fieldError("regions", fmt.Sprintf("has %d regions, at most %d are allowed", len(regions), MaxTiles))
	}
	rects := make([]Rect, len(regions))
	for i, r := range regions {
		if err := validateRegion(i, r, w, h); err != nil {
			return err
		}
		rects[i], _ = r.pixels(w, h)
	}
	return checkOverlaps(regions, rects)
}

// validateRegion checks regions[i], r, on a w×h canvas (even sizes).
func validateRegion(i int, r Region, w, h int) error {
	axes := r.axes(w, h)
	for _, a := range axes {
		if !allFinite(a.start) {
			return fieldError(regionField(i, a.startField), "must be a finite number")
		}
		if !allFinite(a.length) {
			return fieldError(regionField(i, a.lengthField), "must be a finite number")
		}
	}
	for _, a := range axes {
		if err := checkAxis(i, a, r.isFractional()); err != nil {
			return err
		}
	}
	if strings.TrimSpace(r.Source) == "" {
		return fieldError(regionField(i, "source"), `must name a participant (name or id), or be "speaker", "screen" or "next"`)
	}
	if r.Fit != "" && r.Fit != FitContain && r.Fit != FitCover {
		return fieldError(regionField(i, "fit"), fmt.Sprintf(`is %q; must be "contain" or "cover"`, r.Fit))
	}
	return nil
}

// checkAxis checks one axis of regions[i], whose numbers are finite.
func checkAxis(i int, a regionAxis, fractional bool) error {
	end := (a.start + a.length) * a.scale(fractional)
	lo, hi := a.span(fractional)
	switch {
	case a.start < 0:
		return fieldError(regionField(i, a.startField), "must not be negative")
	case a.length <= 0:
		return fieldError(regionField(i, a.lengthField), "must be positive")
	case end > float64(a.canvas)+1e-6:
		return fieldError(regionField(i, a.lengthField), fmt.Sprintf("%s+%s ends at pixel %g, past the canvas %s of %d",
			a.startField, a.lengthField, end, a.canvasName, a.canvas))
	case hi-lo < 2:
		return fieldError(regionField(i, a.lengthField), "is under 2 pixels once rounded to even pixels")
	}
	return nil
}

// checkOverlaps returns an error for the first region that overlaps an
// earlier one with the same Z; rects are the regions in pixels.
func checkOverlaps(regions []Region, rects []Rect) error {
	for j := range regions {
		for i := range j {
			if regions[i].Z == regions[j].Z && overlaps(rects[i], rects[j]) {
				return fieldError(regionField(j, "z"),
					fmt.Sprintf("overlaps regions[%d] with the same z; give them different z", i))
			}
		}
	}
	return nil
}
