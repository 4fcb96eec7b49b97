package support

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitPartsKeepTheChannel(t *testing.T) {
	f := newFake()
	f.caps.SplitsAttachments, f.caps.ChoosesChannel = true, true
	_, err := NewClient(f).SendMessage(context.Background(), "conv1", NewMessage{Text: "hello", ChannelID: "7",
		Attachments: []Attachment{{URL: "https://example.com/a.png"}, {URL: "https://example.com/b.png"}}})
	require.NoError(t, err)
	require.Len(t, f.sent, 3, "the text and each attachment")
	for i, m := range f.sent {
		assert.Equal(t, "7", m.ChannelID, "part %d goes over the chosen channel", i)
	}
}

func TestEmailWithAttachmentsIsNotSplit(t *testing.T) {
	f := newFake()
	f.caps.SplitsAttachments, f.caps.MessageSubjects = true, true
	_, err := NewClient(f).SendMessage(context.Background(), "conv1", NewMessage{Text: "hello", Subject: "Your order",
		Attachments: []Attachment{{URL: "https://example.com/a.png"}, {URL: "https://example.com/b.png"}}})
	require.NoError(t, err)
	require.Len(t, f.sent, 1, "an email carries its attachments")
	assert.Equal(t, "Your order", f.sent[0].Subject)
	assert.Len(t, f.sent[0].Attachments, 2)
}
