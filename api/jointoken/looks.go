package jointoken

import "strings"

// Looks reports whether a bearer credential has the shape of a join
// token (a JWS: three dot-separated parts, the first a JSON object, so
// "eyJ" in base64url) rather than of an API key (rck_<id>_<secret> or a
// configured string), to choose which check to run. It checks no more:
// Verify decides.
func Looks(token string) bool {
	return strings.HasPrefix(token, "eyJ") && strings.Count(token, ".") == 2
}
