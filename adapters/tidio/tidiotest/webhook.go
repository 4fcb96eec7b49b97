package tidiotest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// WebhookSecret is the webhook secret the simulator signs with when
// Options.WebhookSecrets is empty.
const WebhookSecret = "tidiotest-webhook-secret"

// ProjectPublicKey is the project_public_key of every delivery: 32 lower-case
// letters and digits, like Tidio's example [D T-wh].
const ProjectPublicKey = "tidiotestpublickey00000000000000"

// ErrNoTicket is the error of a Simulate method given a ticket the simulator
// does not hold.
var ErrNoTicket = errors.New("tidiotest: no such ticket")

// The topics the simulator sends: contact.* and
// conversation.solved_by_operator are Tidio's [D T-wh-ev];
// ticket.contact_replied is a third party's [3P rollout].
const (
	topicContactCreated   = "contact.created"
	topicContactUpdated   = "contact.updated"
	topicContactReplied   = "ticket.contact_replied"
	topicSolvedByOperator = "conversation.solved_by_operator"
)

// signatureHeader carries the signature; every delivery also has
// user-agent "Tidio Webhook" and content-type application/json [D T-wh].
const signatureHeader = "X-Tidio-Signature"

// signer signs as Tidio does: X-Tidio-Signature t=<unix>,s=<hex>, one s per
// secret, s the lower-case hex HMAC-SHA256 of body + "_" + t under that
// secret [D T-wh, D T-wh-sig].
type signer struct{ secrets []string }

// Sign implements sim.Signer.
func (s signer) Sign(body []byte, at time.Time) http.Header {
	t := strconv.FormatInt(at.Unix(), 10)
	parts := []string{"t=" + t}
	for _, secret := range s.secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		mac.Write([]byte("_" + t))
		parts = append(parts, "s="+hex.EncodeToString(mac.Sum(nil)))
	}
	h := http.Header{}
	h.Set(signatureHeader, strings.Join(parts, ","))
	h.Set("User-Agent", "Tidio Webhook")
	h.Set("Content-Type", "application/json")
	return h
}

// Corrupt implements sim.Signer: the first digit of every s is changed, so
// that no signature matches.
func (signer) Corrupt(h http.Header) http.Header {
	parts := strings.Split(h.Get(signatureHeader), ",")
	for i, p := range parts {
		if sig, ok := strings.CutPrefix(p, "s="); ok && sig != "" {
			flipped := byte('0')
			if sig[0] == '0' {
				flipped = '1'
			}
			parts[i] = "s=" + string(flipped) + sig[1:]
		}
	}
	h.Set(signatureHeader, strings.Join(parts, ","))
	return h
}

// newWebhooks builds the Server's webhook sender from opts.
func newWebhooks(opts Options, clock *sim.Clock) *sim.Webhooks {
	secrets := opts.WebhookSecrets
	if len(secrets) == 0 {
		secrets = []string{WebhookSecret}
	}
	return sim.NewWebhooks(opts.Webhooks, clock, signer{secrets: slices.Clone(secrets)})
}

// webhookJSON is the envelope of every delivery [D T-wh].
type webhookJSON struct {
	CreatedAt        int64  `json:"created_at"`
	ProjectPublicKey string `json:"project_public_key"`
	Topic            string `json:"topic"`
	Version          int    `json:"version"`
	WebhookID        string `json:"webhook_id"`
	Content          any    `json:"content"`
}

// webhookContactJSON is the content of contact.created and contact.updated
// [D T-wh-ev].
type webhookContactJSON struct {
	ID         string         `json:"id"`
	Email      *string        `json:"email"`
	Phone      *string        `json:"phone"`
	FirstName  *string        `json:"first_name"`
	LastName   *string        `json:"last_name"`
	DistinctID *string        `json:"distinct_id"`
	Properties []propertyJSON `json:"properties"`
}

// webhookTicketJSON is the content of the ticket and conversation topics,
// which Tidio does not document: the simulator's choice.
type webhookTicketJSON struct {
	TicketID   int64        `json:"ticket_id"`
	ContactID  string       `json:"contact_id"`
	OperatorID *string      `json:"operator_id,omitempty"`
	Message    *messageJSON `json:"message,omitempty"`
}

// emit queues a delivery of topic with content, stamped now, when
// deliveries are on.
func (s *Server) emit(topic string, content any) {
	if !s.Webhooks.Enabled() {
		return
	}
	body, err := json.Marshal(webhookJSON{
		CreatedAt: s.Clock.Now().Unix(), ProjectPublicKey: ProjectPublicKey, Topic: topic,
		Version: 1, WebhookID: s.v.ids.UUID("webhook"), Content: content,
	})
	if err != nil {
		panic(err) // the shapes above always marshal
	}
	s.Webhooks.Enqueue(body)
}

// emitContact queues topic for c.
func (s *Server) emitContact(topic string, c Contact) {
	out := webhookContactJSON{
		ID: c.ID, Email: null(c.Email), Phone: null(c.Phone), FirstName: null(c.FirstName),
		LastName: null(c.LastName), DistinctID: null(c.DistinctID), Properties: make([]propertyJSON, 0, len(c.Properties)),
	}
	for _, p := range c.Properties {
		out.Properties = append(out.Properties, propertyJSON{Name: p.Name, Value: s.v.propertyValue(p)})
	}
	s.emit(topic, out)
}

// SimulateVisitor stores c as a visitor of the chat widget would create it
// and queues contact.created. It fills in c as SeedContact does and returns
// it as stored.
func (s *Server) SimulateVisitor(c Contact) Contact {
	c = s.SeedContact(c)
	s.emitContact(topicContactCreated, c)
	return c
}

// SimulateContactEdit changes the contact with id through edit, as an
// operator editing it in the panel would, and queues contact.updated. It
// reports whether the contact exists; edit cannot change the ID, and the
// result is not validated.
func (s *Server) SimulateContactEdit(id string, edit func(*Contact)) bool {
	var c Contact
	found := false
	s.v.contacts.Atomically(func(tx *sim.Tx[Contact]) {
		if c, found = tx.Get(id); found {
			c.Properties = slices.Clone(c.Properties)
			edit(&c)
			c.ID = id
			tx.Put(id, c)
		}
	})
	if found {
		s.emitContact(topicContactUpdated, c)
	}
	return found
}

// SimulateContactReply adds a public message from the ticket's contact, as
// the customer answering would, and queues ticket.contact_replied. It fails
// with ErrNoTicket for an unknown ticket, and for a blank text.
func (s *Server) SimulateContactReply(ticketID int64, text string) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, errors.New("tidiotest: a contact reply needs a text")
	}
	var (
		t     Ticket
		msg   Message
		found bool
	)
	s.v.tickets.Atomically(func(tx *sim.Tx[Ticket]) {
		if t, found = tx.Get(ticketKey(ticketID)); found {
			now := s.Clock.Now()
			msg = Message{
				ID: s.v.ids.ULID("message", now), CreatedAt: now, AuthorType: "contact", AuthorID: t.ContactID,
				MessageType: "public", Content: text,
			}
			t.Messages = append(slices.Clip(t.Messages), msg)
			tx.Put(ticketKey(ticketID), t)
		}
	})
	if !found {
		return Message{}, fmt.Errorf("%w: %d", ErrNoTicket, ticketID)
	}
	m := messageOut(msg)
	s.emit(topicContactReplied, webhookTicketJSON{TicketID: t.ID, ContactID: t.ContactID, Message: &m})
	return msg, nil
}

// SimulateOperatorSolve marks the ticket solved, as its operator would in
// the panel, and queues conversation.solved_by_operator. A ticket already
// solved is left alone and sends nothing. It fails with ErrNoTicket for an
// unknown ticket.
func (s *Server) SimulateOperatorSolve(ticketID int64) error {
	var (
		t              Ticket
		found, changed bool
	)
	s.v.tickets.Atomically(func(tx *sim.Tx[Ticket]) {
		if t, found = tx.Get(ticketKey(ticketID)); found && t.Status != "solved" {
			t.Status, changed = "solved", true
			tx.Put(ticketKey(ticketID), t)
		}
	})
	if !found {
		return fmt.Errorf("%w: %d", ErrNoTicket, ticketID)
	}
	if changed {
		s.emit(topicSolvedByOperator, webhookTicketJSON{TicketID: t.ID, ContactID: t.ContactID, OperatorID: null(t.AssignedOperatorID)})
	}
	return nil
}
