// Package redistest gives the project's tests the Redis server they run
// against: the one named by DESKBRIDGE_TEST_REDIS (host:port), which .ci/run
// starts on a loopback port for the run. Without it the Redis tests skip,
// except under CI=true, where they must run and so fail.
package redistest

import (
	"os"
	"testing"
)

// Env names the variable that holds the test server's address.
const Env = "DESKBRIDGE_TEST_REDIS"

// Addr returns the test server's address (host:port). Without one it skips
// t, or, under CI=true, fails it.
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(Env)
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI=true the Redis tests must run (.ci/run starts a server)", Env)
		}
		t.Skipf("%s is not set (host:port of a Redis server the tests may write to, such as 127.0.0.1:6379): skipping the Redis tests", Env)
	}
	return addr
}
