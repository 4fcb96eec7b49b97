package migrate

import (
	"maps"
	"slices"
)

// overall counts the entries of the State's ID map by outcome
// (Report.Overall). In a dry run, the entries the plan made replace the
// State's.
func (r *runner) overall() (*Counts, error) {
	var plan map[string]Entry
	if ov, ok := r.st.(*overlay); ok {
		ov.mem.mu.Lock()
		plan = maps.Clone(ov.mem.entries)
		ov.mem.mu.Unlock()
	}
	var c Counts
	err := allEntries(r.o.State, func(e Entry) error {
		if p, ok := plan[e.SourceID]; ok {
			e = p
			delete(plan, e.SourceID)
		}
		c.add(e.Outcome)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range slices.Sorted(maps.Keys(plan)) {
		c.add(plan[id].Outcome)
	}
	return &c, nil
}

// add counts one entry of outcome o, as Report.Overall does.
func (c *Counts) add(o Outcome) {
	switch o {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	case Unchanged:
		c.Unchanged++
	case Matched:
		c.Matched++
	case Upserted:
		c.Upserted++
	case Conflict:
		c.Conflicts++
	case Failed, Unresolved, Pending:
		c.Failed++
	}
}
