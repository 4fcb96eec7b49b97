package respondio

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// msgUndefined is the warning on a custom field the workspace does not
// define.
const msgUndefined = "not a custom field defined in this respond.io workspace; not stored"

// fieldDefined returns why the custom field name cannot be sent by the
// workspace's names, or "" when it can.
func fieldDefined(names map[string]bool, name string, _ *string) string {
	if !names[name] {
		return msgUndefined
	}
	return ""
}

// readFields reads the workspace's custom field names (listFields).
func (d *Driver) readFields(ctx context.Context, op support.Operation) (map[string]bool, error) {
	defs, err := d.listFields(ctx, op)
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(defs))
	for _, f := range defs {
		names[f.Name] = true
	}
	return names, nil
}

// ListContactFields returns the workspace's custom field definitions (Name
// is what custom_fields take, Type the dataType). It does not change the
// definitions writes are checked against.
//
// It calls GET /space/custom_field?limit=&cursorId=, every page [S R-SDK
// space.ts].
func (d *Driver) ListContactFields(ctx context.Context) ([]support.FieldDefinition, error) {
	return d.listFields(ctx, support.OpListContactFields)
}

func (d *Driver) listFields(ctx context.Context, op support.Operation) ([]support.FieldDefinition, error) {
	return listAll(ctx, d, op, epListFields, rest.Segments("space", "custom_field"),
		func(w *wireFieldDef) (support.FieldDefinition, bool, error) {
			if w.Name == "" {
				return support.FieldDefinition{}, false, malformed(op, "a custom field without name")
			}
			return support.FieldDefinition{Name: w.Name, Label: w.Name, Type: w.DataType, Raw: w.raw}, true, nil
		})
}

// fieldRefused reports whether err is respond.io refusing a custom field: a
// 400 whose message speaks of a custom field. respond.io's wording is not
// documented (UNKNOWN); the simulator answers `custom_fields: "plan" is not
// a custom field of this workspace`.
func fieldRefused(err error) bool {
	var se *support.Error
	if !errors.As(err, &se) || se.OutcomeUnknown || !errors.Is(err, support.ErrInvalid) || se.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(se.Message)
	return strings.Contains(m, "custom field") || strings.Contains(m, "custom_field")
}
