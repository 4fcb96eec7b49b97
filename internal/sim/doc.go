// Package sim is the vendor-neutral machinery of deskbridge's vendor
// simulators (adapters/*/…test): in-memory HTTP servers that behave like a
// vendor's real API so that adapters, migrations and the conformance suite
// can run offline, deterministically, and under injected failures.
//
// A simulator supplies what is vendor-specific (auth, paths, paging shape,
// dedup rules, validation, rate-limit headers and error bodies) as an
// http.Handler, and builds on this package for the rest:
//
//   - [Clock]: a settable clock, manual by default (starting at [Epoch]) so
//     that timestamps in responses are deterministic, or real ([RealClock]).
//   - [IDs]: seeded identifiers in the vendors' shapes: integer sequences,
//     prefixed base62 tokens, UUIDs, ULIDs. Same seed, same IDs.
//   - [Store]: an insertion-ordered, concurrency-safe collection with
//     secondary indexes, and paging by position key that stays stable under
//     concurrent inserts and deletes; [EncodeCursor] and [DecodeCursor] make
//     and check opaque cursors.
//   - [Limiter]: fixed-window rate limits per key, driven by the Clock.
//   - [Faults]: deterministic fault injection (429, 5xx, connection resets
//     before and after the change is committed, slow and malformed
//     responses), scripted or by seeded chance.
//   - [Stats]: request counts per route and status, and writes.
//   - [Stack], [Server] and [Transport]: the middleware chain (Stats, then
//     Faults, then the vendor handler) served over loopback HTTP/1.1 or
//     in-process, for tests inside a testing/synctest bubble.
//   - [ReadJSON] and [WriteJSON]: request decoding with a size cap and a
//     classified error ([BodyError]), and vendor-like JSON responses.
//
// Simulators import this package and the standard library only: they speak
// HTTP like the real vendor, so they catch adapter mistakes instead of
// sharing them.
//
// A simulator typically looks like this:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("POST /contacts", s.createContact)
//	st := sim.NewStack(mux)
//	st.Faults.Respond = s.writeVendorError // 429 and 5xx bodies in the vendor's shape
//	srv := sim.NewServer(st)               // or st.InProcess() inside synctest
//	defer srv.Close()
package sim
