package respondiotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// statusBody is the body of POST /contact/{identifier}/conversation/status
// [S R-SDK types/conversation.ts].
type statusBody struct {
	Status   string `json:"status"`
	Category string `json:"category"`
	Summary  string `json:"summary"`
}

// POST /contact/{identifier}/conversation/status: open or close the
// contact's conversation; answers {contactId}.
func (s *Simulator) setStatus(w http.ResponseWriter, r *http.Request) {
	var in statusBody
	if !readBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	switch in.Status {
	case "open":
	case "close":
		if s.opts.RequireClosingNote && (strings.TrimSpace(in.Category) == "" || strings.TrimSpace(in.Summary) == "") {
			writeError(w, http.StatusBadRequest, "category and summary are required to close a conversation")
			return
		}
		if in.Category != "" && !slices.ContainsFunc(s.closingNotes, func(n ClosingNote) bool { return n.Category == in.Category }) {
			writeError(w, http.StatusBadRequest, "category "+strconv.Quote(in.Category)+" is not a closing-note category of this workspace (GET /space/closing_notes)")
			return
		}
		c.ClosingCategory, c.ClosingSummary = in.Category, in.Summary
	default:
		writeError(w, http.StatusBadRequest, `status must be "open" or "close"`)
		return
	}
	c.Status = in.Status
	s.putLocked(c)
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
}

// POST /contact/{identifier}/conversation/assignee: {assignee: user ID,
// user email, or null to unassign}; answers {contactId}.
func (s *Simulator) setAssignee(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Assignee json.RawMessage `json:"assignee"`
	}
	if !readBody(w, r, &in) {
		return
	}
	if len(in.Assignee) == 0 {
		writeError(w, http.StatusBadRequest, "assignee is required: a user ID, a user email, or null")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	var assignee int64
	if !bytes.Equal(in.Assignee, []byte("null")) {
		var u User
		var found bool
		var n json.Number
		var email string
		switch {
		case json.Unmarshal(in.Assignee, &n) == nil && in.Assignee[0] != '"':
			if id, err := n.Int64(); err == nil {
				u, found = s.userLocked(id)
			}
		case json.Unmarshal(in.Assignee, &email) == nil:
			u, found = s.userByEmailLocked(email)
		default:
			writeError(w, http.StatusBadRequest, "assignee must be a user ID, a user email, or null")
			return
		}
		if !found {
			writeError(w, http.StatusBadRequest, "assignee is not a user of this workspace")
			return
		}
		assignee = u.ID
	}
	c.AssigneeID = assignee
	s.putLocked(c)
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"contactId": c.ID})
}
