package tenants

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"unicode/utf8"
)

// idRe is what a tenant id looks like: it is part of KV keys, storage
// prefixes and URLs.
// It is the rule of the config file's tenants (configs), whose tenants
// the store holds too.
var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// hostPatternRe is an RTMP host name, or "*." and a domain.
var hostPatternRe = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

const (
	maxName        = 200
	maxHostPattern = 253
	maxHosts       = 100
	tokenSecretLen = 32
)

// ValidID checks a tenant id.
func ValidID(id string) error {
	if !idRe.MatchString(id) {
		return invalid("id", fmt.Sprintf("%q: want 1 to 63 of a-z 0-9 '-' '_', starting with a letter or digit", id))
	}
	return nil
}

// validate checks a tenant before it is written.
func (t *Tenant) validate() error {
	if err := ValidID(t.ID); err != nil {
		return err
	}
	if len(t.Name) > maxName || !utf8.ValidString(t.Name) {
		return invalid("name", fmt.Sprintf("want UTF-8 of at most %d bytes", maxName))
	}
	if len(t.TokenSecret) != 0 && len(t.TokenSecret) < tokenSecretLen {
		return invalid("token_secret", fmt.Sprintf("want at least %d bytes", tokenSecretLen))
	}
	return t.Settings.validate()
}

func (s *Settings) validate() error {
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"branding", s.Branding}, {"layout", s.Layout}, {"canvas", s.Canvas}} {
		if len(f.raw) > 0 && !json.Valid(f.raw) {
			return invalid("settings."+f.name, "not JSON")
		}
	}
	if err := s.Quotas.validate(); err != nil {
		return err
	}
	if err := validHosts(s.AllowedRTMPHosts); err != nil {
		return err
	}
	if err := s.Storage.validate(); err != nil {
		return err
	}
	return s.Webhook.validate()
}

func (q Quotas) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"rooms", q.Rooms}, {"participants_per_room", q.ParticipantsPerRoom}, {"concurrent_jobs", q.ConcurrentJobs},
		{"targets_per_job", q.TargetsPerJob}, {"retention_days", q.RetentionDays},
	} {
		if f.v < 0 {
			return invalid("settings.quotas."+f.name, "want 0 (no limit) or more")
		}
	}
	return nil
}

func validHosts(hosts []string) error {
	if len(hosts) > maxHosts {
		return invalid("settings.allowed_rtmp_hosts", fmt.Sprintf("at most %d", maxHosts))
	}
	for i, h := range hosts {
		if len(h) > maxHostPattern || !hostPatternRe.MatchString(h) {
			return invalid(fmt.Sprintf("settings.allowed_rtmp_hosts[%d]", i),
				fmt.Sprintf("%q: want a lower-case host name or *.domain", h))
		}
	}
	return nil
}

func (s *Storage) validate() error {
	if s == nil {
		return nil
	}
	if s.Bucket == "" {
		return invalid("settings.storage.bucket", "required")
	}
	if s.Endpoint != "" {
		if err := httpURL(s.Endpoint); err != nil {
			return invalid("settings.storage.endpoint", err.Error())
		}
	}
	if s.SecretAccessKey != "" && s.AccessKeyID == "" {
		return invalid("settings.storage.access_key_id", "required with a secret access key")
	}
	return nil
}

func (w *Webhook) validate() error {
	if w == nil {
		return nil
	}
	if err := httpURL(w.URL); err != nil {
		return invalid("settings.webhook.url", err.Error())
	}
	if len(w.Secret) < minWebhookSecret {
		return invalid("settings.webhook.secret", fmt.Sprintf("required: at least %d characters, to sign the deliveries", minWebhookSecret))
	}
	return nil
}

// minWebhookSecret is the shortest webhook secret a tenant may set.
const minWebhookSecret = 16

// httpURL checks an absolute http(s) URL; its error shows no
// credentials the URL may carry.
func httpURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http or https URL with a host")
	}
	return nil
}
