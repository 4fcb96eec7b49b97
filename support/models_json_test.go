package support

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every field of every struct in models.go has a snake_case json key
// (issue 13, item 4): the CLI's --json output and migrate's reports and
// state file print them. Read from the source, so a field added without a
// tag fails here.
func TestModelsHaveSnakeCaseJSONKeys(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "models.go", nil, 0)
	require.NoError(t, err)
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	structs := 0
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok || !ts.Name.IsExported() {
			return false
		}
		structs++
		for _, fld := range st.Fields.List {
			for _, name := range fld.Names {
				where := ts.Name.Name + "." + name.Name
				if !assert.NotNil(t, fld.Tag, where) {
					continue
				}
				tag, err := strconv.Unquote(fld.Tag.Value)
				require.NoError(t, err, where)
				key, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				assert.Regexp(t, snake, key, where)
			}
		}
		return false
	})
	assert.GreaterOrEqual(t, structs, 15)
}

// A contact and an input round-trip through JSON with the neutral field
// names as keys, empty fields left out.
func TestContactJSON(t *testing.T) {
	c := Contact{ID: "c1", FirstName: "Ada", ExternalID: "crm-1", EmailConsent: ConsentSubscribed,
		CustomFields: map[string]string{"plan": "gold"}, CreatedAt: time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"c1","first_name":"Ada","external_id":"crm-1","email_consent":"subscribed",
		"custom_fields":{"plan":"gold"},"created_at":"2025-05-01T09:00:00Z"}`, string(b))
	var back Contact
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)

	in := c.Input()
	b, err = json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"first_name":"Ada","external_id":"crm-1","email_consent":"subscribed","custom_fields":{"plan":"gold"}}`, string(b))

	u := ContactUpdate{LastName: Ptr(""), CustomFields: map[string]*string{"plan": nil}}
	b, err = json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"last_name":"","custom_fields":{"plan":null}}`, string(b), "a cleared field is kept")
}
