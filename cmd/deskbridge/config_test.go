package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// writeConfig writes content as a config file in a new directory and
// returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deskbridge.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// configApp is a test app reading the config file path, whose vendors are
// memory platforms.
func configApp(env map[string]string, path string) *testApp {
	env[configEnv] = path
	return newTestApp(env, map[string]*support.Client{
		"tidio": memory.New(memory.Config{}), "respondio": memory.New(memory.Config{}), "tidysupport": memory.New(memory.Config{}),
	})
}

// Credentials come from the environment, from files (relative to the
// config file) or, with a warning, from the file itself; the keys are the
// registry's in snake_case, in any case, and become the registry config.
func TestConfigFileAccountBecomesRegistryConfig(t *testing.T) {
	path := writeConfig(t, `
accounts:
  shop-eu:
    vendor: tidio
    base_url: http://127.0.0.1:9
    client_id: {env: SHOP_EU_TIDIO_CLIENT_ID}
    clientSecret: {file: ./eu.secret}
    requests_per_minute: 120
  shop-us:
    vendor: tidio
    client_id: {env: SHOP_US_TIDIO_CLIENT_ID}
    client_secret: cs_literal
`)
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), "eu.secret"), []byte("cs_from_file\n"), 0o600))
	a := configApp(map[string]string{"SHOP_EU_TIDIO_CLIENT_ID": "ci_eu", "SHOP_US_TIDIO_CLIENT_ID": "ci_us"}, path)

	eu, err := a.openAccount(context.Background(), "from", "shop-eu")
	require.NoError(t, err)
	assert.Equal(t, "shop-eu", eu.name)
	assert.Equal(t, "shop-eu (Tidio)", eu.title)
	assert.Equal(t, "tidio", eu.vendor.name)
	cfg := a.configs["tidio"]
	delete(cfg, "logger")
	assert.Equal(t, map[string]any{"clientID": "ci_eu", "clientSecret": "cs_from_file", "baseURL": "http://127.0.0.1:9", "requestsPerMinute": "120"}, cfg)
	assert.Empty(t, a.errOut.String(), "no warning without a literal credential")

	us, err := a.openAccount(context.Background(), "to", "shop-us")
	require.NoError(t, err)
	cfg = a.configs["tidio"]
	delete(cfg, "logger")
	assert.Equal(t, map[string]any{"clientID": "ci_us", "clientSecret": "cs_literal"}, cfg)
	assert.Contains(t, a.errOut.String(), "deskbridge: warning: "+path+":12: account shop-us: client_secret is written in the file; prefer {env: NAME} or {file: PATH}")
	assert.NoError(t, sameAccount(eu, us), "two accounts of one vendor")
}

func TestConfigFileErrorsNameTheKeyAndAccount(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		want       string
	}{
		{"unknown key", "accounts:\n  shop:\n    vendor: tidio\n    client_idd: {env: X}\n",
			nil, `:4: account shop: unknown key "client_idd" (tidio takes client_id, client_secret, base_url, requests_per_minute)`},
		{"unknown vendor", "accounts:\n  shop:\n    vendor: zendesk\n",
			nil, `:3: account shop: unknown vendor "zendesk" (one of: tidio, respondio, tidysupport)`},
		{"no vendor", "accounts:\n  shop:\n    token: x\n",
			nil, `:3: account shop: vendor is required`},
		{"missing key", "accounts:\n  shop:\n    vendor: tidysupport\n    api_key: {env: KEY}\n",
			map[string]string{"KEY": "ts_sk_x"}, `:2: account shop: tidysupport needs workspace_id`},
		{"unset variable", "accounts:\n  shop:\n    vendor: respondio\n    token: {env: SHOP_TOKEN}\n",
			nil, `:4: account shop: token: the environment variable SHOP_TOKEN is not set`},
		{"missing file", "accounts:\n  shop:\n    vendor: respondio\n    token: {file: nope.secret}\n",
			nil, `:4: account shop: token: open `},
		{"bad value", "accounts:\n  shop:\n    vendor: respondio\n    token: {vault: x}\n",
			nil, `:4: account shop: token: want a value, {env: NAME} or {file: PATH}`},
		{"one key twice", "accounts:\n  shop:\n    vendor: respondio\n    token: a\n    TOKEN: b\n",
			nil, `:5: account shop: token and TOKEN are the same key`},
		{"unknown top-level key", "acounts:\n  shop:\n    vendor: tidio\n",
			nil, `:1: unknown key "acounts" (the file has one key: accounts)`},
		{"bad account name", "accounts:\n  shop eu:\n    vendor: tidio\n",
			nil, `:2: account name "shop eu"`},
		{"account twice", "accounts:\n  shop:\n    vendor: respondio\n    token: a\n  shop:\n    vendor: respondio\n    token: a\n",
			nil, `:5: account shop is defined twice`},
		{"not YAML", "accounts: [\n", nil, `yaml:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.file)
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			a := configApp(env, path)
			_, err := a.openAccount(context.Background(), "from", "shop")
			var ce *configError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, a.configs, "nothing opened")
		})
	}
}

// The file comes from --config, else DESKBRIDGE_CONFIG, else
// ./deskbridge.yaml when it exists; one that was named must exist.
func TestConfigFileLocation(t *testing.T) {
	accounts := func(name string) string {
		return "accounts:\n  " + name + ":\n    vendor: respondio\n    token: {env: TOKEN}\n"
	}
	byEnv, byFlag := writeConfig(t, accounts("from-env")), writeConfig(t, accounts("from-flag"))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, defaultConfigFile), []byte(accounts("from-cwd")), 0o600))
	t.Chdir(dir)

	// A new app for each command, as each process of the binary is.
	check := func(env map[string]string, args ...string) (int, *testApp) {
		env["TOKEN"] = "tok"
		a := newTestApp(env, map[string]*support.Client{"respondio": memory.New(memory.Config{})})
		return a.check(context.Background(), args...), a
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{}, nil, "from-cwd (respond.io)"},
		{map[string]string{configEnv: byEnv}, nil, "from-env (respond.io)"},
		{map[string]string{configEnv: byEnv}, []string{"--config", byFlag}, "from-flag (respond.io)"},
	} {
		code, a := check(tc.env, tc.args...)
		require.Equal(t, exitOK, code, "stdout %s\nstderr %s", a.out.String(), a.errOut.String())
		assert.Contains(t, a.out.String(), tc.want)
		assert.Equal(t, 1, strings.Count(a.out.String(), "(respond.io)"), "only the file's account:\n%s", a.out.String())
	}

	missing := filepath.Join(dir, "missing.yaml")
	code, a := check(map[string]string{configEnv: missing})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, a.errOut.String(), "config file: open "+missing)
}

// An account of the file shadows the vendor of its name; a name that is
// neither is a usage error listing both.
func TestOpenAccountByVendorOrAccountName(t *testing.T) {
	path := writeConfig(t, "accounts:\n  respondio:\n    vendor: respondio\n    token: {env: OTHER_TOKEN}\n  shop:\n    vendor: tidio\n    client_id: {env: ID}\n    client_secret: {env: SECRET}\n")
	a := configApp(map[string]string{"RESPONDIO_TOKEN": "env-token", "OTHER_TOKEN": "file-token", "ID": "ci_x", "SECRET": "cs_x",
		"TIDYSUPPORT_API_KEY": "ts_sk_x", "TIDYSUPPORT_WORKSPACE_ID": "wrk_x"}, path)
	ac, err := a.openAccount(context.Background(), "from", "respondio")
	require.NoError(t, err)
	assert.Equal(t, "respondio (respond.io)", ac.title)
	assert.Equal(t, "file-token", a.configs["respondio"]["token"])

	ac, err = a.openAccount(context.Background(), "to", "tidysupport")
	require.NoError(t, err)
	assert.Equal(t, "TidySupport", ac.title, "a vendor from the environment")

	_, err = a.openAccount(context.Background(), "to", "shop-us")
	var ue *usageError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Equal(t, `--to: "shop-us" is no account of `+path+` (respondio, shop) and no vendor (tidio, respondio, tidysupport)`, ue.msg)
}

// check runs 'deskbridge check args...' (runCheck, whether or not the
// command list has it) and returns its exit code.
func (t *testApp) check(ctx context.Context, args ...string) int {
	t.out.Reset()
	t.errOut.Reset()
	return t.exit("check", runCheck(ctx, t.app, args))
}

func TestSnakeCase(t *testing.T) {
	for key, want := range map[string]string{"clientID": "client_id", "baseURL": "base_url", "requestsPerMinute": "requests_per_minute", "token": "token", "workspaceID": "workspace_id"} {
		assert.Equal(t, want, snakeCase(key))
	}
}

// Vendor names in the config file ignore case, as the registry's keys do.
func TestConfigFileVendorIgnoresCase(t *testing.T) {
	path := writeConfig(t, "accounts:\n  shop:\n    vendor: TIDIO\n    client_id: {env: ID}\n    client_secret: {env: SECRET}\n  chat:\n    vendor: RespondIO\n    token: {env: TOKEN}\n")
	a := configApp(map[string]string{"ID": "ci_x", "SECRET": "cs_x", "TOKEN": "tok"}, path)
	for name, vendor := range map[string]string{"shop": "tidio", "chat": "respondio"} {
		ac, err := a.openAccount(context.Background(), "from", name)
		require.NoError(t, err, name)
		assert.Equal(t, vendor, ac.vendor.name)
	}
}

// An account of ./deskbridge.yaml named like a vendor wins over that
// vendor's variables: when they are set and the account does not read
// them, one line on stderr says so.
func TestAccountNamedLikeAVendorSaysSo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(token string) {
		require.NoError(t, os.WriteFile(defaultConfigFile,
			[]byte("accounts:\n  respondio:\n    vendor: respondio\n    token: {env: "+token+"}\n"), 0o600))
	}
	run := func(env map[string]string, args ...string) *testApp {
		a := newTestApp(env, map[string]*support.Client{"tidio": memory.New(memory.Config{}), "respondio": memory.New(memory.Config{})})
		require.Equal(t, exitOK, a.exec(context.Background(), args...), a.errOut.String())
		return a
	}
	migrate := []string{"migrate", "--from", "tidio", "--to", "respondio", "--dry-run"}
	env := map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "RESPONDIO_TOKEN": "env-token", "OTHER_TOKEN": "file-token"}

	write("OTHER_TOKEN")
	a := run(env, migrate...)
	assert.Equal(t, "file-token", a.configs["respondio"]["token"], "the account wins")
	const said = `deskbridge: --to respondio is the account "respondio" of ./deskbridge.yaml (RESPONDIO_* variables are not used)` + "\n"
	assert.Equal(t, 1, strings.Count(a.errOut.String(), said), a.errOut.String())
	a = run(env, "check", "respondio")
	assert.Equal(t, `deskbridge: respondio is the account "respondio" of ./deskbridge.yaml (RESPONDIO_* variables are not used)`+"\n", a.errOut.String())

	noVars := map[string]string{"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_x", "OTHER_TOKEN": "file-token"}
	assert.NotContains(t, run(noVars, migrate...).errOut.String(), "is the account", "no RESPONDIO_* variable set")

	// An account that reads the vendor's variables (as the sandbox's
	// config file does) names only those it leaves out.
	write("RESPONDIO_TOKEN")
	assert.NotContains(t, run(env, migrate...).errOut.String(), "is the account")
	env["RESPONDIO_BASE_URL"] = "http://127.0.0.1:9"
	assert.Contains(t, run(env, migrate...).errOut.String(),
		`deskbridge: --to respondio is the account "respondio" of ./deskbridge.yaml (RESPONDIO_BASE_URL is not used)`+"\n")
}
