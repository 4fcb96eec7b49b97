// Package e2e holds deskbridge's end-to-end proofs of the quality bars that
// span vendors (docs/quality.md): contacts migrated between the three vendors' simulators
// (Tidio, respond.io, TidySupport) through their real adapters and
// migrate.Run, with faults injected into the HTTP traffic, and the result
// checked in the target simulator's own store.
//
//   - R1: 10,000 contacts in each direction with 20% of the requests to
//     both sides faulted (at least 5% committed then lost) end with nothing
//     lost, nothing doubled, and every source ID mapped to one target ID.
//   - R2: a migration interrupted at random points, by a cancelled context
//     and by SIGKILL of the process running it, then resumed, ends the same
//     way; a finished one re-runs with 0 write requests.
//   - P2 (benchmark): against a simulator enforcing its rate limit in real
//     time, a migration sustains at least 95% of the limit with 0 responses
//     of status 429.
//   - P3: 10,000 contacts into Tidio take at most 110 write requests, and
//     so do, once migrated, 10,000 of them changed in the source (Tidio's
//     batch update).
//
// The package has tests only. Most of them run the traffic through the
// simulators' in-process transport inside testing/synctest bubbles, so that
// Retry-After and backoff waits cost no real time.
package e2e
