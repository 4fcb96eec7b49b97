package tidysupporttest

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/sim"
)

type (
	txContacts = sim.Tx[Contact]
	txConvs    = sim.Tx[Conversation]
)

func (s *Simulator) routes() {
	s.mux.HandleFunc(RouteInboxCustomers, s.inbox(s.listInboxCustomers))
	s.mux.HandleFunc(RouteGetContact, s.inbox(s.getContact))
	s.mux.HandleFunc(RouteCreateContact, s.inbox(s.createContact))
	s.mux.HandleFunc(RouteSearch, s.inbox(s.search))
	s.mux.HandleFunc(RouteListConversations, s.inbox(s.listConversations))
	s.mux.HandleFunc(RouteCreateConversation, s.inbox(s.createConversation))
	s.mux.HandleFunc(RouteListMessages, s.inbox(s.listMessages))
	s.mux.HandleFunc(RouteListCustomers, s.listCustomers)
	s.mux.HandleFunc(RouteCreateCustomer, s.createCustomer)
	s.mux.HandleFunc(RouteLookupCustomer, s.lookupCustomer)
	s.mux.HandleFunc(RouteListArticles, s.inbox(s.listArticles))
	// Unknown routes and methods, in the framework's words.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.EscapedPath()))
	})
}

// inbox checks the workspace of a route with one (the inbox's, the
// knowledge base's) before h runs.
func (s *Simulator) inbox(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("workspaceId") != WorkspaceID {
			writeError(w, http.StatusNotFound, "Workspace not found.")
			return
		}
		h(w, r)
	}
}

// Wire shapes (docs/vendors.md and the seed).

type contactJSON struct {
	ID                 string  `json:"id"`
	Email              string  `json:"email"`
	Name               string  `json:"name"`
	AvatarURL          *string `json:"avatarUrl"`
	Phone              *string `json:"phone"`
	Status             string  `json:"status"`
	Source             string  `json:"source"`
	LastMessageAt      *string `json:"lastMessageAt"`
	LastMessagePreview *string `json:"lastMessagePreview"`
	CreatedAt          string  `json:"createdAt"`
}

type customerContactJSON struct {
	ID                 string  `json:"id"`
	Email              string  `json:"email"`
	Name               string  `json:"name"`
	AvatarURL          *string `json:"avatarUrl"`
	LastMessageAt      *string `json:"lastMessageAt"`
	LastMessagePreview *string `json:"lastMessagePreview"`
}

type threadSummaryJSON struct {
	ID                 string  `json:"id"`
	Status             string  `json:"status"`
	Source             string  `json:"source"`
	LastMessageAt      *string `json:"lastMessageAt"`
	LastMessagePreview *string `json:"lastMessagePreview"`
	UnreadCount        int     `json:"unreadCount"`
}

type inboxCustomerJSON struct {
	Contact      customerContactJSON `json:"contact"`
	LatestThread *threadSummaryJSON  `json:"latestThread"`
	ThreadCount  int                 `json:"threadCount"`
}

type customerJSON struct {
	ID          string         `json:"id"`
	WorkspaceID string         `json:"workspaceId"`
	ExternalID  *string        `json:"externalId"`
	Email       string         `json:"email"`
	Name        string         `json:"name"`
	Status      string         `json:"status"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   string         `json:"createdAt"`
	UpdatedAt   *string        `json:"updatedAt"`
}

type articleJSON struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	ContentText string  `json:"contentText"`
	Source      string  `json:"source"`
	SourceRef   *string `json:"sourceRef,omitempty"`
	IsPublished bool    `json:"isPublished"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

type convContactJSON struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	AvatarURL *string `json:"avatarUrl"`
}

type conversationJSON struct {
	ID                 string          `json:"id"`
	Status             string          `json:"status"`
	Source             string          `json:"source"`
	Subject            string          `json:"subject"`
	IsUnread           bool            `json:"isUnread"`
	LastMessageAt      *string         `json:"lastMessageAt"`
	LastMessagePreview *string         `json:"lastMessagePreview"`
	AssignedToID       *string         `json:"assignedToId"`
	ChannelID          string          `json:"channelId"`
	Contact            convContactJSON `json:"contact"`
}

type messageJSON struct {
	ID             string   `json:"id"`
	Direction      string   `json:"direction"`
	SenderType     string   `json:"senderType"`
	ContentText    string   `json:"contentText"`
	ContentHTML    *string  `json:"contentHtml"`
	ContentPreview string   `json:"contentPreview"`
	Status         string   `json:"status"`
	Attachments    []string `json:"attachments"`
	AgentID        *string  `json:"agentId,omitempty"`
	CreatedAt      string   `json:"createdAt"`
	SentAt         string   `json:"sentAt"`
}

// messageJSONOf is m as the API shows it [D TS-msg].
func messageJSONOf(m Message) messageJSON {
	return messageJSON{
		ID: m.ID, Direction: m.Direction, SenderType: m.SenderType, ContentText: m.ContentText,
		ContentHTML: opt(m.ContentHTML), ContentPreview: preview(m.ContentText), Status: m.Status,
		Attachments: []string{}, AgentID: opt(m.AgentID), CreatedAt: stamp(m.CreatedAt), SentAt: stamp(m.CreatedAt),
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optStamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := stamp(t)
	return &s
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// preview is the first 100 characters of a text.
func preview(text string) string {
	if utf8.RuneCountInString(text) <= 100 {
		return text
	}
	return string([]rune(text)[:100]) + "…"
}

// activity is a contact's or thread's latest message.
type activity struct {
	at      time.Time
	preview string
}

func (s *Simulator) lastMessage(convID string) activity {
	msgs := s.msgs.LookupAll(byConversation, convID)
	if len(msgs) == 0 {
		return activity{}
	}
	m := msgs[len(msgs)-1].Value
	return activity{m.CreatedAt, preview(m.ContentText)}
}

func (s *Simulator) contactActivity(contactID string) (activity, []Conversation) {
	var last activity
	var convs []Conversation
	for _, e := range s.convs.LookupAll(byContact, contactID) {
		convs = append(convs, e.Value)
		if a := s.lastMessage(e.ID); !a.at.Before(last.at) && !a.at.IsZero() {
			last = a
		}
	}
	return last, convs
}

func (s *Simulator) contactJSON(c Contact) contactJSON {
	last, _ := s.contactActivity(c.ID)
	return contactJSON{
		ID: c.ID, Email: c.Email, Name: c.Name, AvatarURL: opt(c.AvatarURL), Phone: opt(c.Phone),
		Status: c.Status, Source: c.Source, LastMessageAt: optStamp(last.at), LastMessagePreview: opt(last.preview),
		CreatedAt: stamp(c.CreatedAt),
	}
}

func (s *Simulator) conversationJSON(c Conversation) conversationJSON {
	ct, _ := s.contacts.Get(c.ContactID)
	last := s.lastMessage(c.ID)
	return conversationJSON{
		ID: c.ID, Status: c.Status, Source: c.Source, Subject: c.Subject, IsUnread: c.IsUnread,
		LastMessageAt: optStamp(last.at), LastMessagePreview: opt(last.preview),
		AssignedToID: opt(c.AssignedToID), ChannelID: c.ChannelID,
		Contact: convContactJSON{ID: ct.ID, Email: ct.Email, Name: ct.Name, AvatarURL: opt(ct.AvatarURL)},
	}
}

// limit reads the limit query parameter: def when absent, at most
// MaxPageSize; anything but a positive integer is refused.
func (s *Simulator) limit(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return min(def, s.opts.MaxPageSize), true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, "limit must be a positive integer.")
		return 0, false
	}
	return min(n, s.opts.MaxPageSize), true
}

// readBody decodes a request body strictly, answering the vendor's 400 (or
// 413) when it cannot.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	err := sim.ReadJSON(r, v, sim.ReadOptions{Strict: true})
	if err == nil {
		return true
	}
	var be *sim.BodyError
	errors.As(err, &be)
	switch {
	case errors.Is(err, sim.ErrBodyTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large.")
	case errors.Is(err, sim.ErrEmptyBody):
		writeError(w, http.StatusBadRequest, "Request body is required.")
	case errors.Is(err, sim.ErrUnknownField) && be != nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("property %s should not exist", be.Field))
	case errors.Is(err, sim.ErrWrongType) && be != nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s has the wrong type.", be.Field))
	default:
		writeError(w, http.StatusBadRequest, "Invalid JSON body.")
	}
	return false
}

// validEmail reports whether s is a bare address with a dotted domain.
func validEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// validText reports whether s is valid UTF-8 without control characters
// other than tab and newlines.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

// GET …/inbox/customers
func (s *Simulator) listInboxCustomers(w http.ResponseWriter, r *http.Request) {
	limit, ok := s.limit(w, r, s.opts.PageSize)
	if !ok {
		return
	}
	page, _ := s.contacts.Page("", limit, nil)
	items := make([]inboxCustomerJSON, 0, len(page.Items))
	for _, e := range page.Items {
		c := e.Value
		last, convs := s.contactActivity(c.ID)
		item := inboxCustomerJSON{
			Contact: customerContactJSON{
				ID: c.ID, Email: c.Email, Name: c.Name, AvatarURL: opt(c.AvatarURL),
				LastMessageAt: optStamp(last.at), LastMessagePreview: opt(last.preview),
			},
			ThreadCount: len(convs),
		}
		if n := len(convs); n > 0 {
			t := convs[n-1]
			tl := s.lastMessage(t.ID)
			unread := 0
			if t.IsUnread {
				unread = 1
			}
			item.LatestThread = &threadSummaryJSON{
				ID: t.ID, Status: t.Status, Source: t.Source,
				LastMessageAt: optStamp(tl.at), LastMessagePreview: opt(tl.preview), UnreadCount: unread,
			}
		}
		items = append(items, item)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"customers": map[string]any{"items": items, "hasMore": page.Next != ""},
	})
}

// GET …/inbox/contacts/{contactId}
func (s *Simulator) getContact(w http.ResponseWriter, r *http.Request) {
	c, ok := s.contacts.Get(r.PathValue("contactId"))
	if !ok {
		writeError(w, http.StatusNotFound, "Contact not found.")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"contact": s.contactJSON(c)})
}

// POST …/inbox/contacts: an existing email returns the existing contact.
func (s *Simulator) createContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email *string `json:"email"`
		Name  *string `json:"name"`
		Phone *string `json:"phone"`
	}
	if !readBody(w, r, &in) {
		return
	}
	switch {
	case in.Email == nil || *in.Email == "":
		writeError(w, http.StatusBadRequest, "email is required.")
		return
	case !validEmail(*in.Email):
		writeError(w, http.StatusBadRequest, "Invalid email address format.")
		return
	case in.Name != nil && !validText(*in.Name), in.Phone != nil && !validText(*in.Phone):
		writeError(w, http.StatusBadRequest, "name and phone must be plain text.")
		return
	}
	var c Contact
	created := false
	s.contacts.Atomically(func(tx *txContacts) {
		if e, ok := tx.Lookup(byEmail, foldEmail(*in.Email)); ok {
			c = e.Value
			return
		}
		now := s.Clock.Now()
		c = Contact{
			ID: s.ids.Prefixed("ctc_"), Email: *in.Email, Status: "ACTIVE", Source: "API",
			CreatedAt: now, UpdatedAt: now,
		}
		if in.Name != nil {
			c.Name = *in.Name
		}
		if in.Phone != nil {
			c.Phone = *in.Phone
		}
		tx.Put(c.ID, c)
		created = true
	})
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.emit(eventContactCreated, nil, nil, &c)
	}
	sim.WriteJSON(w, status, map[string]any{"contact": s.contactJSON(c)})
}

// GET …/inbox/search?q=&limit=
func (s *Simulator) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		writeError(w, http.StatusBadRequest, "q is required.")
		return
	}
	limit, ok := s.limit(w, r, s.opts.SearchLimit)
	if !ok {
		return
	}
	fold := strings.ToLower(q)
	contacts := []map[string]string{}
	add := func(c Contact) bool {
		contacts = append(contacts, map[string]string{"id": c.ID, "email": c.Email, "name": c.Name})
		return len(contacts) < limit
	}
	if strings.Contains(q, "@") {
		for _, e := range s.contacts.LookupAll(byEmail, foldEmail(q)) {
			if !add(e.Value) {
				break
			}
		}
	} else {
		for _, e := range s.contacts.FindAll(func(_ string, c Contact) bool {
			return strings.Contains(strings.ToLower(c.Name), fold) || strings.Contains(strings.ToLower(c.Email), fold) ||
				strings.Contains(strings.ToLower(c.Phone), fold)
		}) {
			if !add(e.Value) {
				break
			}
		}
	}
	convs := []map[string]any{}
	for _, e := range s.convs.FindAll(func(_ string, c Conversation) bool {
		return strings.Contains(strings.ToLower(c.Subject), fold)
	}) {
		if len(convs) == limit {
			break
		}
		convs = append(convs, map[string]any{
			"id": e.Value.ID, "subject": e.Value.Subject, "lastMessagePreview": opt(s.lastMessage(e.ID).preview),
		})
	}
	msgs := []map[string]string{}
	for _, e := range s.msgs.FindAll(func(_ string, m Message) bool {
		return strings.Contains(strings.ToLower(m.ContentText), fold)
	}) {
		if len(msgs) == limit {
			break
		}
		msgs = append(msgs, map[string]string{
			"id": e.Value.ID, "conversationId": e.Value.ConversationID, "contentPreview": preview(e.Value.ContentText),
		})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"results": map[string]any{"contacts": contacts, "conversations": convs, "messages": msgs},
	})
}

var convStatuses = map[string]bool{"OPEN": true, "CLOSED": true, "ARCHIVED": true}

// GET …/inbox/conversations?status=&limit=
func (s *Simulator) listConversations(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status != "" && !convStatuses[status] {
		writeError(w, http.StatusBadRequest, "status must be one of OPEN, CLOSED, ARCHIVED.")
		return
	}
	limit, ok := s.limit(w, r, s.opts.PageSize)
	if !ok {
		return
	}
	page, _ := s.convs.Page("", limit, func(_ string, c Conversation) bool {
		if status == "" {
			return c.Status != "ARCHIVED" // hidden from the default inbox
		}
		return c.Status == status
	})
	items := make([]conversationJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, s.conversationJSON(e.Value))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"conversations": map[string]any{"items": items, "hasMore": page.Next != ""},
	})
}

// POST …/inbox/conversations: finds or creates the contact, opens a thread
// and emails the first message.
func (s *Simulator) createConversation(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email       *string `json:"email"`
		Name        *string `json:"name"`
		Subject     *string `json:"subject"`
		ContentText *string `json:"contentText"`
	}
	if !readBody(w, r, &in) {
		return
	}
	switch {
	case in.Email == nil || *in.Email == "":
		writeError(w, http.StatusBadRequest, "email is required.")
		return
	case !validEmail(*in.Email):
		writeError(w, http.StatusBadRequest, "Invalid email address format.")
		return
	case in.ContentText == nil || strings.TrimSpace(*in.ContentText) == "":
		writeError(w, http.StatusBadRequest, "contentText is required.")
		return
	case !validText(*in.ContentText), in.Subject != nil && !validText(*in.Subject), in.Name != nil && !validText(*in.Name):
		writeError(w, http.StatusBadRequest, "name, subject and contentText must be plain text.")
		return
	}
	now := s.Clock.Now()
	var ct Contact
	newContact := false
	s.contacts.Atomically(func(tx *txContacts) {
		if e, ok := tx.Lookup(byEmail, foldEmail(*in.Email)); ok {
			ct = e.Value
			return
		}
		ct = Contact{ID: s.ids.Prefixed("ctc_"), Email: *in.Email, Status: "ACTIVE", Source: "EMAIL", CreatedAt: now, UpdatedAt: now}
		if in.Name != nil {
			ct.Name = *in.Name
		}
		tx.Put(ct.ID, ct)
		newContact = true
	})
	conv := Conversation{
		ID: s.ids.Prefixed("thd_"), ContactID: ct.ID, Status: "OPEN", Source: "EMAIL",
		ChannelID: s.channel.ID, CreatedAt: now,
	}
	if in.Subject != nil {
		conv.Subject = *in.Subject
	}
	msg := Message{
		ID: s.ids.Prefixed("msg_"), ConversationID: conv.ID, Direction: "OUTBOUND", SenderType: "AGENT",
		ContentText: *in.ContentText, Status: "SENT", CreatedAt: now,
	}
	s.convs.Put(conv.ID, conv)
	s.msgs.Put(msg.ID, msg)
	s.emails.Add(1)
	if newContact {
		s.emit(eventContactCreated, nil, nil, &ct)
	}
	s.emit(eventConversationCreated, &conv, nil, nil)
	s.emit(eventMessageCreated, &conv, &msg, nil)
	sim.WriteJSON(w, http.StatusCreated, map[string]any{
		"conversation": map[string]string{"id": conv.ID},
		"contact":      map[string]string{"id": ct.ID},
		"message":      map[string]string{"id": msg.ID, "contentPreview": preview(msg.ContentText), "status": msg.Status},
	})
}

// GET …/inbox/conversations/{conversationId}/messages?limit=
func (s *Simulator) listMessages(w http.ResponseWriter, r *http.Request) {
	conv, ok := s.convs.Get(r.PathValue("conversationId"))
	if !ok {
		writeError(w, http.StatusNotFound, "Conversation not found.")
		return
	}
	limit, ok := s.limit(w, r, s.opts.PageSize)
	if !ok {
		return
	}
	all := s.msgs.LookupAll(byConversation, conv.ID)
	n := min(limit, len(all))
	items := make([]messageJSON, 0, n)
	for _, e := range all[:n] {
		items = append(items, messageJSONOf(e.Value))
	}
	ct, _ := s.contacts.Get(conv.ContactID)
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"thread": map[string]any{
			"conversation": map[string]any{
				"id": conv.ID, "status": conv.Status, "source": conv.Source, "subject": conv.Subject, "summary": nil,
			},
			"contact":  map[string]string{"id": ct.ID, "email": ct.Email, "name": ct.Name},
			"channel":  map[string]string{"id": s.channel.ID, "name": s.channel.Name, "email": s.channel.Email},
			"messages": map[string]any{"items": items, "hasMore": n < len(all)},
		},
	})
}

// cursorPrefix marks the simulator's /v1/customers cursors.
const cursorPrefix = "cus_"

// GET /v1/customers?status=&limit=&cursor=
func (s *Simulator) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && status != "ACTIVE" && status != "ARCHIVED" {
		writeError(w, http.StatusBadRequest, "status must be one of ACTIVE, ARCHIVED.")
		return
	}
	limit, ok := s.limit(w, r, s.opts.PageSize)
	if !ok {
		return
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		var err error
		if after, err = sim.DecodeCursor(cursorPrefix, c); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid cursor.")
			return
		}
	}
	page, err := s.contacts.Page(after, limit, func(_ string, c Contact) bool { return status == "" || c.Status == status })
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid cursor.")
		return
	}
	items := make([]customerJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, customer(e.Value))
	}
	var cursor *string
	if page.Next != "" {
		cursor = opt(sim.EncodeCursor(cursorPrefix, page.Next))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "cursor": cursor, "hasMore": page.Next != ""})
}

// customer is c as the Customers API shows it [D TS-cust]: metadata {}
// when it has none, updatedAt null until it is changed.
func customer(c Contact) customerJSON {
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	j := customerJSON{
		ID: c.ID, WorkspaceID: WorkspaceID, ExternalID: opt(c.ExternalID), Email: c.Email, Name: c.Name,
		Status: c.Status, Metadata: c.Metadata, CreatedAt: stamp(c.CreatedAt),
	}
	if c.UpdatedAt.After(c.CreatedAt) {
		j.UpdatedAt = opt(stamp(c.UpdatedAt))
	}
	return j
}

// POST /v1/customers {externalId, email, name, metadata}: the externalId
// must be unique in the workspace [D TS-cust]. What the vendor does with
// one taken, or with an email another contact has, is not public: both
// are refused with 409, so that nothing is overwritten or merged.
func (s *Simulator) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExternalID *string        `json:"externalId"`
		Email      *string        `json:"email"`
		Name       *string        `json:"name"`
		Metadata   map[string]any `json:"metadata"`
	}
	if !readBody(w, r, &in) {
		return
	}
	switch {
	case in.ExternalID == nil || strings.TrimSpace(*in.ExternalID) == "":
		writeError(w, http.StatusBadRequest, "externalId is required.")
		return
	case in.Email == nil || *in.Email == "":
		writeError(w, http.StatusBadRequest, "email is required.")
		return
	case !validEmail(*in.Email):
		writeError(w, http.StatusBadRequest, "Invalid email address format.")
		return
	case !validText(*in.ExternalID), in.Name != nil && !validText(*in.Name):
		writeError(w, http.StatusBadRequest, "externalId and name must be plain text.")
		return
	}
	var c Contact
	conflict := ""
	s.contacts.Atomically(func(tx *txContacts) {
		if _, ok := tx.Lookup(byExternalID, *in.ExternalID); ok {
			conflict = "A customer with this externalId already exists."
			return
		}
		if _, ok := tx.Lookup(byEmail, foldEmail(*in.Email)); ok {
			conflict = "A customer with this email already exists."
			return
		}
		now := s.Clock.Now()
		c = Contact{
			ID: s.ids.Prefixed("ctc_"), Email: *in.Email, Status: "ACTIVE", Source: "API",
			ExternalID: *in.ExternalID, Metadata: in.Metadata, CreatedAt: now, UpdatedAt: now,
		}
		if in.Name != nil {
			c.Name = *in.Name
		}
		tx.Put(c.ID, c)
	})
	if conflict != "" {
		writeError(w, http.StatusConflict, conflict)
		return
	}
	s.emit(eventContactCreated, nil, nil, &c)
	sim.WriteJSON(w, http.StatusCreated, customer(c))
}

// GET /v1/customers/lookup?externalId=: the customer, or 404. The docs'
// copy ends before the answer's example; the simulator answers the
// customer as POST /v1/customers does.
func (s *Simulator) lookupCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("externalId")
	if id == "" {
		writeError(w, http.StatusBadRequest, "externalId is required.")
		return
	}
	e, ok := s.contacts.Lookup(byExternalID, id)
	if !ok {
		writeError(w, http.StatusNotFound, "Customer not found.")
		return
	}
	sim.WriteJSON(w, http.StatusOK, customer(e.Value))
}

// GET /v1/workspaces/{workspaceId}/knowledge/articles?limit=&offset=
// [D TS-kb]: offset paging, with the total.
func (s *Simulator) listArticles(w http.ResponseWriter, r *http.Request) {
	limit, ok := s.limit(w, r, 10)
	if !ok {
		return
	}
	offset := 0
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset must be a non-negative integer.")
			return
		}
		offset = n
	}
	all := s.articles.Values()
	page := all[min(offset, len(all)):min(offset+limit, len(all))]
	items := make([]articleJSON, 0, len(page))
	for _, a := range page {
		items = append(items, articleJSON{
			ID: a.ID, Title: a.Title, ContentText: a.ContentText, Source: a.Source, SourceRef: opt(a.SourceRef),
			IsPublished: a.IsPublished, CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.UpdatedAt),
		})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"articles": items, "total": len(all)})
}
