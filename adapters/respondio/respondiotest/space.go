package respondiotest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// dataTypes are the custom field data types [S R-SDK types/space.ts].
var dataTypes = []string{"text", "list", "checkbox", "email", "number", "url", "date", "time"}

// Workspace wire shapes [S R-SDK types/space.ts, types/contact.ts].

type wireFieldDef struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	DataType      string   `json:"dataType"`
	AllowedValues []string `json:"allowedValues,omitempty"`
}

type wireClosingNote struct {
	Category    string `json:"category"`
	Description string `json:"description"`
}

type wireTag struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Emoji       string `json:"emoji,omitempty"`
	ColorCode   string `json:"colorCode,omitempty"`
}

type wireChannel struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Source    string `json:"source"`
	CreatedAt int64  `json:"created_at"`
}

// listed pages items (ascending by the IDs ids gives them) and answers the
// page, each item rendered by render; the caller holds s.mu.
func listed[T, W any](w http.ResponseWriter, r *http.Request, p paging, items []T, id func(int, T) int64, render func(T) W) {
	ids := make([]int64, len(items))
	byID := make(map[int64]T, len(items))
	for i, it := range items {
		ids[i] = id(i, it)
		byID[ids[i]] = it
	}
	page, pg := pageOf(r, ids, p, nil)
	out := wirePage[W]{Items: []W{}, Pagination: pg}
	for _, i := range page {
		out.Items = append(out.Items, render(byID[i]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /space/custom_field?limit=&cursorId= [S R-SDK space.ts].
func (s *Simulator) listFieldDefs(w http.ResponseWriter, r *http.Request) {
	p, ok := s.readPaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	listed(w, r, p, s.fieldDefs, func(_ int, f FieldDef) int64 { return f.ID }, func(f FieldDef) wireFieldDef {
		return wireFieldDef{ID: f.ID, Name: f.Name, Description: f.Description, DataType: f.DataType, AllowedValues: slices.Clone(f.AllowedValues)}
	})
}

// GET /space/closing_notes?limit=&cursorId= [S R-SDK space.ts]. Closing
// notes carry no ID: the cursor is the position of the page's last note.
func (s *Simulator) listClosingNotes(w http.ResponseWriter, r *http.Request) {
	p, ok := s.readPaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	listed(w, r, p, s.closingNotes, func(i int, _ ClosingNote) int64 { return int64(i + 1) }, func(n ClosingNote) wireClosingNote {
		return wireClosingNote(n)
	})
}

// GET /contact/{identifier}/channels?limit=&cursorId= [S R-SDK contact.ts]:
// the channels the contact is reachable on.
func (s *Simulator) listContactChannels(w http.ResponseWriter, r *http.Request) {
	p, ok := s.readPaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	var chs []Channel
	for _, id := range c.Channels {
		if ch, ok := s.channelLocked(id); ok {
			chs = append(chs, ch)
		}
	}
	slices.SortFunc(chs, func(a, b Channel) int { return cmpInt(a.ID, b.ID) })
	listed(w, r, p, chs, func(_ int, ch Channel) int64 { return ch.ID }, func(ch Channel) wireChannel {
		return wireChannel{ID: ch.ID, Name: ch.Name, Source: ch.Source, CreatedAt: c.CreatedAt.Unix()}
	})
}

// POST /contact/{identifier}/lifecycle/update {name: string | null}:
// sets or (null) clears the contact's lifecycle stage; answers {code: 200,
// message} [S R-SDK contact.ts and its tests]. Any stage name is taken:
// respond.io's lifecycle stages cannot be listed through the API.
func (s *Simulator) updateLifecycle(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name optString `json:"name"`
	}
	if !readBody(w, r, &in) {
		return
	}
	if !in.Name.set {
		writeError(w, http.StatusBadRequest, "name is required: a lifecycle stage, or null to clear it")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	c = c.clone()
	c.Lifecycle = strings.TrimSpace(in.Name.v)
	s.putLocked(c)
	sim.WriteJSON(w, http.StatusOK, apiError{Code: http.StatusOK, Message: "Success"})
}

// POST /space/tag {name, description?, colorCode?, emoji?}: makes a
// workspace tag and answers it; a name taken is a 409 [S R-SDK space.ts].
// DELETE /space/tag {name}: answers {code: 200, message}; an unknown name
// is a 404. Contacts' tags are their own: they need no workspace tag.
func (s *Simulator) spaceTag(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		ColorCode   string `json:"colorCode"`
		Emoji       string `json:"emoji"`
	}
	if !readBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Name) == "" || utf8.RuneCountInString(in.Name) > MaxTagLength {
		writeError(w, http.StatusBadRequest, "name must be 1 to 255 characters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.spaceTags, func(t Tag) bool { return t.Name == in.Name })
	switch {
	case r.Method == http.MethodDelete && i < 0:
		writeError(w, http.StatusNotFound, "Tag not found")
	case r.Method == http.MethodDelete:
		s.spaceTags = slices.Delete(s.spaceTags, i, i+1)
		sim.WriteJSON(w, http.StatusOK, apiError{Code: http.StatusOK, Message: "Tag deleted successfully"})
	case i >= 0:
		writeError(w, http.StatusConflict, "A tag with this name already exists")
	default:
		s.lastTag++
		t := Tag{ID: s.lastTag, Name: in.Name, Description: in.Description, ColorCode: in.ColorCode, Emoji: in.Emoji}
		s.spaceTags = append(s.spaceTags, t)
		sim.WriteJSON(w, http.StatusOK, wireTag{ID: t.ID, Name: t.Name, Description: t.Description, Emoji: t.Emoji, ColorCode: t.ColorCode})
	}
}

// definedLocked reports whether the workspace defines the custom field
// name; the caller holds s.mu.
func (s *Simulator) definedLocked(name string) bool {
	return slices.ContainsFunc(s.fieldDefs, func(f FieldDef) bool { return f.Name == name })
}

// channelLocked returns the workspace channel id; the caller holds s.mu.
func (s *Simulator) channelLocked(id int64) (Channel, bool) {
	i := slices.IndexFunc(s.channels, func(c Channel) bool { return c.ID == id })
	if i < 0 {
		return Channel{}, false
	}
	return s.channels[i], true
}

// DefineField adds a custom field definition, as respond.io's
// POST /space/custom_field does, and returns it: a zero ID gets the next
// one, an empty DataType is "text". It fails for a name that is empty,
// longer than 50 characters or defined already, or an unknown data type.
func (s *Simulator) DefineField(f FieldDef) (FieldDef, error) {
	if f.DataType == "" {
		f.DataType = "text"
	}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0 || n > maxFieldNameLength:
		return FieldDef{}, fmt.Errorf("respondiotest: DefineField: the name %q must be 1 to 50 characters", f.Name)
	case !slices.Contains(dataTypes, f.DataType):
		return FieldDef{}, fmt.Errorf("respondiotest: DefineField: unknown data type %q", f.DataType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.definedLocked(f.Name) {
		return FieldDef{}, fmt.Errorf("respondiotest: DefineField: %q is defined already", f.Name)
	}
	if f.ID == 0 {
		f.ID = s.lastFieldDef + 1
	}
	s.lastFieldDef = max(s.lastFieldDef, f.ID)
	f.AllowedValues = slices.Clone(f.AllowedValues)
	i, _ := slices.BinarySearchFunc(s.fieldDefs, f.ID, func(o FieldDef, id int64) int { return cmpInt(o.ID, id) })
	s.fieldDefs = slices.Insert(s.fieldDefs, i, f)
	return f, nil
}

// UndefineField removes the custom field definition name (contacts keep
// their values), as a workspace admin may at any time.
func (s *Simulator) UndefineField(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fieldDefs = slices.DeleteFunc(s.fieldDefs, func(f FieldDef) bool { return f.Name == name })
}

// SeedClosingNote adds a closing-note category. It fails for an empty
// category or one the workspace has.
func (s *Simulator) SeedClosingNote(n ClosingNote) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.TrimSpace(n.Category) == "" || slices.ContainsFunc(s.closingNotes, func(o ClosingNote) bool { return o.Category == n.Category }) {
		return errors.New("respondiotest: SeedClosingNote: the category is empty or taken: " + strconv.Quote(n.Category))
	}
	s.closingNotes = append(s.closingNotes, n)
	return nil
}

// SeedChannel adds a workspace channel and returns it; a zero ID gets the
// next one. Contacts are put on it with Contact.Channels.
func (s *Simulator) SeedChannel(c Channel) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == 0 {
		c.ID = 1
		if n := len(s.channels); n > 0 {
			c.ID = s.channels[n-1].ID + 1
		}
	}
	s.channels = slices.DeleteFunc(s.channels, func(o Channel) bool { return o.ID == c.ID })
	i, _ := slices.BinarySearchFunc(s.channels, c.ID, func(o Channel, id int64) int { return cmpInt(o.ID, id) })
	s.channels = slices.Insert(s.channels, i, c)
	return c
}

// FieldDefs returns the custom field definitions, in ID order.
func (s *Simulator) FieldDefs() []FieldDef {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.fieldDefs)
}

// Tags returns the workspace tags (POST /space/tag), oldest first.
func (s *Simulator) Tags() []Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.spaceTags)
}
