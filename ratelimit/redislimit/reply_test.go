package redislimit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"
)

// replyError is an error reply of Redis, as go-redis returns it.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

var _ redis.Error = replyError("")

// A Redis that answers that it cannot serve for now (loading, failing
// over, a read-only replica) is down for the fallback, as an unreachable
// one is; any other error reply is Redis's answer, returned as it is.
func TestUnavailableRepliesAreOutages(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, tc := range []struct {
		reply  string
		outage bool
	}{
		{"LOADING Redis is loading the dataset in memory", true},
		{"READONLY You can't write against a read only replica.", true},
		{"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true},
		{"TRYAGAIN Multiple keys request during rehashing of slot", true},
		{"CLUSTERDOWN The cluster is down", true},
		{"WRONGTYPE Operation against a key holding the wrong kind of value", false},
		{"NOSCRIPT No matching script.", false},
		{"LOADINGX not a known reply", false},
	} {
		l, err := New(Config{Client: c, Fallback: FallbackLocal, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		err = l.failed(context.Background(), "reserve", replyError(tc.reply))
		if got := err == nil; got != tc.outage {
			t.Errorf("%q: paced locally = %v, want %v (error %v)", tc.reply, got, tc.outage, err)
		}
		if !tc.outage && !errors.Is(err, replyError(tc.reply)) {
			t.Errorf("%q: the reply is not in the error's chain: %v", tc.reply, err)
		}
	}
}
