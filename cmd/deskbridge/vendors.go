package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deskbridge/deskbridge/support"
)

// envVar is an environment variable that becomes one key of a vendor's
// registry config.
type envVar struct {
	name string // TIDIO_CLIENT_ID
	key  string // the adapter Config field, as support.DecodeConfig reads it
	// optional variables are left out of the config when unset (the
	// adapter's default applies).
	optional bool
	// secret marks a credential: the variables named when the vendor
	// refuses the credentials.
	secret bool
	help   string
}

// vendor is a platform the CLI can open from the environment.
type vendor struct {
	name  string // the registry name
	title string // how people write it
	env   []envVar
	// placeholder is a config the adapter accepts without sending anything,
	// to read its Capabilities without the user's credentials.
	placeholder map[string]any
}

// nowhere is a loopback address nothing listens on, for placeholder configs.
const nowhere = "http://127.0.0.1:1"

// vendors are the platforms the CLI works with, in display order.
var vendors = []vendor{
	{name: "tidio", title: "Tidio", env: []envVar{
		{name: "TIDIO_CLIENT_ID", key: "clientID", secret: true, help: "OpenAPI client ID (ci_…), Panel > Developer > OpenAPI"},
		{name: "TIDIO_CLIENT_SECRET", key: "clientSecret", secret: true, help: "OpenAPI client secret (cs_…)"},
		{name: "TIDIO_BASE_URL", key: "baseURL", optional: true, help: "API root (default https://api.tidio.com)"},
		{name: "TIDIO_REQUESTS_PER_MINUTE", key: "requestsPerMinute", optional: true, help: "the project's rate limit: 60 on Plus (default), 120 on Premium"},
	}, placeholder: map[string]any{"clientID": "ci_placeholder", "clientSecret": "cs_placeholder", "baseURL": nowhere}},
	{name: "respondio", title: "respond.io", env: []envVar{
		{name: "RESPONDIO_TOKEN", key: "token", secret: true, help: "API access token, Settings > Integrations > Developer API"},
		{name: "RESPONDIO_BASE_URL", key: "baseURL", optional: true, help: "API root (default https://api.respond.io/v2)"},
		{name: "RESPONDIO_RATE_LIMIT", key: "rateLimit", optional: true, help: "requests per second per endpoint"},
	}, placeholder: map[string]any{"token": "placeholder", "baseURL": nowhere}},
	{name: "tidysupport", title: "TidySupport", env: []envVar{
		{name: "TIDYSUPPORT_API_KEY", key: "apiKey", secret: true, help: "secret API key (ts_sk_…)"},
		{name: "TIDYSUPPORT_WORKSPACE_ID", key: "workspaceID", help: "workspace ID (wrk_…)"},
		{name: "TIDYSUPPORT_BASE_URL", key: "baseURL", optional: true, help: "API root"},
		{name: "TIDYSUPPORT_RATE_LIMIT", key: "rateLimit", optional: true, help: "requests per second"},
	}, placeholder: map[string]any{"apiKey": "ts_sk_placeholder", "workspaceID": "wrk_placeholder", "baseURL": nowhere}},
}

// vendorNames lists the vendors' registry names, for messages.
func vendorNames() string {
	names := make([]string, len(vendors))
	for i, v := range vendors {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

// lookupVendor returns the vendor named name, or a usage error naming the
// valid ones. flagName says which flag gave the name, for the message.
func lookupVendor(flagName, name string) (vendor, error) {
	if name == "" {
		return vendor{}, usagef("--%s is required (one of: %s)", flagName, vendorNames())
	}
	for _, v := range vendors {
		if v.name == name {
			return v, nil
		}
	}
	return vendor{}, usagef("--%s: unknown vendor %q (one of: %s)", flagName, name, vendorNames())
}

// config builds v's registry config from the environment. A missing
// required variable is a configError naming every missing one.
func (v vendor) config(getenv func(string) string) (map[string]any, error) {
	cfg := map[string]any{}
	var missing []string
	for _, e := range v.env {
		val := strings.TrimSpace(getenv(e.name))
		if val == "" {
			if !e.optional {
				missing = append(missing, e.name)
			}
			continue
		}
		cfg[e.key] = val
	}
	if len(missing) > 0 {
		return nil, &configError{fmt.Errorf("%s needs the environment variable%s %s (see 'deskbridge migrate --help')",
			v.title, plural(len(missing)), strings.Join(missing, ", "))}
	}
	return cfg, nil
}

// openVendor builds the platform of vendor v from the environment, through
// the registry. Every failure is a configuration error: nothing has been
// sent yet, so it is the environment that is wrong.
func (a *app) openVendor(ctx context.Context, v vendor) (*support.Client, error) {
	cfg, err := v.config(a.getenv)
	if err != nil {
		return nil, err
	}
	cfg["logger"] = a.waits.logger()
	p, err := a.open(ctx, v.name, cfg)
	if err != nil {
		return nil, &configError{fmt.Errorf("%s: %w", v.title, err)}
	}
	return p, nil
}

// credentialsRefused wraps an error that says the vendor refused the
// credentials (or their scope) as a configuration error naming the
// variables to check; other errors are returned as they are.
func credentialsRefused(v vendor, err error) error {
	if !errors.Is(err, support.ErrUnauthorized) && !errors.Is(err, support.ErrForbidden) {
		return err
	}
	var names []string
	for _, e := range v.env {
		if e.secret {
			names = append(names, e.name)
		}
	}
	return &configError{fmt.Errorf("%s refused the credentials (check %s): %w", v.title, strings.Join(names, ", "), err)}
}

// envHelp describes the environment variables of every vendor, for --help.
func envHelp() string {
	var b strings.Builder
	b.WriteString("Environment:\n")
	for _, v := range vendors {
		for _, e := range v.env {
			opt := ""
			if e.optional {
				opt = " (optional)"
			}
			fmt.Fprintf(&b, "  %-26s %s%s\n", e.name, e.help, opt)
		}
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
