package support

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeConfig struct {
	Token             Secret
	BaseURL           string
	RequestsPerMinute int
	Timeout           time.Duration
	Verbose           bool
}

func TestDecodeConfig(t *testing.T) {
	var c fakeConfig
	err := DecodeConfig(map[string]any{
		"token": "tok_CANARY", "BaseURL": "https://x", "requestsPerMinute": "120", "timeout": "30s", "verbose": "true",
	}, &c)
	if err != nil {
		t.Fatal(err)
	}
	want := fakeConfig{Token: "tok_CANARY", BaseURL: "https://x", RequestsPerMinute: 120, Timeout: 30 * time.Second, Verbose: true}
	if c != want {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
}

func TestDecodeConfigUnknownKeyNamed(t *testing.T) {
	var c fakeConfig
	err := DecodeConfig(map[string]any{"token": "x", "base_ulr": "https://x"}, &c)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "base_ulr") {
		t.Fatalf("err = %v, want ErrInvalid naming base_ulr", err)
	}
	if !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("err = %v, want it to list the known keys", err)
	}
}

func TestDecodeConfigBadValueNotQuoted(t *testing.T) {
	var c fakeConfig
	err := DecodeConfig(map[string]any{"requestsPerMinute": "sixty-SECRETISH"}, &c)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "requestsPerMinute") {
		t.Fatalf("err = %v, want ErrInvalid naming the key", err)
	}
	if strings.Contains(err.Error(), "SECRETISH") {
		t.Errorf("error quotes the value: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	opened := false
	Register("zz-test-fake", func(ctx context.Context, cfg map[string]any) (*Client, error) {
		opened = true
		var c fakeConfig
		return nil, DecodeConfig(cfg, &c)
	})
	if !slices.Contains(Adapters(), "zz-test-fake") || !slices.IsSorted(Adapters()) {
		t.Errorf("Adapters() = %v", Adapters())
	}
	if _, err := Open(context.Background(), "zz-test-fake", map[string]any{"token": "t"}); err != nil || !opened {
		t.Errorf("Open: %v, opened=%v", err, opened)
	}
	_, err := Open(context.Background(), "tidoi", nil)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "zz-test-fake") || !strings.Contains(err.Error(), "forgotten import") {
		t.Errorf("unknown adapter: %v", err)
	}
	for name, f := range map[string]func(){
		"duplicate": func() {
			Register("zz-test-fake", func(context.Context, map[string]any) (*Client, error) { return nil, nil })
		},
		"nil": func() { Register("zz-other", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestRegisterConfig(t *testing.T) {
	RegisterConfig("zz-test-config", func(c fakeConfig) (*Client, error) {
		if c.Token == "" {
			return nil, Errorf("zz-test-config", "", ErrInvalid, "Config.Token is required")
		}
		return NewClient(newFake()), nil
	})
	p, err := Open(context.Background(), "zz-test-config", map[string]any{"token": "t"})
	if err != nil || p == nil {
		t.Fatalf("Open: %v, %v", p, err)
	}
	// A failing constructor yields a nil Client.
	p, err = Open(context.Background(), "zz-test-config", map[string]any{})
	if !errors.Is(err, ErrInvalid) || p != nil {
		t.Fatalf("missing token: p == nil is %v, err %v", p == nil, err)
	}
	_, err = Open(context.Background(), "zz-test-config", map[string]any{"tokn": "t"})
	var e *Error
	if !errors.As(err, &e) || e.Vendor != "zz-test-config" || !strings.Contains(err.Error(), "tokn") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestDecodeConfigAssignsPointersAsTheyAre(t *testing.T) {
	var cfg struct {
		Logger     *slog.Logger
		HTTPClient *http.Client
		Timeout    time.Duration
	}
	l := slog.New(slog.DiscardHandler)
	hc := &http.Client{}
	in := map[string]any{"logger": l, "httpclient": hc, "timeout": "2s"}
	require.NoError(t, DecodeConfig(in, &cfg))
	assert.Same(t, l, cfg.Logger, "the logger itself, not a copy without its handler")
	assert.Same(t, hc, cfg.HTTPClient)
	assert.Equal(t, 2*time.Second, cfg.Timeout)
	assert.Len(t, in, 3, "the caller's map is left as it was")
}
