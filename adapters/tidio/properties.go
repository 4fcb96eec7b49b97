package tidio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// propertiesPath is GET /contact-properties, the definitions of a
// project's contact properties, cursor-paged [S MCP-T, AE].
var propertiesPath = rest.Segments("contact-properties")

// Messages of the warnings on custom fields that are not sent.
const (
	msgUndefined = "not a property defined in this Tidio project; not stored"
	msgWrongType = "not a valid %s, which Tidio's property of type %s requires; not stored"
)

// propertyDefs are a project's contact property definitions: name → type
// (text, email, number, phone, url). A nil types map means Tidio does not
// serve them (404, 403 or 405: not on the plan), and custom fields are
// sent as given, for Tidio to judge.
type propertyDefs struct {
	types map[string]string
}

// known reports whether d can tell defined properties from others.
func (d *propertyDefs) known() bool { return d != nil && d.types != nil }

// check returns why the custom field name (set to value; nil clears it)
// cannot be sent, or "" when it can. Values are judged only where no
// validator could accept them, so that nothing Tidio would store is
// dropped; other doubtful values are left to Tidio's 422.
func (d *propertyDefs) check(name string, value *string) string {
	if !d.known() {
		return ""
	}
	typ, ok := d.types[name]
	if !ok {
		return msgUndefined
	}
	if value == nil {
		return ""
	}
	v := *value
	var valid bool
	switch typ {
	case "number":
		_, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		valid = !errors.Is(err, strconv.ErrSyntax) // out of range is still a number
	case "email":
		at := strings.LastIndexByte(v, '@')
		valid = at > 0 && at < len(v)-1 && !strings.ContainsFunc(v, unicode.IsSpace)
	case "url":
		valid = v != "" && !strings.ContainsFunc(v, unicode.IsSpace)
	default: // text, phone (free text, as the contact's phone [D T-wh-ev]) and types unknown here
		return ""
	}
	if valid {
		return ""
	}
	what := map[string]string{"number": "number", "email": "email address", "url": "URL"}[typ]
	return fmt.Sprintf(msgWrongType, what, typ)
}

// propertyCache holds a Driver's property definitions: read once, when a
// custom field is first written, and read again at most once, when Tidio
// refuses a property the definitions allowed (they changed meanwhile).
type propertyCache struct {
	mu      sync.Mutex
	defs    *propertyDefs // nil until read
	loading chan struct{} // closed when the read in flight ends
	reread  bool          // the one re-read is spent
}

// propertyDefinitions returns the project's property definitions, reading
// them (GET /contact-properties, every page) unless they are cached and
// not stale. Concurrent callers share one read. A failed read is not
// cached; 404, 403 and 405 are, as definitions that cannot be known.
func (d *Driver) propertyDefinitions(ctx context.Context, op support.Operation, stale *propertyDefs) (*propertyDefs, error) {
	pc := &d.props
	for {
		pc.mu.Lock()
		if defs := pc.defs; defs != nil && defs != stale {
			pc.mu.Unlock()
			return defs, nil
		}
		if wait := pc.loading; wait != nil {
			pc.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, &support.Error{Vendor: Vendor, Err: ctx.Err()}
			}
		}
		done := make(chan struct{})
		pc.loading = done
		pc.mu.Unlock()

		defs, err := d.readProperties(ctx, op)
		pc.mu.Lock()
		if err == nil {
			pc.defs = defs
		}
		pc.loading = nil
		close(done)
		pc.mu.Unlock()
		return defs, err
	}
}

// rereadProperties returns definitions fresher than used, after Tidio
// refused a property that used allowed: those another call read already,
// or else a new read, once per Driver. It returns nil when there are none
// to be had: Tidio does not serve them, the one re-read is spent, or it
// failed.
func (d *Driver) rereadProperties(ctx context.Context, op support.Operation, used *propertyDefs) *propertyDefs {
	pc := &d.props
	pc.mu.Lock()
	if cur := pc.defs; cur != nil && cur != used {
		pc.mu.Unlock()
		return cur
	}
	if !used.known() || pc.reread {
		pc.mu.Unlock()
		return nil
	}
	pc.reread = true
	pc.mu.Unlock()
	fresh, err := d.propertyDefinitions(ctx, op, used)
	if err != nil {
		return nil
	}
	return fresh
}

// readProperties reads the definitions (listProperties). A page without
// its list is an error, not a project without properties: every custom
// field would otherwise be dropped.
func (d *Driver) readProperties(ctx context.Context, op support.Operation) (*propertyDefs, error) {
	list, err := d.listProperties(ctx, op)
	switch statusOf(err) {
	case http.StatusNotFound, http.StatusForbidden, http.StatusMethodNotAllowed:
		if d.cfg.Logger != nil {
			d.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "tidio: contact property definitions not available; custom fields are sent unchecked",
				slog.String("op", string(op)), slog.Int("status", statusOf(err)))
		}
		return &propertyDefs{}, nil
	}
	if err != nil {
		return nil, err
	}
	all := &propertyDefs{types: make(map[string]string, len(list))}
	for _, p := range list {
		all.types[p.Name] = p.Type
	}
	return all, nil
}

// listProperties reads every page of GET /contact-properties [S MCP-T, AE],
// leaving out definitions without a name.
func (d *Driver) listProperties(ctx context.Context, op support.Operation) ([]support.FieldDefinition, error) {
	out := []support.FieldDefinition{}
	for page, err := range support.Pages(ctx, "", func(ctx context.Context, cursor string) (support.Page[support.FieldDefinition], error) {
		return listPage(ctx, d, op, propertiesPath, nil, cursor, "properties", decodePropertyDef)
	}) {
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if p.Name != "" {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// ListContactFields returns the project's contact property definitions,
// the names CustomFields may use: GET /contact-properties, every page. It
// does not change the definitions writes are checked against.
func (d *Driver) ListContactFields(ctx context.Context) ([]support.FieldDefinition, error) {
	return d.listProperties(ctx, support.OpListContactFields)
}

// writeProperties sends a write (send) of records whose custom fields are
// fields, each filtered by the definitions (read first when no record was
// prepared with them, as for PatchContact), and returns the warnings on the
// fields each record leaves out. When Tidio refuses a property all the same
// (propertyRefused: the write did not take effect), the definitions are
// read again (rereadProperties) and the write is sent once more if they
// leave out more fields.
func writeProperties[V any](ctx context.Context, d *Driver, op support.Operation, fields []map[string]V, value func(V) *string,
	send func(keep []map[string]V) error) ([][]support.Warning, error) {
	var defs *propertyDefs
	if slices.ContainsFunc(fields, func(f map[string]V) bool { return len(f) > 0 }) {
		var err error
		if defs, err = d.propertyDefinitions(ctx, op, nil); err != nil {
			return nil, err
		}
	}
	keep := make([]map[string]V, len(fields))
	ws := make([][]support.Warning, len(fields))
	for again := false; ; again = true {
		sentAny := false
		for i, f := range fields {
			keep[i], ws[i] = splitFields(defs, f, value)
			sentAny = sentAny || len(keep[i]) > 0
		}
		err := send(keep)
		if err == nil || again || !sentAny || !propertyRefused(err) {
			return ws, err
		}
		fresh := d.rereadProperties(ctx, op, defs)
		if fresh == nil || !slices.ContainsFunc(fields, func(f map[string]V) bool {
			k, _ := splitFields(fresh, f, value)
			k0, _ := splitFields(defs, f, value)
			return len(k) != len(k0)
		}) {
			return ws, err
		}
		defs = fresh
	}
}

// propertyRefused reports whether err is Tidio refusing a property: a 400 or 422 whose message speaks of a property (the
// simulator's "properties.0.name: Property "x" does not exist."; Tidio's
// own wording is not documented, only that an undefined or mistyped
// property is a validation error [D T-patch]).
func propertyRefused(err error) bool {
	var se *support.Error
	if !errors.As(err, &se) || se.OutcomeUnknown || !errors.Is(err, support.ErrInvalid) ||
		(se.Status != http.StatusBadRequest && se.Status != http.StatusUnprocessableEntity) {
		return false
	}
	return strings.Contains(strings.ToLower(se.Message), "propert")
}

// splitFields divides custom fields into those to send and warnings on the
// others, by defs (all are sent when defs cannot tell).
func splitFields[V any](defs *propertyDefs, fields map[string]V, value func(V) *string) (map[string]V, []support.Warning) {
	if len(fields) == 0 {
		return fields, nil
	}
	keep := make(map[string]V, len(fields))
	var ws []support.Warning
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		v := fields[name]
		if msg := defs.check(name, value(v)); msg != "" {
			ws = append(ws, support.Warning{Field: "custom_fields." + name, Message: msg})
			continue
		}
		keep[name] = v
	}
	return keep, ws
}
