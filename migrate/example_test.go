package migrate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// Migrate contacts between two platforms with an ID map on disk, plan it
// first with a dry run, and run it again to see that nothing is sent twice.
func Example() {
	ctx := context.Background()
	src, dst := memory.New(memory.Config{}), memory.New(memory.Config{})
	_, err := src.CreateContacts(ctx, []support.ContactInput{
		{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		{FirstName: "Grace Hopper", Email: "GRACE@example.com", Phone: "+1 415 555 0100"},
		{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com"}, // the same person
	})
	if err != nil {
		log.Fatal(err)
	}
	// The target knows Ada already, without her last name.
	if _, err := dst.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ADA@example.com"}); err != nil {
		log.Fatal(err)
	}

	dir, err := os.MkdirTemp("", "migrate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := migrate.OpenState(filepath.Join(dir, "state.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	plan, err := migrate.Run(ctx, src, dst, migrate.Options{State: st, DryRun: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("plan: create %d, update %d, unchanged %d, in %d write calls\n",
		plan.Created, plan.Updated, plan.Unchanged, plan.PlannedWriteCalls)

	rep, err := migrate.Run(ctx, src, dst, migrate.Options{State: st})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("run: created %d, updated %d, unchanged %d, in %d write calls\n",
		rep.Created, rep.Updated, rep.Unchanged, rep.WriteCalls)

	again, err := migrate.Run(ctx, src, dst, migrate.Options{State: st})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("again: skipped %d, in %d write calls\n", again.Skipped, again.WriteCalls)

	if err := st.ExportCSV(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// plan: create 1, update 1, unchanged 1, in 2 write calls
	// run: created 1, updated 1, unchanged 1, in 2 write calls
	// again: skipped 3, in 0 write calls
	// source_id,target_id,outcome,resolved,keys,warnings,reason
	// ctc_1,ctc_1,updated,false,email:ada@example.com,,
	// ctc_2,ctc_2,created,false,email:grace@example.com phone:+14155550100,,
	// ctc_3,ctc_2,unchanged,false,email:grace@example.com,,
}
