package respondio

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// msgUndefined is the warning on a custom field the workspace does not
// define.
const msgUndefined = "not a custom field defined in this respond.io workspace; not stored"

// fieldSet is the names of a workspace's custom fields. A nil names map
// means respond.io did not serve them (404, 403 or 405), and custom fields
// are sent as given, for respond.io to judge.
type fieldSet struct {
	names map[string]bool
}

// fieldCache holds a Driver's custom field definitions: read when a custom
// field is first written, and read again at most once, when respond.io
// refuses a custom field they allowed (they changed meanwhile). sem, of
// capacity 1, is held while the cache is read or changed, so that
// concurrent callers share one read and wait for it with their context.
type fieldCache struct {
	sem    chan struct{}
	set    *fieldSet // nil until read
	reread bool      // the one re-read is spent
}

// fieldSet returns the workspace's custom field names, read unless cached.
// With stale (definitions respond.io contradicted), it returns fresher ones:
// those another call read since, or a new read, once per Driver; nil when
// there are none to be had (they cannot be known, the re-read is spent, or
// it failed). A failed read is not cached; 404, 403 and 405 are, as
// definitions that cannot be known.
func (d *Driver) fieldSet(ctx context.Context, op support.Operation, stale *fieldSet) (*fieldSet, error) {
	select {
	case d.fields.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &support.Error{Vendor: Vendor, Op: op, Err: ctx.Err()}
	}
	defer func() { <-d.fields.sem }()
	c := &d.fields
	if c.set != nil && c.set != stale {
		return c.set, nil
	}
	if stale != nil {
		if c.reread || stale.names == nil {
			return nil, nil
		}
		c.reread = true
	}
	defs, err := d.listFields(ctx, op)
	var se *support.Error
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusForbidden || se.Status == http.StatusMethodNotAllowed) {
		d.log.LogAttrs(ctx, slog.LevelDebug, "respondio: custom field definitions not available; custom fields are sent unchecked",
			slog.String("op", string(op)), slog.Int("status", se.Status))
		c.set = &fieldSet{}
		return c.set, nil
	}
	if err != nil {
		if stale != nil {
			return nil, nil
		}
		return nil, err
	}
	c.set = &fieldSet{names: make(map[string]bool, len(defs))}
	for _, f := range defs {
		c.set.names[f.Name] = true
	}
	return c.set, nil
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

// splitFields divides custom fields into those set defines and warnings on
// the others (all are kept when set cannot tell).
func splitFields[V any](set *fieldSet, fields map[string]V) (map[string]V, []support.Warning) {
	if set.names == nil || len(fields) == 0 {
		return fields, nil
	}
	keep := make(map[string]V, len(fields))
	var ws []support.Warning
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !set.names[name] {
			ws = append(ws, support.Warning{Field: "custom_fields." + name, Message: msgUndefined})
			continue
		}
		keep[name] = fields[name]
	}
	return keep, ws
}

// writeFields sends a write (send) of custom fields (a nil value clears
// one), leaving out those the workspace does not define, and returns the
// warnings on them. When respond.io refuses a custom field all the same
// (fieldRefused: the write did not take effect), the definitions are read
// again (see fieldSet) and the write is sent once more if they leave out a
// field that was sent.
func writeFields[V any](ctx context.Context, d *Driver, op support.Operation, fields map[string]V, send func(keep map[string]V) error) ([]support.Warning, error) {
	if len(fields) == 0 {
		return nil, send(fields)
	}
	set, err := d.fieldSet(ctx, op, nil)
	if err != nil {
		return nil, err
	}
	for again := false; ; again = true {
		keep, ws := splitFields(set, fields)
		err := send(keep)
		if err == nil || again || len(keep) == 0 || !fieldRefused(err) {
			return ws, err
		}
		fresh, _ := d.fieldSet(ctx, op, set)
		if fresh == nil {
			return ws, err
		}
		k, _ := splitFields(fresh, fields)
		if !slices.ContainsFunc(slices.Collect(maps.Keys(keep)), func(name string) bool { _, ok := k[name]; return !ok }) {
			return ws, err // the fresh definitions allow what was refused
		}
		set = fresh
	}
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
