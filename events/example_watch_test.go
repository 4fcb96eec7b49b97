package events_test

import (
	"context"
	"fmt"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/events"
	"github.com/deskbridge/deskbridge/support"
)

// The change feed of a platform, resumed from its checkpoint: the second
// Watch emits only what changed after the first stopped.
func ExampleWatch() {
	ctx := context.Background()
	c := memory.New(memory.Config{})
	r, err := c.CreateContact(ctx, support.ContactInput{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil {
		panic(err)
	}
	conv, err := c.CreateConversation(ctx, support.NewConversation{Contact: support.ID(r.Contact.ID), Text: "Where is my parcel?"})
	if err != nil {
		panic(err)
	}

	// A FileCheckpoint (events.NewFileCheckpoint) survives a restart.
	opts := events.WatchOptions{Checkpoint: &events.MemoryCheckpoint{}, Backlog: true}
	show := func(n int) {
		for ev, err := range events.Watch(ctx, c, opts) {
			if err != nil {
				fmt.Println("error:", err) // the feed goes on with its next poll
				continue
			}
			fmt.Println(ev.Kind, ev.DeliveryID)
			if n--; n == 0 {
				break
			}
		}
	}
	show(3) // Backlog: what exists already

	if _, err := c.SendMessage(ctx, conv.ID, support.NewMessage{Text: "It ships today."}); err != nil {
		panic(err)
	}
	if err := c.SetStatus(ctx, conv.ID, support.StatusChange{Status: support.StatusClosed}); err != nil {
		panic(err)
	}
	show(2)
	// Output:
	// contact.created poll:contact.created/ctc_1
	// conversation.created poll:conversation.created/conv_1
	// message.received poll:message.received/conv_1/msg_1
	// conversation.status_changed poll:conversation.status_changed/conv_1/1/closed
	// message.sent poll:message.sent/conv_1/msg_2
}
