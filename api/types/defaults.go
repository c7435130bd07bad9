package types

// Validate checks branding on its own (a tenant's default for its
// composite jobs), naming the field at fault.
func (b *BrandingSpec) Validate() error { return b.validate() }

// Validate checks a video spec (after Spec.WithDefaults) on its own (a
// tenant's default canvas), naming the field at fault.
func (v VideoSpec) Validate() error { return v.validate() }

// DefaultLayouts are the layouts a tenant may make its default: those
// that need nothing else from the request.
var DefaultLayouts = []string{LayoutSpeaker, LayoutGrid, LayoutPresentation}
