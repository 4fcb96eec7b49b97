// Command migrate moves contacts from respond.io to Tidio with the library
// API (package migrate): a plan first (dry run), then the migration with an
// ID map on disk, then the same migration again, which sends no write. It
// ends with the ID map exported as CSV, for the user's own systems.
//
// It runs offline: both vendors are simulators started in this process, on
// loopback ports. To point it at real accounts, build the platforms from
// real credentials and drop BaseURL and the pacing overrides:
//
//	src, err := respondio.New(respondio.Config{Token: support.Secret(os.Getenv("RESPONDIO_TOKEN"))})
//	dst, err := tidio.New(tidio.Config{
//		ClientID:     support.Secret(os.Getenv("TIDIO_CLIENT_ID")),
//		ClientSecret: support.Secret(os.Getenv("TIDIO_CLIENT_SECRET")),
//	})
//
// and keep the state file: running the program again resumes an interrupted
// migration where it stopped.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

func main() {
	dir, err := os.MkdirTemp("", "deskbridge-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), os.Stdout, filepath.Join(dir, "state.db")); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, statePath string) error {
	// respond.io holds 250 contacts; Tidio knows two of them already, one
	// under an older name.
	rs := respondiotest.NewServer(respondiotest.Options{})
	defer rs.Close()
	for i := range 250 {
		_, err := rs.SeedContact(respondiotest.Contact{
			FirstName: "Customer", LastName: fmt.Sprint(i), Email: fmt.Sprintf("customer%d@example.com", i),
			CustomFields: []respondiotest.CustomField{{Name: "plan", Value: []byte(`"pro"`)}},
		})
		if err != nil {
			return err
		}
	}
	ts := tidiotest.NewServer(tidiotest.Options{})
	defer ts.Close()
	ts.SeedProperty(tidiotest.PropertyDef{Name: "plan", Type: "text"})
	ts.SeedContact(tidiotest.Contact{FirstName: "Customer", LastName: "0", Email: "CUSTOMER0@example.com",
		Properties: []tidiotest.Property{{Name: "plan", Value: "pro"}}})
	ts.SeedContact(tidiotest.Contact{FirstName: "Old name", Email: "customer1@example.com"})

	src, err := respondio.New(respondio.Config{
		Token:   support.Secret(respondiotest.Token),
		BaseURL: rs.URL(),
		// The simulator enforces no rate limit; a real account keeps the
		// default pacing (5 requests a second per endpoint).
		RateLimit: -1,
	})
	if err != nil {
		return err
	}
	dst, err := tidio.New(tidio.Config{
		ClientID:     support.Secret(tidiotest.ClientID),
		ClientSecret: support.Secret(tidiotest.ClientSecret),
		BaseURL:      ts.URL,
		// Likewise: a real Tidio project allows 60 requests a minute.
		RequestsPerMinute: -1,
	})
	if err != nil {
		return err
	}

	st, err := migrate.OpenState(statePath)
	if err != nil {
		return err
	}
	defer st.Close()

	plan, err := migrate.Run(ctx, src, dst, migrate.Options{State: st, DryRun: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plan: create %d, update %d, unchanged %d, in %d write calls\n",
		plan.Created, plan.Updated, plan.Unchanged, plan.PlannedWriteCalls)

	progress := 0
	rep, err := migrate.Run(ctx, src, dst, migrate.Options{
		State: st,
		// Called after each contact, from one goroutine: feed a progress
		// bar here.
		Progress: func(p migrate.Progress) { progress = p.Processed },
	})
	if err != nil {
		// The report so far comes with the error; running again with the
		// same state resumes.
		return err
	}
	fmt.Fprintf(w, "run:  created %d, updated %d, unchanged %d, failed %d, in %d write calls (%d contacts reported by Progress)\n",
		rep.Created, rep.Updated, rep.Unchanged, rep.Failed, rep.WriteCalls, progress)
	fmt.Fprintf(w, "tidio now holds %d contacts\n", len(ts.Contacts()))

	again, err := migrate.Run(ctx, src, dst, migrate.Options{State: st})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "again: skipped %d, in %d write calls\n", again.Skipped, again.WriteCalls)

	var csv strings.Builder
	if err := st.ExportCSV(&csv); err != nil {
		return err
	}
	lines := strings.Split(csv.String(), "\n")
	fmt.Fprintf(w, "ID map: %d rows; the first ones:\n", len(lines)-2)
	for _, l := range lines[:3] {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}
