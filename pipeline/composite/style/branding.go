package style

// Logo corners and title positions.
const (
	LogoTopLeft     = "top-left"
	LogoTopRight    = "top-right"
	LogoBottomLeft  = "bottom-left"
	LogoBottomRight = "bottom-right"
	TitleTop        = "top"
	TitleBottom     = "bottom"
)

// LogoPositions lists the logo corners.
var LogoPositions = []string{LogoTopLeft, LogoTopRight, LogoBottomLeft, LogoBottomRight}

// Bounds of the branding.
const (
	MinLogoScale, MaxLogoScale = 0.02, 0.5
	DefaultLogoScale           = 0.12
	MaxLogoMargin              = 400
	MaxTitleRunes              = 120
	MinFontSize, MaxFontSize   = 6, 200
)
