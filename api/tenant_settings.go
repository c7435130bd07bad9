package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/jobs/tenants"
)

// applyTenant applies a POST or PATCH body to t and checks the result; it
// does no I/O, so it may run again on a retried update.
func applyTenant(t *tenants.Tenant, req tenantRequest) error {
	if req.Name != nil {
		t.Name = *req.Name
	}
	if req.Disabled != nil {
		t.Disabled = *req.Disabled
	}
	if len(req.Settings) > 0 && string(req.Settings) != "null" {
		merged, err := mergeSettings(t.Settings, req.Settings)
		if err != nil {
			return err
		}
		webhookSince(t.Settings.Webhook, merged.Webhook, time.Now())
		t.Settings = merged
	}
	return checkSettings(t.Settings)
}

// mergeSettings replaces each setting the patch names (null clears it).
// A secret sent back as "********" keeps the stored one.
func mergeSettings(old tenants.Settings, patch json.RawMessage) (tenants.Settings, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(patch, &fields); err != nil {
		return old, &types.FieldError{Field: "settings", Reason: "want a JSON object"}
	}
	cur := map[string]json.RawMessage{}
	b, err := json.Marshal(old)
	if err == nil {
		err = json.Unmarshal(b, &cur)
	}
	if err != nil {
		return old, fmt.Errorf("settings: %w", err)
	}
	for k, v := range fields {
		if string(v) == "null" {
			delete(cur, k)
		} else {
			cur[k] = v
		}
	}
	var out tenants.Settings
	b, _ = json.Marshal(cur)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return old, &types.FieldError{Field: settingsField(jsonField(err)), Reason: jsonReason(err)}
	}
	return out, keepSecrets(old, &out)
}

// settingsField is the field path of a setting.
func settingsField(f string) string {
	if f == "" {
		return "settings"
	}
	return "settings." + f
}

// jsonReason is a JSON error's message without the decoder's prefix.
func jsonReason(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// keepSecrets puts the stored secrets back where the patch sent the mark.
func keepSecrets(old tenants.Settings, out *tenants.Settings) error {
	if s := out.Storage; s != nil && s.SecretAccessKey == secretMark {
		if old.Storage == nil || old.Storage.SecretAccessKey == "" {
			return &types.FieldError{Field: "settings.storage.secret_access_key", Reason: "no stored secret to keep: send the secret"}
		}
		s.SecretAccessKey = old.Storage.SecretAccessKey
	}
	if h := out.Webhook; h != nil && h.Secret == secretMark {
		if old.Webhook == nil || old.Webhook.Secret == "" {
			return &types.FieldError{Field: "settings.webhook.secret", Reason: "no stored secret to keep: send the secret"}
		}
		h.Secret = old.Webhook.Secret
	}
	return nil
}

// webhookSince dates a webhook URL: kept while the URL stays, now for a
// new one (what the request says is ignored).
func webhookSince(old, cur *tenants.Webhook, now time.Time) {
	if cur == nil {
		return
	}
	if old != nil && old.URL == cur.URL && !old.Since.IsZero() {
		cur.Since = old.Since
		return
	}
	cur.Since = now.UTC().Truncate(time.Second)
}

// tenantDefaults are a tenant's defaults for its composite jobs, decoded.
type tenantDefaults struct {
	Branding *types.BrandingSpec
	Layout   string
	Canvas   *types.VideoSpec
}

// decodeDefaults decodes and checks the settings the API gives meaning to.
func decodeDefaults(st tenants.Settings) (tenantDefaults, error) {
	var d tenantDefaults
	if len(st.Branding) > 0 {
		d.Branding = new(types.BrandingSpec)
		if err := strictJSON(st.Branding, d.Branding, "settings.branding"); err != nil {
			return d, err
		}
	}
	if len(st.Layout) > 0 {
		if err := strictJSON(st.Layout, &d.Layout, "settings.layout"); err != nil {
			return d, err
		}
	}
	if len(st.Canvas) > 0 {
		d.Canvas = new(types.VideoSpec)
		if err := strictJSON(st.Canvas, d.Canvas, "settings.canvas"); err != nil {
			return d, err
		}
	}
	return d, nil
}

func strictJSON(b []byte, v any, field string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f := jsonField(err); f != "" {
			field += "." + f
		}
		return &types.FieldError{Field: field, Reason: jsonReason(err)}
	}
	return nil
}

// checkSettings checks a tenant's settings as the API reads them.
func checkSettings(st tenants.Settings) error {
	d, err := decodeDefaults(st)
	if err != nil {
		return err
	}
	if d.Branding != nil {
		if err := d.Branding.Validate(); err != nil {
			return prefixField("settings.", err)
		}
	}
	if d.Layout != "" && !slices.Contains(types.DefaultLayouts, d.Layout) {
		return &types.FieldError{Field: "settings.layout", Reason: "want one of " + strings.Join(types.DefaultLayouts, ", ")}
	}
	if d.Canvas != nil {
		v := types.Spec{Video: *d.Canvas}.WithDefaults().Video
		if err := v.Validate(); err != nil {
			return prefixField("settings.canvas.", trimVideo(err))
		}
	}
	return nil
}

// trimVideo names a canvas field as the canvas setting has it ("width",
// not "video.width").
func trimVideo(err error) error {
	if fe, ok := err.(*types.FieldError); ok {
		f := strings.TrimPrefix(strings.TrimPrefix(fe.Field, "video"), ".")
		return &types.FieldError{Field: f, Reason: fe.Reason}
	}
	return err
}

// prefixField puts prefix before a field error's field.
func prefixField(prefix string, err error) error {
	if fe, ok := err.(*types.FieldError); ok {
		return &types.FieldError{Field: strings.TrimSuffix(prefix+fe.Field, "."), Reason: fe.Reason}
	}
	return err
}

// checkOutside checks what the settings point at outside the server: the
// webhook URL against the outbound policy, and the storage credentials
// against their bucket. Only settings the request gives are checked.
func (s *Server) checkOutside(ctx context.Context, t tenants.Tenant, req tenantRequest) error {
	var given map[string]json.RawMessage
	_ = json.Unmarshal(req.Settings, &given)
	if _, ok := given["webhook"]; ok && t.Settings.Webhook != nil && s.cfg.CheckURL != nil {
		if err := s.cfg.CheckURL(ctx, t.Settings.Webhook.URL); err != nil {
			return &types.FieldError{Field: "settings.webhook.url", Reason: err.Error()}
		}
	}
	if _, ok := given["storage"]; ok && t.Settings.Storage != nil && s.cfg.CheckStorage != nil {
		if err := s.cfg.CheckStorage(ctx, *t.Settings.Storage); err != nil {
			return &types.FieldError{Field: "settings.storage", Reason: err.Error()}
		}
	}
	return nil
}
