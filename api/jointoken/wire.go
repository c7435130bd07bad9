package jointoken

import (
	"encoding/json"
	"errors"
	"time"
)

// wireClaims is the JSON payload of a token (RFC 7519 §4). Times are
// NumericDate: whole seconds since the Unix epoch.
type wireClaims struct {
	Issuer    string `json:"iss"`
	Tenant    string `json:"tid"`
	Room      string `json:"room"`
	Name      string `json:"name,omitempty"`
	Publish   bool   `json:"pub"`
	Subscribe bool   `json:"sub_ok"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
}

func toWire(c Claims) wireClaims {
	return wireClaims{
		Issuer: c.Issuer, Tenant: c.Tenant, Room: c.Room, Name: c.Name,
		Publish: c.Publish, Subscribe: c.Subscribe,
		IssuedAt: c.IssuedAt.Unix(), ExpiresAt: c.ExpiresAt.Unix(), ID: c.ID,
	}
}

func (w wireClaims) claims() Claims {
	return Claims{
		Issuer: w.Issuer, Tenant: w.Tenant, Room: w.Room, Name: w.Name,
		Publish: w.Publish, Subscribe: w.Subscribe,
		IssuedAt: numericDate(w.IssuedAt), ExpiresAt: numericDate(w.ExpiresAt), ID: w.ID,
	}
}

func numericDate(sec int64) time.Time {
	if sec == 0 {
		return time.Time{} // absent: validate refuses it
	}
	return time.Unix(sec, 0).UTC()
}

// parseClaims decodes the payload. Members it does not know are ignored
// (RFC 7519 §4); a member of the wrong type, or a fractional date, is not.
func parseClaims(part string) (Claims, error) {
	b, err := decodePart(part)
	if err != nil {
		return Claims{}, err
	}
	var w wireClaims
	if err := json.Unmarshal(b, &w); err != nil {
		return Claims{}, errors.New("claims are not a JSON object of the expected types")
	}
	c := w.claims()
	if c.Issuer != Issuer {
		return Claims{}, errors.New("issuer is not roomcast")
	}
	if err := c.validate(); err != nil {
		return Claims{}, err
	}
	return c, nil
}
