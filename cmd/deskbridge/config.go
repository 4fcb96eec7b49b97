package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// The config file of named accounts: --config FILE, else the file
// DESKBRIDGE_CONFIG names, else ./deskbridge.yaml when it exists.
//
//	accounts:
//	  shop-eu:
//	    vendor: tidio
//	    base_url: https://api.tidio.com
//	    client_id: {env: SHOP_EU_TIDIO_CLIENT_ID}
//	    client_secret: {file: ./shop-eu.secret}
//
// An account's keys are its vendor's registry keys in snake_case (the
// environment variables' keys: client_id, base_url, requests_per_minute,
// ...); like the registry, they ignore case and underscores. A value is
// {env: NAME} (read from the environment), {file: PATH} (the file's
// content, trimmed; a relative PATH is relative to the config file's
// directory) or a literal, which is accepted but warned about when it is a
// credential.
const (
	configEnv         = "DESKBRIDGE_CONFIG"
	defaultConfigFile = "deskbridge.yaml"
	// maxSecretFile bounds a {file: PATH} value: a credential, not a
	// document.
	maxSecretFile = 64 << 10
)

// configFile is a parsed config file.
type configFile struct {
	path     string
	accounts []fileAccount // in the file's order
}

// fileAccount is one account of the config file, as written.
type fileAccount struct {
	name   string
	line   int // where the account starts, for messages
	vendor vendor
	values map[string]fileValue // by registry key (envVar.key)
}

// fileValue is one key of an account, as written.
type fileValue struct {
	key  string // as written in the file
	line int
	env  string // {env: NAME}
	file string // {file: PATH}, as written
	lit  string // a literal
	// isLiteral tells a literal "" from a reference.
	isLiteral bool
}

// source says where the value comes from, for messages: "env
// SHOP_EU_TIDIO_CLIENT_ID", "file ./secret" or "written in the file".
func (v fileValue) source() string {
	switch {
	case v.env != "":
		return "env " + v.env
	case v.file != "":
		return "file " + v.file
	default:
		return "written in the file"
	}
}

// configFlag adds --config FILE to fs: the config file of named accounts,
// for this command in place of DESKBRIDGE_CONFIG.
func (a *app) configFlag(fs *flag.FlagSet) {
	fs.Func("config", "read named accounts from `FILE` (default $"+configEnv+", else ./"+defaultConfigFile+" when it exists)", func(path string) error {
		if path == "" {
			return errors.New("empty path")
		}
		getenv := a.getenv
		a.getenv = func(k string) string {
			if k == configEnv {
				return path
			}
			return getenv(k)
		}
		return nil
	})
}

// loadConfig reads the config file in use: nil without one. A file named
// by --config or DESKBRIDGE_CONFIG must exist; ./deskbridge.yaml is read
// only when it does.
func (a *app) loadConfig() (*configFile, error) {
	path := a.getenv(configEnv)
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		path = defaultConfigFile
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &configError{fmt.Errorf("config file: %w", err)}
	}
	cf, err := parseConfig(path, b)
	if err != nil {
		return nil, &configError{err}
	}
	return cf, nil
}

// parseConfig parses the config file at path, whose content is b.
func parseConfig(path string, b []byte) (*configFile, error) {
	cf := &configFile{path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind == 0 {
		return cf, nil // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with the key accounts", path, root.Line)
	}
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "accounts" {
			return nil, fmt.Errorf("%s:%d: unknown key %q (the file has one key: accounts)", path, k.Line, k.Value)
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: accounts: want a mapping of account names to accounts", path, v.Line)
		}
		for j := 0; j < len(v.Content); j += 2 {
			fa, err := parseAccount(path, v.Content[j], v.Content[j+1])
			if err != nil {
				return nil, err
			}
			if cf.account(fa.name) != nil {
				return nil, fmt.Errorf("%s:%d: account %s is defined twice", path, fa.line, fa.name)
			}
			cf.accounts = append(cf.accounts, fa)
		}
	}
	return cf, nil
}

// parseAccount parses the account named by the node name, defined by def.
func parseAccount(path string, name, def *yaml.Node) (fileAccount, error) {
	fa := fileAccount{name: name.Value, line: name.Line, values: map[string]fileValue{}}
	at := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: account %s: %s", path, line, fa.name, fmt.Sprintf(format, args...))
	}
	if !validAccountName(fa.name) {
		return fa, fmt.Errorf("%s:%d: account name %q: use letters, digits, '.', '_' and '-'", path, name.Line, fa.name)
	}
	if def.Kind != yaml.MappingNode {
		return fa, at(def.Line, "want a mapping with vendor and the vendor's keys")
	}
	var vendorLine int
	raw := map[string]*yaml.Node{}
	var order []*yaml.Node
	for i := 0; i < len(def.Content); i += 2 {
		k, v := def.Content[i], def.Content[i+1]
		if k.Value == "vendor" {
			if v.Kind != yaml.ScalarNode {
				return fa, at(v.Line, "vendor: want one of %s", vendorNames())
			}
			// Vendor names ignore case, as the registry's keys do.
			vn, err := lookupVendor("vendor", strings.ToLower(v.Value))
			if err != nil {
				return fa, at(v.Line, "unknown vendor %q (one of: %s)", v.Value, vendorNames())
			}
			fa.vendor, vendorLine = vn, v.Line
			continue
		}
		if _, dup := raw[k.Value]; dup {
			return fa, at(k.Line, "%s is given twice", k.Value)
		}
		raw[k.Value] = v
		order = append(order, k)
	}
	if vendorLine == 0 {
		return fa, at(def.Line, "vendor is required (one of: %s)", vendorNames())
	}
	for _, k := range order {
		e, ok := fa.vendor.envByKey(k.Value)
		if !ok {
			return fa, at(k.Line, "unknown key %q (%s takes %s)", k.Value, fa.vendor.name, strings.Join(fa.vendor.fileKeys(), ", "))
		}
		if prev, dup := fa.values[e.key]; dup {
			return fa, at(k.Line, "%s and %s are the same key", prev.key, k.Value)
		}
		fv, err := parseValue(raw[k.Value])
		if err != nil {
			return fa, at(k.Line, "%s: %v", k.Value, err)
		}
		fv.key, fv.line = k.Value, k.Line
		fa.values[e.key] = fv
	}
	return fa, nil
}

// parseValue parses one key's value: {env: NAME}, {file: PATH} or a
// literal.
func parseValue(n *yaml.Node) (fileValue, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return fileValue{lit: n.Value, isLiteral: true}, nil
	case yaml.MappingNode:
		if len(n.Content) != 2 || n.Content[1].Kind != yaml.ScalarNode || n.Content[1].Value == "" {
			break
		}
		switch n.Content[0].Value {
		case "env":
			return fileValue{env: n.Content[1].Value}, nil
		case "file":
			return fileValue{file: n.Content[1].Value}, nil
		}
	}
	return fileValue{}, errors.New("want a value, {env: NAME} or {file: PATH}")
}

// validAccountName reports whether name can name an account on the command
// line: letters, digits, '.', '_' and '-'.
func validAccountName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-", r) {
			return false
		}
	}
	return true
}

// account returns the account of the file named name, or nil.
func (cf *configFile) account(name string) *fileAccount {
	if cf == nil {
		return nil
	}
	for i := range cf.accounts {
		if cf.accounts[i].name == name {
			return &cf.accounts[i]
		}
	}
	return nil
}

// display names the file for messages: as it was given, and
// ./deskbridge.yaml when it was found there.
func (cf *configFile) display() string {
	if cf.path == defaultConfigFile {
		return "./" + defaultConfigFile
	}
	return cf.path
}

// names lists the file's accounts, for messages.
func (cf *configFile) names() []string {
	if cf == nil {
		return nil
	}
	names := make([]string, len(cf.accounts))
	for i, fa := range cf.accounts {
		names[i] = fa.name
	}
	return names
}

// resolve reads the values of fa: the registry config, the settings for
// messages, and warnings about credentials written in the file.
func (cf *configFile) resolve(fa *fileAccount, getenv func(string) string) (map[string]any, []setting, []string, error) {
	cfg := map[string]any{}
	var settings []setting
	var warnings, missing []string
	at := func(line int) string { return fmt.Sprintf("%s:%d: account %s", cf.path, line, fa.name) }
	for _, e := range fa.vendor.env {
		fv, ok := fa.values[e.key]
		if !ok {
			if !e.optional {
				missing = append(missing, snakeCase(e.key))
			}
			continue
		}
		val, err := cf.read(fv, getenv)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %s: %w", at(fv.line), fv.key, err)
		}
		if fv.isLiteral && e.secret {
			warnings = append(warnings, fmt.Sprintf("%s: %s is written in the file; prefer {env: NAME} or {file: PATH}", at(fv.line), fv.key))
		}
		if val == "" {
			if !e.optional {
				missing = append(missing, fv.key)
			}
			continue
		}
		cfg[e.key] = val
		settings = append(settings, setting{key: e.key, label: fmt.Sprintf("%s (%s)", fv.key, fv.source()), secret: e.secret})
	}
	if len(missing) > 0 {
		return nil, nil, nil, fmt.Errorf("%s: %s needs %s", at(fa.line), fa.vendor.name, strings.Join(missing, ", "))
	}
	return cfg, settings, warnings, nil
}

// read returns the value fv stands for.
func (cf *configFile) read(fv fileValue, getenv func(string) string) (string, error) {
	switch {
	case fv.env != "":
		v := strings.TrimSpace(getenv(fv.env))
		if v == "" {
			return "", fmt.Errorf("the environment variable %s is not set", fv.env)
		}
		return v, nil
	case fv.file != "":
		p := fv.file
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(cf.path), p)
		}
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			return "", fmt.Errorf("read %s: %w", fv.file, err)
		}
		if len(b) > maxSecretFile {
			return "", fmt.Errorf("%s is larger than %d bytes: not a credential", fv.file, maxSecretFile)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s is empty", fv.file)
		}
		return v, nil
	default:
		return strings.TrimSpace(fv.lit), nil
	}
}

// envByKey returns the variable of v whose registry key is key, written
// in any case, with or without underscores (client_id, clientID).
func (v vendor) envByKey(key string) (envVar, bool) {
	norm := strings.ReplaceAll(key, "_", "")
	for _, e := range v.env {
		if strings.EqualFold(e.key, norm) {
			return e, true
		}
	}
	return envVar{}, false
}

// fileKeys lists v's keys as the config file writes them.
func (v vendor) fileKeys() []string {
	keys := make([]string, len(v.env))
	for i, e := range v.env {
		keys[i] = snakeCase(e.key)
	}
	return keys
}

// snakeCase writes a registry key in snake_case: clientID is client_id,
// baseURL base_url.
func snakeCase(key string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range key {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return b.String()
}
