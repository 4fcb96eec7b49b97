package support

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// notStoredMessage is the warning of a field the vendor cannot write.
func (c *Client) notStoredMessage() string {
	return fmt.Sprintf("not stored: %s has no field to write it", c.vendor)
}

// inputFields returns the fields of in that hold a value, by the names of
// Capabilities.ContactFields, each with a function that clears it.
func inputFields(in *ContactInput) []struct {
	name  string
	set   bool
	clear func()
} {
	type f = struct {
		name  string
		set   bool
		clear func()
	}
	return []f{
		{"first_name", in.FirstName != "", func() { in.FirstName = "" }},
		{"last_name", in.LastName != "", func() { in.LastName = "" }},
		{"email", in.Email != "", func() { in.Email = "" }},
		{"phone", in.Phone != "", func() { in.Phone = "" }},
		{"language", in.Language != "", func() { in.Language = "" }},
		{"country", in.Country != "", func() { in.Country = "" }},
		{"city", in.City != "", func() { in.City = "" }},
		{"email_consent", in.EmailConsent != "", func() { in.EmailConsent = "" }},
		{"lifecycle", in.Lifecycle != "", func() { in.Lifecycle = "" }},
		{"avatar_url", in.AvatarURL != "", func() { in.AvatarURL = "" }},
		{"external_id", in.ExternalID != "", func() { in.ExternalID = "" }},
		{"tags", len(in.Tags) > 0, func() { in.Tags = nil }},
	}
}

// fieldNames lists the fields of ws, comma-separated.
func fieldNames(ws []Warning) string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Field
	}
	return strings.Join(names, ", ")
}

// stripInput removes from in the fields the vendor cannot write
// (Capabilities.ContactFields), with one warning each, custom fields by
// name. in itself is not changed.
func (c *Client) stripInput(in ContactInput) (ContactInput, []Warning) {
	if c.caps.ContactFields == nil {
		return in, nil
	}
	var ws []Warning
	for _, f := range inputFields(&in) {
		if f.set && !c.caps.StoresField(f.name) {
			f.clear()
			ws = append(ws, Warning{Field: f.name, Message: c.notStoredMessage()})
		}
	}
	if len(in.CustomFields) > 0 && !c.caps.StoresField("custom_fields") {
		for _, k := range slices.Sorted(maps.Keys(in.CustomFields)) {
			ws = append(ws, Warning{Field: "custom_fields." + k, Message: c.notStoredMessage()})
		}
		in.CustomFields = nil
	}
	return in, ws
}

// stripUpdate removes from u the fields the vendor cannot write, as
// stripInput does; u itself is not changed.
func (c *Client) stripUpdate(u ContactUpdate) (ContactUpdate, []Warning) {
	if c.caps.ContactFields == nil {
		return u, nil
	}
	var ws []Warning
	drop := func(name string, set bool, clear func()) {
		if set && !c.caps.StoresField(name) {
			clear()
			ws = append(ws, Warning{Field: name, Message: c.notStoredMessage()})
		}
	}
	for _, f := range []struct {
		name string
		p    **string
	}{
		{"first_name", &u.FirstName}, {"last_name", &u.LastName}, {"email", &u.Email}, {"phone", &u.Phone},
		{"language", &u.Language}, {"country", &u.Country}, {"city", &u.City},
	} {
		drop(f.name, *f.p != nil, func() { *f.p = nil })
	}
	drop("email_consent", u.EmailConsent != nil, func() { u.EmailConsent = nil })
	for _, f := range []struct {
		name string
		p    **string
	}{{"lifecycle", &u.Lifecycle}, {"avatar_url", &u.AvatarURL}, {"external_id", &u.ExternalID}} {
		drop(f.name, *f.p != nil, func() { *f.p = nil })
	}
	drop("tags", u.Tags != nil, func() { u.Tags = nil })
	if len(u.CustomFields) > 0 && !c.caps.StoresField("custom_fields") {
		for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
			ws = append(ws, Warning{Field: "custom_fields." + k, Message: c.notStoredMessage()})
		}
		u.CustomFields = nil
	}
	return u, ws
}
