package e2e

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// adminTenant is the tenant TestConsoleAdmin creates.
const adminTenant = "acme"

// TestConsoleAdmin drives the console's tenant admin screens with the
// admin key: the tenant features stay hidden, a tenant is created, its
// settings editor sets a quota and a webhook (an unresolvable webhook host
// is refused at the webhook URL's field, a local receiver is taken), a key
// is created and read from the page, works through the Go HTTP client
// within the quota, and fails within 2 s of its revocation in the page.
func TestConsoleAdmin(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	s, _, c := startConsole(t, "admin")

	consoleLogIn(t, c, s, consoleAdminKey)
	for _, sel := range []string{`[data-test=rooms-refresh]`, `[data-test=egress-form]`, `[data-test=archive-search]`, `[data-test=nav-rooms]`} {
		if ok, err := evalIn[bool](c, visible(sel)); err != nil || ok {
			t.Errorf("the admin key shows the tenant feature %s (%v)", sel, err)
		}
	}
	c.shot("admin-tenants")

	adminCreateTenant(t, c)
	adminWebhookRefused(t, c, s)
	adminSaveSettings(t, c, s, hook.URL+"/acme")
	key := adminCreateKey(t, c)

	// The key acts as the tenant, within its quota of one room.
	var e APIError
	if code := s.DoKey(t, key, "POST", "/v1/rooms", map[string]string{"name": "first"}, nil); code != http.StatusCreated {
		t.Fatalf("the new key creates a room: status %d", code)
	}
	if code := s.DoKey(t, key, "POST", "/v1/rooms", map[string]string{"name": "second"}, &e); code != http.StatusForbidden || e.Error.Code != "quota_exceeded" {
		t.Errorf("a second room past the quota of 1: %d %+v, want 403 quota_exceeded", code, e.Error)
	}

	adminRevokeKey(t, c)
	Eventually(t, 2*time.Second, "the revoked key refused", func() bool {
		return s.DoKey(t, key, "GET", "/v1/rooms", nil, nil) == http.StatusUnauthorized
	})
	c.must("log out", chromedp.Click(chromedp.CSS(`[data-test=logout]`)))
	c.waitJS(5*time.Second, "the admin screens hidden", `!`+visible(`[data-test=tenants-refresh]`)+` && `+visible(`[data-test=login-key]`))
}

// adminCreateTenant creates the tenant in the list and waits for its screen.
func adminCreateTenant(t *testing.T, c *tab) {
	t.Helper()
	c.must("create a tenant",
		chromedp.SendKeys(chromedp.CSS(`[data-test=tenant-create-id]`), adminTenant),
		chromedp.SendKeys(chromedp.CSS(`[data-test=tenant-create-name]`), "Acme Events"),
		chromedp.Click(chromedp.CSS(`[data-test=tenant-create]`)))
	c.waitJS(10*time.Second, "the tenant's screen", visible(`[data-test=tenant-form]`)+` && `+rowHas(`[data-test=tenant-id]`, adminTenant))
	if name, err := evalIn[string](c, `document.querySelector('[data-test=ts-name]').value`); err != nil || name != "Acme Events" {
		t.Errorf("the tenant's name shows as %q (%v)", name, err)
	}
	c.waitJS(10*time.Second, "the tenant's usage", rowHas(`[data-test=ts-usage]`, "In use: 0 rooms on this server (0 participants), 0 running jobs, 0 recordings"))
	c.shot("tenant-created")
}

// adminWebhookRefused sets a quota and a webhook whose host does not
// resolve: the API's error shows at the webhook URL field and nothing is
// saved.
func adminWebhookRefused(t *testing.T, c *tab, s *Server) {
	t.Helper()
	c.must("set a quota and an unresolvable webhook",
		chromedp.SetValue(chromedp.CSS(`[data-test=ts-quota-rooms]`), "1"),
		chromedp.SetValue(chromedp.CSS(`[data-test=ts-webhook-url]`), "https://hooks.roomcast-e2e.onion/acme"),
		chromedp.SetValue(chromedp.CSS(`[data-test=ts-webhook-secret]`), "acme-webhook-secret-0123"),
		chromedp.Click(chromedp.CSS(`[data-test=tenant-save]`)))
	c.waitJS(10*time.Second, "the webhook URL's field error", fieldErrorAt(`[data-test=ts-webhook-url]`))
	c.shot("webhook-refused")
	if n, err := evalIn[int](c, `document.querySelectorAll('.field-error:not([hidden])').length`); err != nil || n != 1 {
		t.Errorf("%d field errors shown (%v), want 1", n, err)
	}
	if q := getTenant(t, s).Settings.Quotas.Rooms; q != 0 {
		t.Errorf("a refused PATCH saved the quota %d", q)
	}
}

// adminSaveSettings saves the quota and the webhook on url, a local
// receiver, and checks the tenant as the API has it.
func adminSaveSettings(t *testing.T, c *tab, s *Server, url string) {
	t.Helper()
	c.must("point the webhook at a local receiver",
		chromedp.SetValue(chromedp.CSS(`[data-test=ts-webhook-url]`), url),
		chromedp.Click(chromedp.CSS(`[data-test=tenant-save]`)))
	c.waitJS(10*time.Second, "the settings saved", `!`+fieldErrorAt(`[data-test=ts-webhook-url]`)+` && `+rowHas(`[data-test=status]`, "Saved the settings of "+adminTenant))
	c.shot("settings-saved")
	got := getTenant(t, s)
	if got.Settings.Quotas.Rooms != 1 || got.Settings.Webhook == nil || got.Settings.Webhook.URL != url || got.Settings.Webhook.Secret != "********" {
		t.Fatalf("the tenant's settings %+v, want a quota of 1 room and the webhook %s", got.Settings, url)
	}
	// The stored secret shows as a placeholder, never as a value.
	secret, err := evalIn[[]string](c, `(() => { const e = document.querySelector('[data-test=ts-webhook-secret]'); return [e.value, e.placeholder]; })()`)
	if err != nil || len(secret) != 2 || secret[0] != "" || secret[1] != "********" {
		t.Errorf("the webhook secret input shows %q (%v), want an empty value and the ******** placeholder", secret, err)
	}
	// Saving again sends nothing: the mark keeps the secret.
	c.must("save unchanged", chromedp.Click(chromedp.CSS(`[data-test=tenant-save]`)))
	c.waitJS(5*time.Second, "nothing to save", rowHas(`[data-test=status]`, "Nothing changed"))
}

// adminCreateKey creates an API key of the tenant and reads it from the
// page, which shows it once.
func adminCreateKey(t *testing.T, c *tab) string {
	t.Helper()
	c.must("create a key", chromedp.Click(chromedp.CSS(`[data-test=key-create]`)))
	value := `document.querySelector('[data-test=key-new-value]').value`
	c.waitJS(10*time.Second, "the new key and its row", visible(`[data-test=key-new]`)+` && `+value+` !== '' && `+
		`document.querySelectorAll('[data-test=key-row]').length === 1`)
	c.shot("key-created")
	key, err := evalIn[string](c, value)
	if err != nil || key == "" {
		t.Fatalf("read the new key: %q %v", key, err)
	}
	if shown, err := evalIn[string](c, textOf(`[data-test=keys]`)); err != nil || strings.Contains(shown, key) {
		t.Errorf("the key list shows the whole key (%v)", err)
	}
	c.must("done with the key", chromedp.Click(chromedp.CSS(`[data-test=key-new-done]`)))
	c.waitJS(5*time.Second, "the new key forgotten", `!`+visible(`[data-test=key-new]`)+` && `+value+` === ''`)
	return key
}

// adminRevokeKey revokes the tenant's only key in the page.
func adminRevokeKey(t *testing.T, c *tab) {
	t.Helper()
	c.must("revoke the key",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`[data-test=key-row] [data-test=key-revoke]`)))
	c.waitJS(5*time.Second, "no key listed", `document.querySelectorAll('[data-test=key-row]').length === 0`)
	c.shot("key-revoked")
}

// adminTenantView is GET /v1/tenants/{id} as far as the test reads it.
type adminTenantView struct {
	Settings struct {
		Quotas struct {
			Rooms int `json:"rooms"`
		} `json:"quotas"`
		Webhook *struct {
			URL    string `json:"url"`
			Secret string `json:"secret"`
		} `json:"webhook"`
	} `json:"settings"`
}

func getTenant(t *testing.T, s *Server) adminTenantView {
	t.Helper()
	var v adminTenantView
	if code := s.DoKey(t, consoleAdminKey, "GET", "/v1/tenants/"+adminTenant, nil, &v); code != http.StatusOK {
		t.Fatalf("get tenant %s: status %d", adminTenant, code)
	}
	return v
}

// fieldErrorAt is true while the control sel shows a field error.
func fieldErrorAt(sel string) string {
	return `(() => { const c = document.querySelector(` + strconv.Quote(sel) + `); const e = c && c.nextElementSibling;` +
		` return !!e && e.dataset.test === 'field-error' && !e.hidden && e.textContent !== ''; })()`
}
