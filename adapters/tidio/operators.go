package tidio

import (
	"context"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

var operatorsPath = rest.Segments("operators")

// Agent cursors: the operators' pages carry Tidio's cursor after
// operatorsCursor; the departments come last, as one page.
const (
	operatorsCursor   = "operators:"
	departmentsCursor = "departments"
)

// ListAgents lists the operators as agents (GET /operators, paged by Tidio's
// cursor) and then the departments as teams (GET /departments, one page)
// [S MCP-T, AE]. The default department is left out: it is where new and
// unassigned tickets sit, so a ticket in it reads as unassigned.
// opts.Limit is ignored.
func (d *Driver) ListAgents(ctx context.Context, opts support.ListOptions) (support.Page[support.Agent], error) {
	const op = support.OpListAgents
	switch kind, cursor, ok := parseAgentCursor(opts.Cursor); {
	case !ok:
		return support.Page[support.Agent]{}, fail(support.ErrInvalid, "cursor %q is not a cursor of ListAgents", clipText(opts.Cursor, 40))
	case kind == departmentsCursor:
		return d.departmentsPage(ctx, op)
	default:
		return d.operatorsPage(ctx, op, cursor)
	}
}

// parseAgentCursor splits a ListAgents cursor: "" or operatorsCursor with
// Tidio's cursor (the operators), or departmentsCursor.
func parseAgentCursor(cur string) (kind, cursor string, ok bool) {
	switch {
	case cur == "":
		return operatorsCursor, "", true
	case strings.HasPrefix(cur, operatorsCursor) && len(cur) > len(operatorsCursor):
		return operatorsCursor, strings.TrimPrefix(cur, operatorsCursor), true
	case cur == departmentsCursor:
		return departmentsCursor, "", true
	}
	return "", "", false
}

// operatorsPage is one page of operators; after the last comes the
// departments page.
func (d *Driver) operatorsPage(ctx context.Context, op support.Operation, cursor string) (support.Page[support.Agent], error) {
	page, err := d.operators(ctx, op, cursor)
	if err != nil {
		return page, err
	}
	if page.Next == "" {
		page.Next = departmentsCursor
	} else {
		page.Next = operatorsCursor + page.Next
	}
	return page, nil
}

// operators reads one page of GET /operators, with Tidio's own cursor.
func (d *Driver) operators(ctx context.Context, op support.Operation, cursor string) (support.Page[support.Agent], error) {
	return listPage(ctx, d, op, operatorsPath, nil, cursor, "operators", decodeOperator)
}

// departmentsPage is the departments as teams, but the default one.
func (d *Driver) departmentsPage(ctx context.Context, op support.Operation) (support.Page[support.Agent], error) {
	teams, def, err := d.departments(ctx, op)
	if err != nil {
		return support.Page[support.Agent]{}, err
	}
	page := support.Page[support.Agent]{Items: make([]support.Agent, 0, len(teams))}
	for _, t := range teams {
		if t.ID != def {
			page.Items = append(page.Items, t)
		}
	}
	return page, nil
}
