package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/support"
)

func runContacts(ctx context.Context, a *app, args []string) error {
	const head = `
Usage: deskbridge contacts list --vendor ACCOUNT [--json] [--limit N]

Subcommands:
  list    list an account's contacts (a vendor's, credentials from the environment, or a config file account's)`
	if len(args) == 0 {
		return usagef("missing subcommand: list")
	}
	switch args[0] {
	case "list":
		return runContactsList(ctx, a, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(a.stdout, strings.TrimSpace(head))
		return nil
	default:
		return unknownSubcommand(args[0], "list")
	}
}

func runContactsList(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("contacts list", `
Usage: deskbridge contacts list --vendor ACCOUNT [--json] [--limit N]

Lists an account's contacts, oldest first as the vendor lists them,
streaming page by page. ACCOUNT is a vendor (`+vendorNames()+`), with its
credentials from the environment, or an account of the config file.

`+envHelp())
	a.configFlag(fs)
	name := fs.String("vendor", "", "the `account` to list: a vendor, or an account of the config file")
	js := fs.Bool("json", false, "print a JSON array of contacts")
	limit := fs.Int("limit", 100, "list at most `N` contacts; 0 lists them all")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	ac, err := a.openAccount(ctx, "vendor", *name)
	if err != nil {
		return err
	}
	p := ac.client
	out := newContactWriter(a.stdout, *js)
	n := 0
	for c, err := range support.AllContacts(ctx, p, support.ContactListOptions{}) {
		if err != nil {
			_ = out.close()
			return ac.refused(err)
		}
		if err := out.write(c); err != nil {
			return err
		}
		n++
		if *limit > 0 && n == *limit {
			break
		}
	}
	if err := out.close(); err != nil {
		return err
	}
	if !*js {
		more := ""
		if *limit > 0 && n == *limit {
			more = fmt.Sprintf(" (the first %d; --limit 0 lists all)", n)
		}
		fmt.Fprintf(a.stderr, "%d contact%s%s\n", n, plural(n), more)
	}
	return nil
}

// jsonContact is a contact as `contacts list --json` prints it.
type jsonContact struct {
	ID           string            `json:"id"`
	FirstName    string            `json:"first_name,omitempty"`
	LastName     string            `json:"last_name,omitempty"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Language     string            `json:"language,omitempty"`
	Country      string            `json:"country,omitempty"`
	City         string            `json:"city,omitempty"`
	EmailConsent support.Consent   `json:"email_consent,omitempty"`
	Lifecycle    string            `json:"lifecycle,omitempty"`
	AvatarURL    string            `json:"avatar_url,omitempty"`
	ExternalID   string            `json:"external_id,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
	CreatedAt    *time.Time        `json:"created_at,omitempty"`
}

// contactWriter prints contacts as they are listed, as a table or as one
// JSON array, so that memory stays flat however many there are.
type contactWriter struct {
	w     io.Writer
	json  bool
	tw    *tabwriter.Writer
	count int
	rows  int
}

func newContactWriter(w io.Writer, asJSON bool) *contactWriter {
	return &contactWriter{w: w, json: asJSON}
}

// flushEvery bounds how many table rows are held to align columns.
const flushEvery = 200

func (cw *contactWriter) write(c support.Contact) error {
	defer func() { cw.count++ }()
	if cw.json {
		jc := jsonContact{
			ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
			Language: c.Language, Country: c.Country, City: c.City, EmailConsent: c.EmailConsent,
			Lifecycle: c.Lifecycle, AvatarURL: c.AvatarURL, ExternalID: c.ExternalID, Tags: c.Tags, CustomFields: c.CustomFields,
		}
		if !c.CreatedAt.IsZero() {
			t := c.CreatedAt.UTC()
			jc.CreatedAt = &t
		}
		b, err := json.Marshal(jc)
		if err != nil {
			return err
		}
		sep := ",\n  "
		if cw.count == 0 {
			sep = "[\n  "
		}
		_, err = fmt.Fprintf(cw.w, "%s%s", sep, b)
		return err
	}
	if cw.tw == nil || cw.rows == flushEvery {
		if cw.tw != nil {
			if err := cw.tw.Flush(); err != nil {
				return err
			}
		}
		cw.tw = tabwriter.NewWriter(cw.w, 0, 0, 2, ' ', 0)
		cw.rows = 0
		if cw.count == 0 {
			fmt.Fprintln(cw.tw, "ID\tNAME\tEMAIL\tPHONE\tEXTERNAL ID")
		}
	}
	cw.rows++
	_, err := fmt.Fprintf(cw.tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, clip(c.Name(), 40), c.Email, c.Phone, c.ExternalID)
	return err
}

func (cw *contactWriter) close() error {
	if cw.json {
		end := "\n]\n"
		if cw.count == 0 {
			end = "[]\n"
		}
		_, err := io.WriteString(cw.w, end)
		return err
	}
	if cw.tw != nil {
		return cw.tw.Flush()
	}
	return nil
}
