package tidiotest

import (
	"net/http"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// listOperators serves GET /operators?cursor= [S MCP-T path, AE fields].
func (v *vendor) listOperators(w http.ResponseWriter, r *http.Request) {
	after, ok := decodeCursor(w, r.URL.Query().Get("cursor"))
	if !ok {
		return
	}
	page, err := v.operators.Page(after, v.pageSize, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_cursor", "Invalid cursor")
		return
	}
	out := struct {
		Operators []operatorJSON `json:"operators"`
		Meta      metaJSON       `json:"meta"`
	}{Operators: make([]operatorJSON, 0, len(page.Items)), Meta: v.meta(page.Next)}
	for _, e := range page.Items {
		out.Operators = append(out.Operators, operatorOut(e.Value))
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

// listDepartments serves GET /departments, not paged, the default
// "General" department included [S MCP-T, AE].
func (v *vendor) listDepartments(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Departments []departmentJSON `json:"departments"`
	}{Departments: []departmentJSON{}}
	for _, d := range v.departments.Values() {
		out.Departments = append(out.Departments, departmentJSON(d))
	}
	_ = sim.WriteJSON(w, http.StatusOK, out)
}

// getProject serves GET /project {id, name} [AE].
func (v *vendor) getProject(w http.ResponseWriter, r *http.Request) {
	_ = sim.WriteJSON(w, http.StatusOK, map[string]string{"id": "tidiotest", "name": "Tidio simulator"})
}
