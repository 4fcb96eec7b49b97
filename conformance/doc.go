// Package conformance is the test suite every deskbridge adapter must pass,
// and the record/replay machinery that lets HTTP adapters run it offline.
//
// # The suite
//
// [Run] runs the same scenarios against any [support.Platform], each in its
// own subtest with a fresh platform from [Harness.New]. The scenario names
// ("contacts/create", "contacts/paging", "capabilities/unsupported", ...;
// see [Scenarios]) are stable, because recordings are named after them.
//
// The suite holds a platform to its [support.Capabilities]:
//
//   - a declared operation must pass its scenarios: happy paths, well-formed
//     but unknown IDs (ErrNotFound), invalid input (ErrInvalid, before any
//     request), paging across at least three pages, lookups by email and
//     phone, upsert outcomes, patch semantics, batch results, conversation
//     statuses and assignment, message order, agents;
//   - an undeclared operation must fail with an error matching
//     [support.ErrUnsupported]: never nil, never a panic. A scenario whose
//     subject is undeclared checks exactly that.
//   - a scenario that needs an undeclared operation only to set things up
//     (say, a conversation to assign) is skipped, saying which.
//
// Every error checked must be a *[support.Error] carrying
// Capabilities().Vendor and an Op. Scenarios send fixed data (fixed names and
// emails, no clock, no randomness) so that their HTTP traffic is the same on
// every run, and rely only on what [support.Platform] promises, never on one
// adapter's IDs: a well-formed unknown ID is made by changing the last letter
// or digit of a real one.
//
// # Modes
//
// An HTTP adapter runs the suite in three ways:
//
//   - replay (the default, what CI runs): each scenario's HTTP exchanges are
//     served from testdata/conformance/<scenario>.json by an
//     httpmock.MockTransport made for that scenario. A request that differs
//     from the next recorded one (method, path, query, body) fails the
//     scenario with a diff; so do recorded exchanges left unused.
//   - record (go test ./adapters/<vendor> -run Conformance -record): the same
//     scenarios run against [RecordOptions.Upstream] (the vendor's simulator,
//     or the live vendor) and the recordings are rewritten, credentials
//     scrubbed. Recordings are indented JSON with sorted keys, so recording
//     twice gives byte-identical files, and the upstream's scheme://host is
//     written as "{{base}}", so they do not depend on the simulator's port.
//   - live: the same scenarios straight against the simulator, without
//     [HTTPClient], so that adapter and simulator cannot drift apart.
//
// # Wiring an adapter
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) support.Platform {
//			srv := tidiotest.NewServer(t, tidiotest.Options{PageSize: 3})
//			hc := conformance.HTTPClient(t, conformance.RecordOptions{
//				Dir:      "testdata/conformance",
//				Upstream: srv.Client().Transport,
//				Secrets:  []string{clientSecret},
//			})
//			return tidio.New(tidio.Config{BaseURL: srv.URL, HTTPClient: hc, ClientSecret: clientSecret})
//		}})
//	}
//
//	func TestConformanceLive(t *testing.T) {
//		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) support.Platform {
//			srv := tidiotest.NewServer(t, tidiotest.Options{PageSize: 3})
//			return tidio.New(tidio.Config{BaseURL: srv.URL, HTTPClient: srv.Client(), ClientSecret: clientSecret})
//		}})
//	}
//
// In replay the simulator still starts (for its URL) but receives nothing.
// When HTTPClient is in use, the invalid-input scenarios also check that no
// request left the adapter.
package conformance
