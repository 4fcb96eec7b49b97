package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// The adapters' own errors name what the user set (the environment
// variable, or the config file's key and where its value came from), not
// the adapter's Go fields, and keep their chain for errors.Is.
func TestErrorsNameWhatTheUserSet(t *testing.T) {
	path := writeConfig(t, "accounts:\n  shop-eu:\n    vendor: tidio\n    client_id: {env: SHOP_EU_ID}\n    client_secret: {env: SHOP_EU_SECRET}\n")
	for _, tc := range []struct {
		name    string
		env     map[string]string
		account string
		want    string
	}{
		{"tidio from the environment", map[string]string{"TIDIO_CLIENT_ID": "id_x", "TIDIO_CLIENT_SECRET": "cs_x"}, "tidio",
			`Tidio: TIDIO_CLIENT_ID must start with "ci_"`},
		{"tidio from the config file", map[string]string{"SHOP_EU_ID": "ci_x", "SHOP_EU_SECRET": "secret", configEnv: path}, "shop-eu",
			`shop-eu (Tidio): client_secret (env SHOP_EU_SECRET) must start with "cs_"`},
		{"respond.io", map[string]string{"RESPONDIO_TOKEN": "two words"}, "respondio",
			`respond.io: RESPONDIO_TOKEN contains spaces`},
		{"tidysupport", map[string]string{"TIDYSUPPORT_API_KEY": "pk_x", "TIDYSUPPORT_WORKSPACE_ID": "wrk_x"}, "tidysupport",
			`TidySupport: TIDYSUPPORT_API_KEY is a publishable (widget) key`},
		{"a base URL", map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "TIDIO_BASE_URL": "notaurl"}, "tidio",
			`Tidio: TIDIO_BASE_URL: base URL must be absolute (scheme and host)`},
		{"a base URL's scheme", map[string]string{"RESPONDIO_TOKEN": "tok", "RESPONDIO_BASE_URL": "ftp://x"}, "respondio",
			`respond.io: RESPONDIO_BASE_URL: base URL scheme "ftp" is not https`},
		{"a whole number", map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "TIDIO_REQUESTS_PER_MINUTE": "abc"}, "tidio",
			`Tidio: TIDIO_REQUESTS_PER_MINUTE: not a whole number`},
		{"a number", map[string]string{"TIDYSUPPORT_API_KEY": "ts_sk_x", "TIDYSUPPORT_WORKSPACE_ID": "wrk_x", "TIDYSUPPORT_RATE_LIMIT": "abc"}, "tidysupport",
			`TidySupport: TIDYSUPPORT_RATE_LIMIT: not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := realApp(tc.env)
			_, err := a.openAccount(context.Background(), "from", tc.account)
			require.Error(t, err)
			var ce *configError
			assert.ErrorAs(t, err, &ce, "a configuration error: exit 2")
			assert.ErrorIs(t, err, support.ErrInvalid, "the chain is kept")
			assert.Equal(t, tc.want, clipAt(err.Error(), len(tc.want)))
			assert.NotContains(t, err.Error(), "Config.")
		})
	}
}

// clipAt is s cut to n bytes, for comparing the start of a message.
func clipAt(s string, n int) string { return s[:min(n, len(s))] }

// Every variable of every vendor (and every key of a config file account),
// set to values the adapter refuses, gives errors that name it as the user
// set it, and neither the adapter's Go field nor the registry key: the
// table of vendors drives it, so a new variable is covered as it is added.
func TestEveryVariableIsNamedInItsErrors(t *testing.T) {
	bad := []string{"two words", "abc", "-5", "ftp://x", "notaurl"}
	for _, v := range vendors {
		for _, e := range v.env {
			for _, fromFile := range []bool{false, true} {
				name := e.name
				if fromFile {
					name = v.name + " config file " + snakeCase(e.key)
				}
				t.Run(name, func(t *testing.T) {
					refused := 0
					for _, value := range bad {
						env := map[string]string{}
						account, label, title := v.name, e.name, v.title
						if fromFile {
							var file strings.Builder
							fmt.Fprintf(&file, "accounts:\n  shop:\n    vendor: %s\n", v.name)
							for _, o := range v.env {
								if o.optional && o != e {
									continue
								}
								ref := "SHOP_" + strings.ToUpper(snakeCase(o.key))
								fmt.Fprintf(&file, "    %s: {env: %s}\n", snakeCase(o.key), ref)
								env[ref] = fullEnv[o.name]
								if o == e {
									env[ref] = value
									label = snakeCase(o.key) + " (env " + ref + ")"
								}
							}
							env[configEnv] = writeConfig(t, file.String())
							account, title = "shop", "shop ("+v.title+")"
						} else {
							maps.Copy(env, fullEnv)
							env[e.name] = value
						}
						_, err := realApp(env).openAccount(context.Background(), "from", account)
						if err == nil {
							continue
						}
						refused++
						msg := err.Error()
						var ce *configError
						assert.ErrorAs(t, err, &ce, "%q: a configuration error: exit 2", value)
						assert.ErrorIs(t, err, support.ErrInvalid, "%q: the chain is kept", value)
						assert.True(t, strings.HasPrefix(msg, title+": "), "%q: %s", value, msg)
						assert.Contains(t, msg, label, "%q: names what the user set", value)
						for _, internal := range []string{"Config.", "rest: ", "config: ", "invalid input"} {
							assert.NotContains(t, msg, internal, "%q", value)
						}
						for _, o := range v.env {
							assert.NotRegexp(t, goNames(o.key), msg, "%q: names a Go field or registry key", value)
						}
					}
					assert.Positive(t, refused, "no value of %v is refused: add one the adapter refuses", bad)
				})
			}
		}
	}
}

// goNames matches, as a word, the registry key and the adapter Config
// field of key: clientID, ClientID, CLIENTID (a one-word key such as
// token only capitalized, Token: the config file's key is token).
func goNames(key string) *regexp.Regexp {
	if key == strings.ToLower(key) {
		return regexp.MustCompile(`\b` + strings.ToUpper(key[:1]) + key[1:] + `\b`)
	}
	return regexp.MustCompile(`(?i)\b` + key + `\b`)
}

// rename leaves a field the user did not set, and errors naming none, as
// they are.
func TestRenameKeepsWhatItCannotMap(t *testing.T) {
	tidio, err := lookupVendor("vendor", "tidio")
	require.NoError(t, err)
	ac := envAccount(tidio)
	plain := errors.New("tidio: no Config here")
	assert.Same(t, plain, ac.rename(plain))
	unknown := support.Errorf("tidio", "", support.ErrInvalid, "config: unknown key(s) color")
	assert.Same(t, unknown, ac.rename(unknown))
	err = ac.rename(support.Errorf("tidio", "", support.ErrInvalid, "Config.MaxAttempts is negative; Config.BaseURL is not https"))
	assert.EqualError(t, err, "Config.MaxAttempts is negative; TIDIO_BASE_URL is not https")
	err = ac.rename(support.Errorf("tidio", "", support.ErrInvalid, "config: bad value for REQUESTSPERMINUTE (want int), maxAttempts (want int)"))
	assert.EqualError(t, err, "tidio: invalid input: config: bad value for REQUESTSPERMINUTE (want int), maxAttempts (want int)",
		"all or nothing: maxAttempts is the CLI's")
	err = ac.rename(support.Errorf("tidio", "", support.ErrInvalid, "config: bad value for REQUESTSPERMINUTE (want int)"))
	assert.EqualError(t, err, "TIDIO_REQUESTS_PER_MINUTE: not a whole number", "registry keys ignore case")
}

// One account on both sides is refused, however it is named; two
// accounts of one vendor are not.
func TestSameAccountIsRefused(t *testing.T) {
	path := writeConfig(t, `accounts:
  alias:
    vendor: tidio
    client_id: {env: TIDIO_CLIENT_ID}
    client_secret: {env: TIDIO_CLIENT_SECRET}
    requests_per_minute: 120
  other:
    vendor: tidio
    client_id: {env: OTHER_ID}
    client_secret: {env: TIDIO_CLIENT_SECRET}
  elsewhere:
    vendor: tidio
    base_url: http://127.0.0.1:9
    client_id: {env: TIDIO_CLIENT_ID}
    client_secret: {env: TIDIO_CLIENT_SECRET}
`)
	a := configApp(map[string]string{"TIDIO_CLIENT_ID": "ci_a", "TIDIO_CLIENT_SECRET": "cs_a", "OTHER_ID": "ci_b"}, path)
	open := func(name string) *account {
		ac, err := a.openAccount(context.Background(), "from", name)
		require.NoError(t, err)
		return ac
	}
	env, alias, other, elsewhere := open("tidio"), open("alias"), open("other"), open("elsewhere")
	assert.EqualError(t, sameAccount(env, open("tidio")), "--from and --to are both tidio: a migration needs two accounts")
	assert.EqualError(t, sameAccount(env, alias), "--from tidio and --to alias are the same Tidio account (the same credentials and base URL)",
		"the pace is not the account")
	assert.NoError(t, sameAccount(env, other), "another client ID")
	assert.NoError(t, sameAccount(env, elsewhere), "another base URL")
}

// readEnvFile reads the export lines of an env file.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kv, ok := strings.CutPrefix(sc.Text(), "export ")
		require.True(t, ok, "line %q", sc.Text())
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, "line %q", sc.Text())
		env[k] = v
	}
	require.NoError(t, sc.Err())
	return env
}

// The sandbox writes its exports to --env-file (0600), and with two Tidio
// projects, distinct credentials and a config file naming every account.
func TestSandboxFilesWithTwoTidioProjects(t *testing.T) {
	dir := t.TempDir()
	envPath, cfgPath := filepath.Join(dir, "sandbox.env"), filepath.Join(dir, "deskbridge.yaml")
	require.NoError(t, os.WriteFile(envPath, []byte("old, readable by all\n"), 0o644))
	a := realApp(map[string]string{})
	sims, err := a.startSandbox(sandboxOptions{contacts: 20, tidioAccounts: 2, envFile: envPath, configFile: cfgPath})
	for _, s := range sims {
		defer s.Close()
	}
	require.NoError(t, err)
	require.Len(t, sims, 4)

	st, err := os.Stat(envPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	env := readEnvFile(t, envPath)
	assert.Equal(t, sims[0].URL, env["TIDIO_BASE_URL"])
	assert.Equal(t, sims[3].URL, env["TIDIO_2_BASE_URL"])
	require.NotEmpty(t, env["TIDIO_2_CLIENT_ID"])
	require.NotEmpty(t, env["TIDIO_2_CLIENT_SECRET"])
	assert.NotEqual(t, env["TIDIO_CLIENT_ID"], env["TIDIO_2_CLIENT_ID"])
	assert.NotEqual(t, env["TIDIO_CLIENT_SECRET"], env["TIDIO_2_CLIENT_SECRET"])
	for _, k := range []string{"RESPONDIO_TOKEN", "RESPONDIO_BASE_URL", "TIDYSUPPORT_API_KEY", "TIDYSUPPORT_WORKSPACE_ID"} {
		assert.NotEmpty(t, env[k], k)
	}
	for k, v := range env {
		assert.Contains(t, a.out.String(), k+"="+v, "printed as well")
	}

	b, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	cf, err := parseConfig(cfgPath, b)
	require.NoError(t, err)
	assert.Equal(t, []string{"tidio-1", "respondio", "tidysupport", "tidio-2"}, cf.names())
	env[configEnv] = cfgPath
	a = realApp(env)
	for _, name := range cf.names() {
		assert.Equal(t, exitOK, a.check(context.Background(), name), "%s: %s%s", name, a.out.String(), a.errOut.String())
	}
	assert.Empty(t, a.errOut.String(), "no literal credential in the file")
	// Each project refuses the other's credentials.
	env["TIDIO_2_CLIENT_SECRET"] = env["TIDIO_CLIENT_SECRET"]
	assert.Equal(t, exitUsage, a.check(context.Background(), "tidio-2"))
	assert.Contains(t, a.out.String(), "tidio-2 (Tidio)  refused  check client_id (env TIDIO_2_CLIENT_ID), client_secret (env TIDIO_2_CLIENT_SECRET)")
}

// Done when (issue 13): 'deskbridge migrate --from tidio --to tidio' works
// between two sandbox Tidio accounts from a config file; run again, it
// writes nothing.
func TestMigrateBetweenTwoTidioProjectsOfTheSandbox(t *testing.T) {
	dir := t.TempDir()
	envPath, cfgPath := filepath.Join(dir, "sandbox.env"), filepath.Join(dir, "deskbridge.yaml")
	sims, err := realApp(map[string]string{}).startSandbox(sandboxOptions{contacts: 30, tidioAccounts: 2, envFile: envPath, configFile: cfgPath})
	for _, s := range sims {
		defer s.Close()
	}
	require.NoError(t, err)
	src, dst := sims[0], sims[3]
	n := src.count()
	require.Positive(t, n)
	require.Equal(t, 0, dst.count(), "the second project starts empty")

	a := realApp(readEnvFile(t, envPath))
	state := filepath.Join(dir, "tidio.db")
	args := []string{"migrate", "--config", cfgPath, "--from", "tidio-1", "--to", "tidio-2", "--state", state, "--json"}
	code := a.exec(context.Background(), args...)
	// The demo data holds a few contacts that Tidio's API refuses (a last
	// name too long): exit 3, each of them listed.
	require.Equal(t, exitNotMigrated, code, "stdout %s\nstderr %s", a.out.String(), a.errOut.String())
	var rep migrate.Report
	require.NoError(t, json.Unmarshal(a.out.Bytes(), &rep))
	assert.True(t, rep.Complete)
	assert.Equal(t, n, rep.Processed)
	refused := map[string]bool{}
	for _, f := range rep.Failures {
		refused[strings.ToLower(f.Input.Email)] = true
	}
	require.Len(t, refused, rep.Failed, "every failure listed, with its email")
	// Emails ignore case: one person's, written twice in the source, is
	// one contact of the target.
	want := map[string]bool{}
	for _, e := range src.emails() {
		if e = strings.ToLower(e); !refused[e] {
			want[e] = true
		}
	}
	got := map[string]bool{}
	for _, e := range dst.emails() {
		e = strings.ToLower(e)
		assert.False(t, got[e], "%s is in the second project twice", e)
		got[e] = true
	}
	assert.Equal(t, want, got, "every contact Tidio accepts is in the second project, once")

	writes, held := dst.stats.Writes(), dst.count()
	code = a.exec(context.Background(), args...)
	require.Equal(t, exitNotMigrated, code, "stdout %s\nstderr %s", a.out.String(), a.errOut.String())
	assert.Equal(t, writes, dst.stats.Writes(), "the re-run writes nothing")
	assert.Equal(t, held, dst.count())
}
