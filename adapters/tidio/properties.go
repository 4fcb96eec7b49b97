package tidio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

// readProperties reads the definitions (listProperties). A page without
// its list is an error, not a project without properties: every custom
// field would otherwise be dropped.
func (d *Driver) readProperties(ctx context.Context, op support.Operation) (*propertyDefs, error) {
	list, err := d.listProperties(ctx, op)
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
