package support

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// Opener builds a Client from a plain configuration map (from the
// environment or a config file). Adapters decode the map with DecodeConfig.
type Opener func(ctx context.Context, config map[string]any) (*Client, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Opener{}
)

// Register makes an adapter available to Open under name. Adapters call it
// from their package's init. It panics if open is nil or name is already
// registered, like database/sql.Register.
func Register(name string, open Opener) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if open == nil {
		panic("support: Register opener is nil")
	}
	if name == "" {
		panic("support: Register name is empty")
	}
	if _, dup := registry[name]; dup {
		panic("support: Register called twice for adapter " + name)
	}
	registry[name] = open
}

// RegisterConfig registers an adapter whose configuration is a Config
// struct C: its Opener decodes the map into C with DecodeConfig (errors
// attributed to the adapter) and calls build, usually the adapter's New.
// It panics as Register does.
func RegisterConfig[C any](name string, build func(C) (*Client, error)) {
	if build == nil {
		panic("support: RegisterConfig build is nil")
	}
	Register(name, func(ctx context.Context, config map[string]any) (*Client, error) {
		var cfg C
		if err := DecodeConfig(config, &cfg); err != nil {
			return nil, Attribute(err, name, "")
		}
		p, err := build(cfg)
		if err != nil {
			return nil, err
		}
		return p, nil
	})
}

// Adapters returns the names of the registered adapters, sorted.
func Adapters() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Open builds the Client of the adapter registered as name from config. An unknown name
// fails with ErrInvalid and lists the registered adapters; the adapter's
// package must be imported (often as `import _ ".../adapters/tidio"`).
// Direct constructors such as tidio.New stay the main way to build a
// Client; Open is for programs that choose the vendor at run time.
func Open(ctx context.Context, name string, config map[string]any) (*Client, error) {
	registryMu.RLock()
	open, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, Errorf("", "", ErrInvalid, "unknown adapter %q (forgotten import?); registered: %s",
			clip(name), strings.Join(Adapters(), ", "))
	}
	return open(ctx, config)
}

// DecodeConfig decodes a configuration map into out, a pointer to an
// adapter's Config struct. Keys match field names case-insensitively (or a
// `mapstructure` tag); strings are converted to numbers, booleans and
// durations ("30s") as needed, so values can come straight from environment
// variables. A key that matches no field is an error naming the key, so a
// typo never goes unnoticed. Errors are ErrInvalid and never quote values.
// A value that is already of a pointer, interface or func field's type (a
// *slog.Logger, an *http.Client) is assigned as it is, not copied field by
// field.
func DecodeConfig(config map[string]any, out any) error {
	config, assign := direct(config, out)
	var md mapstructure.Metadata
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           out,
		Metadata:         &md,
		WeaklyTypedInput: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
		),
	})
	if err != nil {
		return fmt.Errorf("support: config decoder: %w", err)
	}
	if err := dec.Decode(config); err != nil {
		return Errorf("", "", ErrInvalid, "config: %s", describeDecodeError(out, config))
	}
	if len(md.Unused) > 0 {
		slices.Sort(md.Unused)
		return Errorf("", "", ErrInvalid, "config: unknown key(s) %s; known keys: %s",
			strings.Join(md.Unused, ", "), strings.Join(configKeys(out), ", "))
	}
	assign()
	return nil
}

// direct takes out of config the values that are of their field's pointer,
// interface or func type, and returns the rest with a function that
// assigns those to out.
func direct(config map[string]any, out any) (map[string]any, func()) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return config, func() {}
	}
	v = v.Elem()
	var sets []func()
	rest := config
	for k, val := range config {
		f, ok := fieldFor(v.Type(), k)
		if !ok || val == nil || !f.IsExported() {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Func:
		default:
			continue
		}
		rv := reflect.ValueOf(val)
		if !rv.Type().AssignableTo(f.Type) {
			continue
		}
		if len(sets) == 0 {
			rest = maps.Clone(config)
		}
		delete(rest, k)
		sets = append(sets, func() { v.FieldByIndex(f.Index).Set(rv) })
	}
	return rest, func() {
		for _, set := range sets {
			set()
		}
	}
}

// describeDecodeError names the keys whose values could not be converted,
// without quoting the values (they may be credentials).
func describeDecodeError(out any, config map[string]any) string {
	t := reflect.TypeOf(out)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var bad []string
	for k, v := range config {
		f, ok := fieldFor(t, k)
		if !ok {
			continue
		}
		probe := reflect.New(f.Type)
		d, _ := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
			Result: probe.Interface(), WeaklyTypedInput: true,
			DecodeHook: mapstructure.StringToTimeDurationHookFunc(),
		})
		if d.Decode(v) != nil {
			bad = append(bad, fmt.Sprintf("%s (want %s)", k, typeName(f.Type)))
		}
	}
	if len(bad) == 0 {
		return "cannot decode"
	}
	slices.Sort(bad)
	return "bad value for " + strings.Join(bad, ", ")
}

func typeName(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration such as 30s"
	}
	return t.Kind().String()
}

func fieldFor(t reflect.Type, key string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ","); tag != "" {
			name = tag
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func configKeys(out any) []string {
	t := reflect.TypeOf(out)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ","); tag != "" {
			if tag == "-" {
				continue
			}
			name = tag
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return keys
}
