package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge/support"
)

func runCapabilities(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("capabilities", `
Usage: deskbridge capabilities [--markdown | --json]

Prints what each vendor adapter can do: the operations it supports (the
others fail with support.ErrUnsupported), what a plain create does with a
duplicate, the largest batch of creates and of updates, the contact fields
it writes, the conversation statuses and priorities, and what a
conversation or a message can choose. It needs no credentials and sends no
request.`)
	md := fs.Bool("markdown", false, "print a markdown table (as in the README)")
	js := fs.Bool("json", false, "print the capabilities as JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *md && *js {
		return usagef("--markdown and --json exclude each other")
	}
	caps, err := vendorCapabilities(ctx, a.open)
	if err != nil {
		return err
	}
	switch {
	case *js:
		out := make([]capabilitiesJSON, len(caps))
		for i, c := range caps {
			out[i] = capabilitiesJSON(c)
		}
		return writeJSON(a.stdout, out)
	case *md:
		_, err := io.WriteString(a.stdout, capabilityMatrix(caps))
		return err
	default:
		return writeMatrixText(a.stdout, caps)
	}
}

// capabilitiesJSON is support.Capabilities as `capabilities --json` prints
// it, with snake_case names as the CLI's other JSON. It converts from
// support.Capabilities, so a field added there fails the build until it
// is named here.
type capabilitiesJSON struct {
	Vendor              string                       `json:"vendor"`
	Operations          []support.Operation          `json:"operations"`
	CreateDedup         support.Dedup                `json:"create_dedup"`
	MaxBatch            int                          `json:"max_batch"`
	MaxBatchUpdate      int                          `json:"max_batch_update"`
	ContactFields       []string                     `json:"contact_fields"` // null: every field
	Priorities          []support.Priority           `json:"priorities"`
	Departments         bool                         `json:"departments"`
	ChoosesChannel      bool                         `json:"chooses_channel"`
	MessageSubjects     bool                         `json:"message_subjects"`
	Statuses            []support.ConversationStatus `json:"statuses"`
	AssignTeams         bool                         `json:"assign_teams"`
	LooksUpExternalID   bool                         `json:"looks_up_external_id"`
	SplitsAttachments   bool                         `json:"splits_attachments"`
	NotesOutsideHistory bool                         `json:"notes_outside_history"`
	AnonymousContacts   bool                         `json:"anonymous_contacts"`
	ListOmits           []string                     `json:"list_omits"`
}

// vendorCapabilities returns the Capabilities of every vendor the CLI
// knows, in display order. Capabilities are static, so each adapter is
// built with placeholder credentials and an address nothing listens on: no
// credential of the user's is needed and no request is sent.
func vendorCapabilities(ctx context.Context, open func(context.Context, string, map[string]any) (*support.Client, error)) ([]support.Capabilities, error) {
	var caps []support.Capabilities
	for _, v := range vendors {
		p, err := open(ctx, v.name, v.placeholder)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.title, err)
		}
		c := p.Capabilities()
		if c.Vendor == "" {
			c.Vendor = v.name
		}
		caps = append(caps, c)
	}
	return caps, nil
}

// currentCapabilityMatrix renders the capability matrix of the adapters as
// they are built now, as a markdown table: what the README's capability
// section shows, so that a test can keep the README current.
func currentCapabilityMatrix(ctx context.Context) (string, error) {
	caps, err := vendorCapabilities(ctx, support.Open)
	if err != nil {
		return "", err
	}
	return capabilityMatrix(caps), nil
}

// matrixRows returns the capability matrix as rows of cells: a header row,
// one row per operation, then the rows of the other capabilities.
func matrixRows(caps []support.Capabilities) [][]string {
	head := []string{"operation"}
	for _, c := range caps {
		head = append(head, c.Vendor)
	}
	rows := [][]string{head}
	for _, op := range support.Operations() {
		row := []string{string(op)}
		for _, c := range caps {
			mark := "–"
			if c.Supports(op) {
				mark = "✓"
			}
			row = append(row, mark)
		}
		rows = append(rows, row)
	}
	extra := []struct {
		name string
		cell func(support.Capabilities) string
	}{
		{"create with a duplicate", func(c support.Capabilities) string { return dedupText(c.CreateDedup) }},
		{"largest batch", func(c support.Capabilities) string { return strconv.Itoa(c.MaxBatch) }},
		{"largest batch update", func(c support.Capabilities) string {
			if !c.Supports(support.OpUpdateContacts) {
				return "–"
			}
			return strconv.Itoa(max(1, c.MaxBatchUpdate))
		}},
		{"contact fields written", func(c support.Capabilities) string {
			if c.ContactFields == nil {
				return "all"
			}
			return strings.Join(c.ContactFields, ", ")
		}},
		{"find by external ID", func(c support.Capabilities) string { return yesNo(c.LooksUpExternalID) }},
		{"conversation statuses", func(c support.Capabilities) string { return joined(c.Statuses) }},
		{"conversation priorities", func(c support.Capabilities) string { return cmp.Or(joined(c.Priorities), "none") }},
		{"start in a department", func(c support.Capabilities) string { return yesNo(c.Departments) }},
		{"assign to teams", func(c support.Capabilities) string { return yesNo(c.AssignTeams) }},
		{"choose a message's channel", func(c support.Capabilities) string { return yesNo(c.ChoosesChannel) }},
		{"message subjects", func(c support.Capabilities) string { return yesNo(c.MessageSubjects) }},
		{"notes listed with messages", func(c support.Capabilities) string {
			if !c.Supports(support.OpSendNote) {
				return "–"
			}
			return yesNo(c.ListsNotes())
		}},
	}
	for _, e := range extra {
		row := []string{e.name}
		for _, c := range caps {
			row = append(row, e.cell(c))
		}
		rows = append(rows, row)
	}
	return rows
}

// joined lists values, comma-separated.
func joined[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// dedupText says in a few words what a plain create does with a duplicate.
func dedupText(d support.Dedup) string {
	switch d {
	case support.DedupNone:
		return "always new"
	case support.DedupEmail:
		return "returns the existing (email)"
	case support.DedupIdentifier:
		return "refused (email or phone)"
	default:
		return string(d)
	}
}

// capabilityMatrix renders the capability matrix of caps as a markdown
// table, one column per vendor, as the README shows it. A test can compare
// it with the README to keep the README current.
func capabilityMatrix(caps []support.Capabilities) string {
	return markdownTable(matrixRows(caps))
}

// markdownTable renders rows as a markdown table whose first row is the
// header.
func markdownTable(rows [][]string) string {
	var b strings.Builder
	for i, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|" + strings.Repeat("---|", len(row)))
			b.WriteString("\n")
		}
	}
	return b.String()
}

// writeMatrixText prints the matrix as aligned columns, for a terminal.
func writeMatrixText(w io.Writer, caps []support.Capabilities) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range matrixRows(caps) {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
