// Package conformance is the test suite every deskbridge adapter must pass,
// and the record/replay machinery that lets HTTP adapters run it offline.
//
// # The suite
//
// [Run] runs the same scenarios against a [*support.Client], the type apps
// call, built over an adapter's [support.Driver], each in its own subtest
// with a fresh Client from [Harness.New]. It tests what apps get: the
// driver's primitives under the vendor-neutral rules the Client owns
// (validation, Ref resolution, upsert matching and the identity rule, batch
// handling, capability checks, error attribution), so a driver passes only
// if the Client over it keeps every promise below. The scenario names
// ("contacts/create", "contacts/paging", "capabilities/unsupported", ...;
// see [Scenarios]) are stable, because recordings are named after them.
//
// The suite holds a Client to its [support.Capabilities]:
//
//   - a declared operation must pass its scenarios: happy paths, well-formed
//     but unknown IDs (ErrNotFound), invalid input (ErrInvalid, before any
//     request), paging across at least three pages, lookups by email and
//     phone, upsert outcomes, the identity rule (a phone shared with another
//     email is a Conflict, never an update), patch semantics, batch results
//     (creates and updates), custom field definitions, the contact fields
//     Capabilities().ContactFields declares, conversation statuses,
//     priorities, departments, closing categories and assignment, message
//     order, one message by ID, agents, and a passthrough GET of a contact;
//   - an undeclared operation must fail with an error matching
//     [support.ErrUnsupported]: never nil, never a panic. A scenario whose
//     subject is undeclared checks exactly that. So must a department, a
//     message channel or a message subject where Capabilities() has none
//     (Departments, ChoosesChannel, MessageSubjects), before any request.
//   - a scenario that needs an undeclared operation only to set things up
//     (say, a conversation to assign) is skipped, saying which.
//
// Every error checked must be a *[support.Error] carrying
// Capabilities().Vendor and an Op. Scenarios send fixed data (fixed names and
// emails, no clock, no randomness) so that their HTTP traffic is the same on
// every run, and rely only on what [support.Client] promises, never on one
// adapter's IDs: a well-formed unknown ID is made by changing the last letter
// or digit of a real one.
//
// The package's own tests prove the suite: it fails against memory's driver
// with one primitive broken (a paging off-by-one, a delete of a missing
// contact that succeeds, an email lookup that minds case, a patch that
// cannot clear, inconsistent capabilities, unlisted notes, a batch update
// that drops a patch, a city dropped on create, unlisted custom fields, a
// priority or a department ignored, an unnamed closing category, a message
// read by the wrong ID, a passthrough that nests its answer), and an HTTP
// driver is recorded, replayed and recorded again through all of it.
//
// # What the scenarios allow
//
// Where vendors legitimately differ, a scenario accepts each documented
// behaviour and nothing else:
//
//   - contacts/create_duplicate follows Capabilities().CreateDedup: "none"
//     stores a second contact (Created, another ID, and a lookup by email
//     returns the earliest created); "email" returns the first (Matched, same
//     ID); "identifier" refuses (ErrConflict) or returns the first (same ID,
//     Matched, Updated or Unchanged).
//   - contacts/upsert: the first upsert is Created; a changed input that
//     matches by email (in another case) is Updated, or Matched with a
//     warning on the changed field when contacts.update is not declared; the
//     same input again, and a match by phone, is Unchanged or Matched. The
//     platform must then hold exactly one contact. Matching is checked only
//     when lookups by email (and by phone) are declared.
//   - Fields a platform warns about (ContactResult.Warnings, by neutral field
//     name such as "last_name") are not compared.
//   - Assigning to an unknown agent fails with ErrNotFound or ErrInvalid;
//     assigning to a team without AssignTeams fails with ErrUnsupported;
//     setting a status missing from Statuses fails with ErrUnsupported or
//     ErrInvalid, and changes nothing.
//   - A conversation is started with an email Ref, after creating the
//     contact when the platform can; its ContactID must then be that
//     contact's ID. Replies (and a note, when declared) must be listed in
//     the order sent, after the first message if it is listed, the note with
//     Internal set. With Capabilities().NotesOutsideHistory the note must be
//     sent (a Message with Internal set and the text) but need not be
//     listed; the replies still must. When no message sent is to be listed
//     (no replies; no note, or one outside the history), the listing must
//     hold the conversation's first message, so that a declared
//     messages.list is always exercised. When ListAgents is declared,
//     messages are sent as the first agent (NewMessage.AuthorID).
//   - contacts/new_fields creates a contact with a city, an email consent,
//     a lifecycle stage ("Customer", a stage respond.io workspaces start
//     with) and an avatar URL: each field Capabilities().ContactFields
//     lists must read back equal, with no warning; each other one must
//     come with a warning on its field.
//   - contacts/update_batch patches three contacts, one to an invalid
//     email: that one is Failed (ErrInvalid) and unchanged, the others are
//     Updated and read back so, whether the vendor has a batch update or
//     the Client sends one update each.
//   - contacts/fields: a custom field stored without a warning must be
//     listed by ListContactFields.
//   - conversations/priority sets each of Capabilities().Priorities,
//     highest first; a priority not among them is ErrInvalid before any
//     request. conversations/department starts a conversation in the first
//     and in the last team ListAgents lists. conversations/closing_categories
//     closes a conversation in the first category listed, when the
//     platform can close one.
//   - messages/get reads a message sent (as the first agent, when agents
//     are listed) or, where none can be sent, the first one listed.
//   - passthrough/get_contact: the answer to Harness.PassthroughContact's
//     request must be 200 with a body equal, as JSON, to GetContact's Raw,
//     or an object one of whose values is; a GET of a missing contact is
//     ErrNotFound with Status 404, the 404 answer returned with it.
//   - With a cancelled context, every declared operation returns an error
//     matching context.Canceled.
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
//   - record (DESKBRIDGE_RECORD=1 go test ./adapters/<vendor> -run
//     Conformance; see [RecordEnv]): the same scenarios run against
//     [RecordOptions.Upstream] (the vendor's simulator,
//     or the live vendor) and the recordings are rewritten, credentials
//     scrubbed. Recordings are indented JSON with sorted keys, so recording
//     twice gives byte-identical files, and the upstream's scheme://host is
//     written as "{{base}}", so they do not depend on the simulator's port.
//   - live: the same scenarios straight against the simulator, without
//     [HTTPClient], so that adapter and simulator cannot drift apart.
//
// # Wiring an adapter
//
// An adapter's test hands the suite a harness that starts its simulator and
// builds the adapter's Client on it (its New, which is NewDriver then
// support.NewClient); in the first test the adapter's HTTP client comes
// from HTTPClient (replay or record), in the second it talks to the
// simulator directly (live). With the adapter package called vendor and its
// simulator started by newSimulator:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) *support.Client {
//			srv := newSimulator(t) // an *httptest.Server with page size 3
//			hc := conformance.HTTPClient(t, conformance.RecordOptions{
//				Dir:      "testdata/conformance",
//				Upstream: srv.Client().Transport,
//				Secrets:  []string{apiKey},
//			})
//			return newClient(t, vendor.Config{BaseURL: srv.URL, HTTPClient: hc, APIKey: apiKey})
//		}, PassthroughContact: func(id string) support.RawRequest {
//			return support.RawRequest{Path: []string{"contacts", id}} // the vendor's GET of a contact
//		}})
//	}
//
//	func TestConformanceLive(t *testing.T) {
//		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) *support.Client {
//			srv := newSimulator(t)
//			return newClient(t, vendor.Config{BaseURL: srv.URL, HTTPClient: srv.Client(), APIKey: apiKey})
//		}})
//	}
//
//	// newClient is vendor.New, failing t on error.
//	func newClient(t *testing.T, cfg vendor.Config) *support.Client {
//		c, err := vendor.New(cfg)
//		if err != nil {
//			t.Fatal(err)
//		}
//		return c
//	}
//
// In replay the simulator still starts (for its URL) but receives nothing.
// When HTTPClient is in use, the invalid-input scenarios also check that no
// request left the adapter. Call HTTPClient once per scenario, from
// Harness.New. Record mode is an environment variable, not a flag, so
// importing this package registers nothing on a program's command line;
// record one adapter package at a time rather than with ./... .
package conformance
