package jobs

import "net/url"

// redactURL hides credentials in a NATS URL before it is logged.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<invalid url>"
	}
	return u.Redacted()
}

// RedactURL hides credentials in a NATS URL for logs and messages.
func RedactURL(s string) string { return redactURL(s) }
