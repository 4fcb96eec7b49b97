package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/support"
)

// envVar is an environment variable that becomes one key of a vendor's
// registry config.
type envVar struct {
	name string // TIDIO_CLIENT_ID
	key  string // the registry key: the adapter Config field, in any case (support.DecodeConfig)
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
	// defaultBaseURL is the adapter's API root when the user sets none.
	defaultBaseURL string
	env            []envVar
	// placeholder is a config the adapter accepts without sending anything,
	// to read its Capabilities without the user's credentials.
	placeholder map[string]any
}

// nowhere is a loopback address nothing listens on, for placeholder configs.
const nowhere = "http://127.0.0.1:1"

// vendors are the platforms the CLI works with, in display order.
var vendors = []vendor{
	{name: "tidio", title: "Tidio", defaultBaseURL: tidio.DefaultBaseURL, env: []envVar{
		{name: "TIDIO_CLIENT_ID", key: "clientID", secret: true, help: "OpenAPI client ID (ci_…), Panel > Developer > OpenAPI"},
		{name: "TIDIO_CLIENT_SECRET", key: "clientSecret", secret: true, help: "OpenAPI client secret (cs_…)"},
		{name: "TIDIO_BASE_URL", key: "baseURL", optional: true, help: "API root (default https://api.tidio.com)"},
		{name: "TIDIO_REQUESTS_PER_MINUTE", key: "requestsPerMinute", optional: true, help: "the project's rate limit: 60 on Plus (default), 120 on Premium"},
	}, placeholder: map[string]any{"clientID": "ci_placeholder", "clientSecret": "cs_placeholder", "baseURL": nowhere}},
	{name: "respondio", title: "respond.io", defaultBaseURL: respondio.DefaultBaseURL, env: []envVar{
		{name: "RESPONDIO_TOKEN", key: "token", secret: true, help: "API access token, Settings > Integrations > Developer API"},
		{name: "RESPONDIO_BASE_URL", key: "baseURL", optional: true, help: "API root (default https://api.respond.io/v2)"},
		{name: "RESPONDIO_RATE_LIMIT", key: "rateLimit", optional: true, help: "requests per second per endpoint"},
	}, placeholder: map[string]any{"token": "placeholder", "baseURL": nowhere}},
	{name: "tidysupport", title: "TidySupport", defaultBaseURL: tidysupport.DefaultBaseURL, env: []envVar{
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
// valid ones. flagName says which flag gave the name, for the message; ""
// is an argument.
func lookupVendor(flagName, name string) (vendor, error) {
	if name == "" {
		if flagName == "" {
			return vendor{}, usagef("an account name is required (a vendor: %s)", vendorNames())
		}
		return vendor{}, usagef("--%s is required (one of: %s)", flagName, vendorNames())
	}
	for _, v := range vendors {
		if v.name == name {
			return v, nil
		}
	}
	return vendor{}, usagef("%sunknown vendor %q (one of: %s)", flagPrefix(flagName), name, vendorNames())
}

// flagPrefix is "--from: " for the flag from, the start of a message about
// its value; "" for an argument (no flag).
func flagPrefix(flagName string) string {
	if flagName == "" {
		return ""
	}
	return "--" + flagName + ": "
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
	ac, err := a.openEnvAccount(ctx, v)
	if err != nil {
		return nil, err
	}
	return ac.client, nil
}

// credentialsRefused wraps an error that says the vendor refused the
// credentials (or their scope) as a configuration error naming the
// variables to check; other errors are returned as they are.
func credentialsRefused(v vendor, err error) error {
	return envAccount(v).refused(err)
}

// account is a vendor account the CLI works with: a vendor's from the
// environment (named as the vendor), or one of the config file's.
type account struct {
	// name is how the command line names it: the vendor ("tidio") or the
	// config file's account ("shop-eu").
	name string
	// title is how messages name it: "Tidio", or "shop-eu (Tidio)".
	title  string
	vendor vendor
	client *support.Client
	// probe is the same account making one attempt per request, so that
	// checkAccount fails at once on a host that does not answer.
	probe *support.Client
	// settings are what the user set for each registry key, for messages.
	settings []setting
	// baseURL is the base URL the user set; "" is the adapter's default.
	baseURL string
	// identity is a digest of the keys that say which account of the
	// vendor this is (the required ones and the base URL), to refuse one
	// account on both sides of a migration.
	identity [sha256.Size]byte
}

// setting is a registry key as the user set it.
type setting struct {
	key string // the registry key (envVar.key)
	// label names what the user set: TIDIO_CLIENT_ID, or
	// "client_id (env SHOP_EU_TIDIO_CLIENT_ID)" for a config file account.
	label  string
	secret bool
}

// envAccount is vendor v's account from the environment, not yet opened.
func envAccount(v vendor) *account {
	ac := &account{name: v.name, title: v.title, vendor: v}
	for _, e := range v.env {
		ac.settings = append(ac.settings, setting{key: e.key, label: e.name, secret: e.secret})
	}
	return ac
}

// openAccount opens the account name given by --flagName (flagName "":
// an argument): an account of the config file, or else a vendor, with its
// credentials from the environment. Nothing is sent. Every failure is a
// usage or configuration error, whose message names what the user set
// (TIDIO_CLIENT_ID, or the config file's key and account), never the
// adapter's Go fields.
func (a *app) openAccount(ctx context.Context, flagName, name string) (*account, error) {
	cf, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	fa := cf.account(name)
	if fa == nil {
		v, err := lookupVendor(flagName, name)
		if err != nil && cf != nil {
			return nil, usagef("%s%q is no account of %s (%s) and no vendor (%s)",
				flagPrefix(flagName), name, cf.path, strings.Join(cf.names(), ", "), vendorNames())
		}
		if err != nil {
			return nil, err
		}
		return a.openEnvAccount(ctx, v)
	}
	if v, err := lookupVendor(flagName, name); err == nil {
		a.sayShadowed(flagName, cf, fa, v)
	}
	cfg, settings, warnings, err := cf.resolve(fa, a.getenv)
	if err != nil {
		return nil, &configError{err}
	}
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "deskbridge: warning: %s\n", w)
	}
	ac := &account{name: fa.name, title: fmt.Sprintf("%s (%s)", fa.name, fa.vendor.title), vendor: fa.vendor, settings: settings}
	if err := a.connect(ctx, ac, cfg); err != nil {
		return nil, err
	}
	return ac, nil
}

// sayShadowed says on stderr that the name given by --flagName, the name of
// vendor v, is the config file's account fa, when v's variables are set
// but fa does not read them: they would be used, were it not for the file.
//
//	deskbridge: --to respondio is the account "respondio" of ./deskbridge.yaml (RESPONDIO_* variables are not used)
func (a *app) sayShadowed(flagName string, cf *configFile, fa *fileAccount, v vendor) {
	read := map[string]bool{}
	for _, fv := range fa.values {
		if fv.env != "" {
			read[fv.env] = true
		}
	}
	var unused []string
	readsSome := false
	for _, e := range v.env {
		switch {
		case read[e.name]:
			readsSome = true
		case strings.TrimSpace(a.getenv(e.name)) != "":
			unused = append(unused, e.name)
		}
	}
	if len(unused) == 0 {
		return
	}
	what := strings.ToUpper(v.name) + "_* variables are not used"
	if readsSome {
		what = strings.Join(unused, ", ") + map[bool]string{true: " is", false: " are"}[len(unused) == 1] + " not used"
	}
	given := fa.name
	if flagName != "" {
		given = "--" + flagName + " " + fa.name
	}
	fmt.Fprintf(a.stderr, "deskbridge: %s is the account %q of %s (%s)\n", given, fa.name, cf.display(), what)
}

// openEnvAccount opens vendor v's account from the environment.
func (a *app) openEnvAccount(ctx context.Context, v vendor) (*account, error) {
	cfg, err := v.config(a.getenv)
	if err != nil {
		return nil, err
	}
	ac := envAccount(v)
	if err := a.connect(ctx, ac, cfg); err != nil {
		return nil, err
	}
	return ac, nil
}

// connect opens ac's clients from its registry config cfg.
func (a *app) connect(ctx context.Context, ac *account, cfg map[string]any) error {
	ac.baseURL, _ = cfg["baseURL"].(string)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", ac.vendor.name)
	for _, e := range ac.vendor.env {
		if !e.optional || e.key == "baseURL" {
			fmt.Fprintf(h, "%s=%v\n", e.key, cfg[e.key])
		}
	}
	h.Sum(ac.identity[:0])
	// The waits and retries name the account as the command line does: a
	// vendor's from the environment by its name ("tidio"), a config file's
	// by its title ("tidio-2 (Tidio)").
	noteAs := ac.title
	if ac.name == ac.vendor.name && ac.title == ac.vendor.title {
		noteAs = ac.name
	}
	cfg["logger"] = a.waits.loggerFor(noteAs)
	if a.rateLimiter != nil {
		cfg["rateLimiter"] = a.rateLimiter
	}
	probe := maps.Clone(cfg)
	probe["maxAttempts"] = 1
	var err error
	if ac.probe, err = a.open(ctx, ac.vendor.name, probe); err == nil {
		ac.client, err = a.open(ctx, ac.vendor.name, cfg)
	}
	if err != nil {
		return &configError{fmt.Errorf("%s: %w", ac.title, ac.rename(err))}
	}
	return nil
}

// sameAccount refuses from and to when they are one account of one vendor
// (the same credentials and base URL, however named): a migration onto
// itself. Two accounts of one vendor are fine.
func sameAccount(from, to *account) error {
	if from.vendor.name != to.vendor.name || from.identity != to.identity {
		return nil
	}
	if from.name == to.name {
		return usagef("--from and --to are both %s: a migration needs two accounts", from.name)
	}
	return usagef("--from %s and --to %s are the same %s account (the same credentials and base URL)",
		from.name, to.name, from.vendor.title)
}

// What the adapters' and the registry's errors name that the user did not
// set, which rename rewrites.
var (
	// configField is an adapter Config field: "Config.ClientID".
	configField = regexp.MustCompile(`\bConfig\.([A-Za-z]+)`)
	// badValues are the registry keys whose values do not decode
	// (support.DecodeConfig): "config: bad value for requestsPerMinute
	// (want int), rateLimit (want float64)".
	badValues   = regexp.MustCompile(`\b(?:config: )?bad value for ((?:[A-Za-z]+ \(want [^)]*\)(?:, )?)+)`)
	badKeyValue = regexp.MustCompile(`([A-Za-z]+) \(want ([^)]*)\)`)
	// baseURLError is the HTTP client's refusal of a base URL:
	// "rest: base URL must be absolute (scheme and host)".
	baseURLError = regexp.MustCompile(`\brest: base URL\b`)
)

// rename rewrites what err's message says about the adapter's config as
// what the user set (TIDIO_CLIENT_ID, or a config file's key and where its
// value came from): the Config fields it names (Config.ClientID), the
// registry keys whose value does not decode ("bad value for
// requestsPerMinute (want int)" becomes "TIDIO_REQUESTS_PER_MINUTE: not a
// whole number"; keys match in any case, as the registry's do) and the
// base URL ("rest: base URL must be absolute" becomes "TIDIO_BASE_URL: base
// URL must be absolute"). A rewritten refusal of the config drops
// support's prefix ("tidio: invalid input: "): the message is the account's.
// The error chain stays as it was, for errors.Is and errors.As.
func (ac *account) rename(err error) error {
	msg := err.Error()
	if se, ok := err.(*support.Error); ok && errors.Is(se.Kind, support.ErrInvalid) && se.Status == 0 && se.Code == "" {
		var parts []string
		if se.Message != "" {
			parts = append(parts, se.Message)
		}
		if se.Err != nil {
			parts = append(parts, se.Err.Error())
		}
		msg = strings.Join(parts, ": ")
	}
	out := configField.ReplaceAllStringFunc(msg, func(m string) string {
		if l := ac.labelFold(strings.TrimPrefix(m, "Config.")); l != "" {
			return l
		}
		return m
	})
	out = badValues.ReplaceAllStringFunc(out, func(m string) string {
		var each []string
		for _, kv := range badKeyValue.FindAllStringSubmatch(m, -1) {
			l := ac.labelFold(kv[1])
			if l == "" {
				return m
			}
			each = append(each, l+": "+notA(kv[2]))
		}
		return strings.Join(each, "; ")
	})
	if l := ac.label("baseURL"); l != "" {
		out = baseURLError.ReplaceAllString(out, l+": base URL")
		// The HTTP client's own field is nothing the user can set.
		out = strings.Replace(out, "; put credentials in Header", "", 1)
	}
	if out == msg {
		return err
	}
	return &explained{msg: out, err: err}
}

// notA says what a value the registry could not decode as want (the
// type's name, as support.DecodeConfig gives it) is not.
func notA(want string) string {
	switch want {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "not a whole number"
	case "float32", "float64":
		return "not a number"
	case "bool":
		return "neither true nor false"
	}
	return "not " + want
}

// explained is an error with a message of its own over another error,
// which it wraps.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// refused wraps an error that says the vendor refused ac's credentials
// (or their scope) as a configuration error naming what to check; other
// errors are returned as they are.
func (ac *account) refused(err error) error {
	if !errors.Is(err, support.ErrUnauthorized) && !errors.Is(err, support.ErrForbidden) {
		return err
	}
	return &configError{fmt.Errorf("%s refused the credentials (check %s): %w", ac.title, ac.secrets(), err)}
}

// secrets names the credentials of ac as the user set them.
func (ac *account) secrets() string {
	var names []string
	for _, s := range ac.settings {
		if s.secret {
			names = append(names, s.label)
		}
	}
	return strings.Join(names, ", ")
}

// host is the host ac's requests go to, for messages: its base URL's, or
// its vendor's default.
func (ac *account) host() string {
	for _, raw := range []string{ac.baseURL, ac.vendor.defaultBaseURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return ac.vendor.title
}

// label names what the user set for the registry key, or "".
func (ac *account) label(key string) string {
	for _, s := range ac.settings {
		if s.key == key {
			return s.label
		}
	}
	return ""
}

// labelFold is label for a registry key or Config field written in any
// case (requestsPerMinute, RequestsPerMinute), as the registry matches
// them.
func (ac *account) labelFold(key string) string {
	for _, s := range ac.settings {
		if strings.EqualFold(s.key, key) {
			return s.label
		}
	}
	return ""
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
