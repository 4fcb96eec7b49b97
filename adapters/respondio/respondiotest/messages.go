package respondiotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// messageBody is the message object of a send [S R-SDK types/message.ts].
type messageBody struct {
	Type       string `json:"type"`
	Text       string `json:"text"`
	Attachment *struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"attachment"`
	// An email's.
	Subject     string   `json:"subject"`
	CC          []string `json:"cc"`
	BCC         []string `json:"bcc"`
	Attachments []struct {
		Type     string `json:"type"`
		URL      string `json:"url"`
		FileName string `json:"fileName"`
	} `json:"attachments"`
	Title    string          `json:"title"`
	Replies  []string        `json:"replies"`
	Payload  json.RawMessage `json:"payload"`
	Template *struct {
		Name         string `json:"name"`
		LanguageCode string `json:"languageCode"`
	} `json:"template"`
}

// check returns a 400 message for a message respond.io would refuse.
func (m messageBody) check() string {
	switch m.Type {
	case "text":
		if strings.TrimSpace(m.Text) == "" {
			return "message.text is required"
		}
	case "email":
		if strings.TrimSpace(m.Text) == "" {
			return "message.text is required"
		}
		for _, a := range m.Attachments {
			if msg := checkAttachment("message.attachments[]", a.Type, a.URL); msg != "" {
				return msg
			}
			if strings.TrimSpace(a.FileName) == "" {
				return "message.attachments[].fileName is required"
			}
		}
		for _, addr := range append(slices.Clone(m.CC), m.BCC...) {
			if !validEmail(addr) {
				return "message.cc and message.bcc must hold email addresses"
			}
		}
	case "attachment":
		a := m.Attachment
		if a == nil {
			return "message.attachment is required"
		}
		if msg := checkAttachment("message.attachment", a.Type, a.URL); msg != "" {
			return msg
		}
	case "quick_reply":
		if m.Title == "" || len(m.Replies) < 1 || len(m.Replies) > 10 {
			return "a quick_reply needs a title and 1 to 10 replies"
		}
	case "custom_payload":
		if !bytes.HasPrefix(bytes.TrimSpace(m.Payload), []byte("{")) {
			return "message.payload must be an object"
		}
	case "whatsapp_template":
		if m.Template == nil || m.Template.Name == "" || m.Template.LanguageCode == "" {
			return "message.template needs a name and a languageCode"
		}
	case "":
		return "message.type is required"
	default:
		return "message.type " + strconv.Quote(m.Type) + " is not supported"
	}
	return ""
}

// checkAttachment returns a 400 message for an attachment respond.io would
// refuse.
func checkAttachment(field, typ, rawURL string) string {
	switch typ {
	case "image", "video", "audio", "file":
	default:
		return field + ".type must be image, video, audio or file"
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return field + ".url must be an http(s) URL"
	}
	return ""
}

// POST /contact/{identifier}/message: {channelId?, message}; answers
// {messageId}. A channelId must be one of the contact's channels, an email
// channel for an email message.
func (s *Simulator) sendMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChannelID json.RawMessage `json:"channelId"`
		Message   json.RawMessage `json:"message"`
	}
	if !readBody(w, r, &in) {
		return
	}
	var body messageBody
	if len(in.Message) == 0 || json.Unmarshal(in.Message, &body) != nil {
		writeError(w, http.StatusBadRequest, "message is required and must be an object")
		return
	}
	if msg := body.check(); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	var channel int64
	if len(in.ChannelID) > 0 && !bytes.Equal(in.ChannelID, []byte("null")) {
		n, err := strconv.ParseInt(string(in.ChannelID), 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "channelId must be a channel ID or null")
			return
		}
		channel = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	if channel != 0 {
		ch, ok := s.channelLocked(channel)
		switch {
		case !ok || !slices.Contains(c.Channels, channel):
			writeError(w, http.StatusBadRequest, "channelId "+itoa(channel)+" is not a channel of this contact")
			return
		case body.Type == "email" && !ch.email():
			writeError(w, http.StatusBadRequest, "an email message needs an email channel")
			return
		}
	}
	var compact bytes.Buffer
	json.Compact(&compact, in.Message) // valid: it was decoded above
	m := s.addMessageLocked(Message{
		ContactID: c.ID, ChannelID: channel, Traffic: "outgoing", Body: compact.Bytes(),
		Type: body.Type, Text: body.Text, Subject: body.Subject, SenderSource: "api",
	})
	sim.WriteJSON(w, http.StatusOK, map[string]int64{"messageId": m.ID})
}

// addMessageLocked stores m with a new ID and the current time; the caller
// holds s.mu.
func (s *Simulator) addMessageLocked(m Message) Message {
	m.ID = s.nextMessage + 1
	s.nextMessage++
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.Clock.Now()
	}
	s.messages[m.ContactID] = append(s.messages[m.ContactID], m)
	return m
}

// GET /contact/{identifier}/message/list?limit=&cursorId=: the history,
// oldest first.
func (s *Simulator) listMessages(w http.ResponseWriter, r *http.Request) {
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
	msgs := s.messages[c.ID]
	ids := make([]int64, len(msgs))
	byID := make(map[int64]Message, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
		byID[m.ID] = m
	}
	page, pg := pageOf(r, ids, p, nil)
	out := wirePage[wireMessage]{Items: []wireMessage{}, Pagination: pg}
	for _, id := range page {
		out.Items = append(out.Items, wireOfMessage(byID[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /contact/{identifier}/message/{messageId}.
func (s *Simulator) getMessage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("messageId"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "messageId must be a number")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	for _, m := range s.messages[c.ID] {
		if m.ID == id {
			sim.WriteJSON(w, http.StatusOK, wireOfMessage(m))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Message not found")
}

// POST /contact/{identifier}/comment: {text} of at most 1000 characters;
// answers {contactId, text, created_at} [S R-MCP, R-n8n types].
func (s *Simulator) addComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if !readBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Text) == "" || utf8.RuneCountInString(in.Text) > MaxCommentLength {
		writeError(w, http.StatusBadRequest, "text is required and must be at most 1000 characters")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contactFor(w, r)
	if !ok {
		return
	}
	cm := Comment{ContactID: c.ID, Text: in.Text, CreatedAt: s.Clock.Now()}
	s.comments[c.ID] = append(s.comments[c.ID], cm)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"contactId": c.ID, "text": cm.Text, "created_at": cm.CreatedAt.Unix()})
}
