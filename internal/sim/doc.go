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
//     responses, list pages without their list, cursor loops, error
//     messages that echo the credentials), scripted or by seeded chance.
//   - [Stats]: request counts per route and status, and writes.
//   - [Stack], [Server] and [Transport]: the middleware chain (Stats, then
//     Faults, then the vendor handler) served over loopback HTTP/1.1 or
//     in-process, for tests inside a testing/synctest bubble.
//   - [ReadJSON] and [WriteJSON]: request decoding with a size cap and a
//     classified error ([BodyError]), and vendor-like JSON responses.
//
// # Faults for listings and secrets
//
// Three faults test what a client does with answers that are wrong rather
// than failed. Each works on any simulator built on [Stack], through its
// Faults (tidiotest.Server.Faults, respondiotest.Simulator.Faults,
// tidysupporttest.Simulator.Faults), scripted with Next or mixed in with
// Chance:
//
//   - [MalformedPage] answers a list request with 200 and a page that lost
//     its item list ({} or null, the list null or missing, an empty list
//     with the next cursor kept, an empty body, or garbled JSON; see
//     [PageVariant]) or with 204. Give its Match the list's cursor
//     parameter (Match.Query) to hit only the later pages:
//     f.Next(1, Match{Method: "GET", Path: "/contacts", Query: "cursor"},
//     MalformedPage(PageNullList)). respond.io lists contacts with POST
//     /contact/list?cursorId=…, so there the Match is {Method: "POST",
//     Path: "/contact/list", Query: "cursorId"}.
//   - [CursorLoop] answers a later page with an earlier one, so that the
//     next cursor is one the client has followed already (7 → 8 → 7):
//     f.Next(1, Match{Method: "GET", Path: "/contacts"},
//     CursorLoop("cursor")), scripted before the listing starts, fires on
//     its third page. The rule follows the cursors of the listing from its
//     first page on, and applies from the third page on.
//   - [CredentialEcho] answers an error status (401 by default) whose
//     message echoes the values of the request's credential headers
//     ("Authorization", Tidio's "X-Tidio-Openapi-Client-Id" and
//     "X-Tidio-Openapi-Client-Secret"), the first one starting at byte 190,
//     where a clip at 200 bytes would cut it in two. The message is in
//     Fault.Message, which each vendor simulator's Respond hook writes in
//     the vendor's error body.
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
