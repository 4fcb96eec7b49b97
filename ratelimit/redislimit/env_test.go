package redislimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/redistest"
	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
)

// env is one test's slice of the test server: its own key prefix, and a
// client of its own to look at the keys.
type env struct {
	addr, prefix string
	raw          *redis.Client
}

// newEnv checks that the server answers and, after the test, that every key
// the test left under its prefix expires (nothing is kept forever), then
// deletes them.
func newEnv(t testing.TB) *env {
	t.Helper()
	addr := redistest.Addr(t)
	raw := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = raw.Close() })
	require.NoError(t, raw.Ping(context.Background()).Err(), "%s=%s does not answer", redistest.Env, addr)
	var id [6]byte
	_, _ = rand.Read(id[:])
	e := &env{addr: addr, prefix: "deskbridge-test:" + hex.EncodeToString(id[:]) + ":", raw: raw}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, k := range e.keys(t) {
			ttl, err := raw.PTTL(ctx, k).Result()
			if assert.NoError(t, err) {
				assert.NotEqual(t, time.Duration(-1), ttl, "key %s has no TTL", k) // -2: gone meanwhile
			}
			raw.Del(ctx, k)
		}
	})
	return e
}

// keys lists the keys under the test's prefix.
func (e *env) keys(t testing.TB) []string {
	t.Helper()
	var keys []string
	iter := e.raw.Scan(context.Background(), 0, e.prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	require.NoError(t, iter.Err())
	return keys
}

// limiter returns a Limiter under the test's prefix on a client of its own
// (a separate "process") with opt; nil is the test server, with go-redis's
// defaults but for ContextTimeoutEnabled, as NewFromURL sets it.
func (e *env) limiter(t testing.TB, opt *redis.Options, cfg redislimit.Config) *redislimit.Limiter {
	t.Helper()
	if opt == nil {
		opt = &redis.Options{Addr: e.addr, ContextTimeoutEnabled: true}
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	cfg.Client = c
	cfg.Prefix = e.prefix
	l, err := redislimit.New(cfg)
	require.NoError(t, err)
	return l
}

// clock is an injected clock for Config.Now.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// closedAddr is a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// proxy forwards TCP connections to the test server and can be taken down
// (every connection closed, new ones closed at once) and up again: Redis
// going away and coming back, as a client sees it.
type proxy struct {
	ln     net.Listener
	target string
	up     atomic.Bool
	hang   atomic.Bool  // while down: hold connections open, never answer
	tries  atomic.Int64 // connections accepted while down

	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	p.up.Store(true)
	var wg sync.WaitGroup
	wg.Go(p.serve)
	t.Cleanup(func() {
		_ = ln.Close()
		p.down()
		wg.Wait()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.up.Load() {
			p.tries.Add(1)
			if p.hang.Load() {
				p.mu.Lock()
				p.conns = append(p.conns, c)
				p.mu.Unlock()
			} else {
				_ = c.Close()
			}
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
		go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
	}
}

// down closes every connection and refuses new ones until setUp.
func (p *proxy) down() {
	p.up.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) setUp() { p.up.Store(true) }
